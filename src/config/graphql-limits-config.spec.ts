import { ConfigError, loadConfig } from './config';

const PRODUCTION = {
  NODE_ENV: 'production',
  PRIVACY_HMAC_KEY: 'k'.repeat(32),
  AUTH_ISSUER: 'https://id.example.com/',
  AUTH_JWKS_URL: 'https://id.example.com/jwks',
};

describe('GraphQL limits and the statement timeout', () => {
  it('gives the documented defaults, introspection on outside production', () => {
    const config = loadConfig({}, '/srv/hub');
    expect(config.graphql).toEqual({
      maxDepth: 12,
      maxCost: 20_000,
      maxAliases: 30,
      maxDirectives: 50,
      maxTokens: 20_000,
      timeoutMs: 30_000,
      maxBodyBytes: 5_242_880,
      introspection: true,
    });
    expect(config.dbStatementTimeoutMs).toBe(60_000);
  });

  it('turns introspection (and suggestions) off in production unless GRAPHQL_INTROSPECTION says otherwise', () => {
    expect(loadConfig(PRODUCTION, '/srv/hub').graphql.introspection).toBe(false);
    expect(loadConfig({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true' }, '/srv/hub').graphql.introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }, '/srv/hub').graphql.introspection).toBe(false);
  });

  it('reads each limit from its variable', () => {
    const config = loadConfig(
      {
        GRAPHQL_MAX_DEPTH: '8',
        GRAPHQL_MAX_COST: '5000',
        GRAPHQL_MAX_ALIASES: '0',
        GRAPHQL_MAX_DIRECTIVES: '10',
        GRAPHQL_MAX_TOKENS: '1000',
        GRAPHQL_TIMEOUT_MS: '10000',
        GRAPHQL_MAX_BODY_BYTES: '1048576',
        DB_STATEMENT_TIMEOUT_MS: '0',
      },
      '/srv/hub',
    );
    expect(config.graphql).toMatchObject({
      maxDepth: 8,
      maxCost: 5000,
      maxAliases: 0,
      maxDirectives: 10,
      maxTokens: 1000,
      timeoutMs: 10_000,
      maxBodyBytes: 1_048_576,
    });
    expect(config.dbStatementTimeoutMs).toBe(0);
  });

  it.each([
    ['GRAPHQL_MAX_DEPTH', '0'],
    ['GRAPHQL_MAX_COST', 'lots'],
    ['GRAPHQL_TIMEOUT_MS', '-1'],
    ['GRAPHQL_MAX_BODY_BYTES', '10'],
    ['GRAPHQL_INTROSPECTION', 'yes'],
    ['DB_STATEMENT_TIMEOUT_MS', '1.5'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value }, '/srv/hub')).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, '/srv/hub')).toThrow(new RegExp(`^${name}: `));
  });
});
