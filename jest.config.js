/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // jose and oidc-provider (tests' issuer) ship ESM only; jest 30 on Node 20 needs them transformed to CommonJS.
    '^.+\\.js$': '<rootDir>/test/support/esm-dependency-transformer.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oidc-provider)/)'],
  testTimeout: 30000,
  // Two cores here: one worker per core keeps database-heavy files from starving each other.
  maxWorkers: 2,
};
