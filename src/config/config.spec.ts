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
        PRIVACY_HMAC_KEY: 'k'.repeat(32),
      },
      '/srv/hub',
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/hub',
      port: 8080,
      dataDir: '/var/lib/hub',
      rulesFile: '/srv/hub/rules.json',
      auth: {
        mode: 'issuer',
        issuer: 'https://id.example.com/',
        audience: 'profile-hub',
        jwksUrl: 'https://id.example.com/jwks',
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        clockToleranceSeconds: 30,
      },
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
    ['PRIVACY_HMAC_KEY', 'short-secret', /PRIVACY_HMAC_KEY: is too short/],
    ['METRICS_TOKEN', 'scrape-me', /METRICS_TOKEN: is too weak/],
    ['AUTH_ALGORITHMS', 'RS256,HS256', /AUTH_ALGORITHMS: "HS256" is not allowed; use asymmetric algorithms only/],
    ['AUTH_ALGORITHMS', 'none', /AUTH_ALGORITHMS: "none" is not allowed/],
    ['AUTH_JWKS_URL', 'https://id.example.com/jwks', /AUTH_JWKS_URL: needs AUTH_ISSUER/],
    ['RETENTION_ENGAGEMENT_EVENTS_DAYS', '-1', /RETENTION_ENGAGEMENT_EVENTS_DAYS: "-1" is not allowed/],
    ['RETENTION_DEAD_LETTERS_DAYS', 'ninety', /RETENTION_DEAD_LETTERS_DAYS: "ninety" is not allowed/],
    ['RETENTION_INTERVAL_MS', '10', /RETENTION_INTERVAL_MS: "10" is not allowed/],
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

  it('requires PRIVACY_HMAC_KEY in production, and never echoes a key in its messages', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PRIVACY_HMAC_KEY: is required in production/);
    expect(() => loadConfig({ PRIVACY_HMAC_KEY: 'short-secret' })).not.toThrow(/short-secret"/);
    expect(loadConfig({}).privacyHmacKey).toBeUndefined();
  });

  it('never runs open: production without an issuer stops start-up; elsewhere dev mode signs its own tokens', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PRIVACY_HMAC_KEY: 'k'.repeat(32) })).toThrow(
      /AUTH_ISSUER: is required in production/,
    );
    expect(loadConfig({ HUB_DATA_DIR: '/tmp/hub' }).auth).toMatchObject({
      mode: 'dev',
      issuer: 'urn:profile-hub:dev',
      devKeyFile: '/tmp/hub/dev-signing-key.json',
    });
  });

  it('reads the retention settings, 0 (keep forever) by default', () => {
    expect(loadConfig({}).retention).toEqual({
      engagementEventDays: 0,
      changeEventPayloadDays: 0,
      deadLetterDays: 0,
      intervalMs: 3_600_000,
      batchSize: 1000,
    });
    expect(
      loadConfig({
        RETENTION_ENGAGEMENT_EVENTS_DAYS: '730',
        RETENTION_CHANGE_EVENT_PAYLOADS_DAYS: '90',
        RETENTION_DEAD_LETTERS_DAYS: '30',
      }).retention,
    ).toMatchObject({ engagementEventDays: 730, changeEventPayloadDays: 90, deadLetterDays: 30 });
  });
});
