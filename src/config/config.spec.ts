import path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadConfig({}, '/srv/hub');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      dataDir: path.resolve('/srv/hub/.hub-data'),
      nodeEnv: 'development',
      logLevel: 'info',
      amqpUrl: undefined,
    });
  });

  it('reads the environment names of the design', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u:p@db:5432/hub',
        PORT: '8080',
        HUB_DATA_DIR: '/var/lib/hub',
        HUB_CONFIG: 'rules.json',
        AUTH_ISSUER: 'https://id.example.com/',
        AUTH_AUDIENCE: 'profile-hub',
        AUTH_JWKS_URL: 'https://id.example.com/jwks',
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
        NODE_ENV: 'production',
      },
      '/srv/hub',
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/hub',
      port: 8080,
      dataDir: '/var/lib/hub',
      rulesFile: '/srv/hub/rules.json',
      authIssuer: 'https://id.example.com/',
      authAudience: 'profile-hub',
      authJwksUrl: 'https://id.example.com/jwks',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      nodeEnv: 'production',
    });
  });

  it.each([
    ['PORT', 'eighty', /PORT: "eighty" is not allowed; use a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT: "70000" is not allowed/],
    ['NODE_ENV', 'staging', /NODE_ENV: "staging" is not allowed; use one of development, test, production/],
    [
      'DATABASE_URL',
      'mysql://db/hub',
      /DATABASE_URL: uses "mysql:", which is not allowed; use postgres:\/\/… or postgresql:\/\/…/,
    ],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: is not a valid URL/],
    ['AMQP_URL', 'http://broker', /AMQP_URL: uses "http:"/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: "loud" is not allowed/],
  ])('stops on %s=%s with a message naming the variable', (name, value, message) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(name);
    expect((thrown as Error).message).toMatch(message);
  });
});
