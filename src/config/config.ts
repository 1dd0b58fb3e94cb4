import path from 'node:path';

/** Where the process runs; `production` turns on the strict defaults (no introspection, auth required). */
export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Typed configuration, read once from the environment (the names are part of the public contract). */
export interface HubConfig {
  /** `DATABASE_URL`; unset means an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** `PORT`, default 4000; 0 picks a free port. */
  port: number;
  /** `HOST`, default `0.0.0.0`. */
  host: string;
  /** `HUB_DATA_DIR`, default `.hub-data` in the project folder: the embedded database lives here. */
  dataDir: string;
  /** `HUB_CONFIG`: the rules file (survivorship, matching, segments, scoring). */
  rulesFile: string | undefined;
  /** Who may call the API: see {@link AuthConfig}. */
  auth: AuthConfig;
  /** `AMQP_URL`: optional RabbitMQ for ingest and the feed relay. */
  amqpUrl: string | undefined;
  /** `AMQP_SOURCES`: sources with an ingest queue each, comma-separated; default every shipped adapter. */
  amqpSources: string[];
  /** `AMQP_PREFETCH`, default 500: unacknowledged messages per queue (also the largest broker batch). */
  amqpPrefetch: number;
  /** `AMQP_MAX_ATTEMPTS`, default 5: deliveries of a failing message before it goes to the dead-letter queue. */
  amqpMaxAttempts: number;
  /**
   * Webhook secrets by environment name (`HUBSPOT_CLIENT_SECRET`, `SENDGRID_VERIFICATION_KEY`, …): every
   * variable starting with a shipped adapter's prefix. An adapter without its secret accepts nothing.
   */
  webhookSecrets: Record<string, string>;
  /** `HUB_PHONE_REGION`: ISO 3166 alpha-2 region for phone numbers written without a country code. */
  phoneRegion: string | undefined;
  nodeEnv: NodeEnv;
  /** `LOG_LEVEL`, default `info` (`silent` under test). */
  logLevel: LogLevel;
  /** `DB_POOL_SIZE`, default 10. */
  dbPoolSize: number;
  /** `SHUTDOWN_TIMEOUT_MS`, default 10000: how long in-flight requests may take once shutdown begins. */
  shutdownTimeoutMs: number;
  /** Outbound webhooks (two-way sync): see {@link WebhookDispatchConfig}. */
  webhooks: WebhookDispatchConfig;
  /**
   * `PRIVACY_HMAC_KEY`: the key of the suppression list's HMACs (at least 32 characters), required in
   * production. Unset elsewhere: a key generated once and kept in the database (`privacy_key`). Never logged.
   */
  privacyHmacKey: string | undefined;
  /** What the scheduled retention job removes and how often it runs: see {@link RetentionConfig}. */
  retention: RetentionConfig;
  /** Limits on GraphQL operations, over HTTP and WebSocket alike: see {@link GraphQLLimitsConfig}. */
  graphql: GraphQLLimitsConfig;
  /**
   * `DB_STATEMENT_TIMEOUT_MS`, default 60000 (0: none): PostgreSQL cancels any statement of the hub's pool that runs
   * longer (the largest bulk statements — a segment batch of 100,000 profiles — take seconds).
   */
  dbStatementTimeoutMs: number;
  /**
   * `METRICS_TOKEN`: a static bearer token (16+ characters) that may read `/metrics` — what a Prometheus scraper
   * sends. Unset: only access tokens with the `admin` scope may. Never logged.
   */
  metricsToken: string | undefined;
  /**
   * `PG_BIN_DIR`: the folder with `pg_dump` and `pg_restore` for `profile-hub backup` / `restore`; unset: found on
   * `PATH` or in `/usr/lib/postgresql/<version>/bin`.
   */
  pgBinDir: string | undefined;
}

/**
 * Limits on GraphQL operations (HTTP and WebSocket alike); a refused operation gets a coded error and runs nothing.
 * @example GRAPHQL_MAX_DEPTH=8 GRAPHQL_MAX_COST=5000 GRAPHQL_TIMEOUT_MS=10000
 */
export interface GraphQLLimitsConfig {
  /** `GRAPHQL_MAX_DEPTH`, default 12: nesting of fields (fragments do not add a level), `QUERY_TOO_DEEP`. */
  maxDepth: number;
  /** `GRAPHQL_MAX_COST`, default 20000: each field costs 1 and a paged field's selection `first` times, `QUERY_TOO_COSTLY`. */
  maxCost: number;
  /** `GRAPHQL_MAX_ALIASES`, default 30: aliased fields per operation, `TOO_MANY_ALIASES`. */
  maxAliases: number;
  /** `GRAPHQL_MAX_DIRECTIVES`, default 50: directives per operation, `TOO_MANY_DIRECTIVES`. */
  maxDirectives: number;
  /** `GRAPHQL_MAX_TOKENS`, default 20000: tokens in a document (pass bulk input as variables), `GRAPHQL_PARSE_FAILED`. */
  maxTokens: number;
  /** `GRAPHQL_TIMEOUT_MS`, default 30000: no resolver starts this long after the operation's first one, `OPERATION_TIMEOUT`. */
  timeoutMs: number;
  /** `GRAPHQL_MAX_BODY_BYTES`, default 5242880 (5 MiB): larger `/graphql` request bodies get a 413 `PAYLOAD_TOO_LARGE`. */
  maxBodyBytes: number;
  /** `GRAPHQL_INTROSPECTION`, default `true` except in production: schema introspection and "Did you mean …" hints. */
  introspection: boolean;
}

/**
 * Retention of data that piles up. A period of 0 (the default) keeps that data forever.
 * @example RETENTION_ENGAGEMENT_EVENTS_DAYS=730 RETENTION_CHANGE_EVENT_PAYLOADS_DAYS=90 RETENTION_DEAD_LETTERS_DAYS=90
 */
export interface RetentionConfig {
  /** `RETENTION_ENGAGEMENT_EVENTS_DAYS`, default 0: timeline events that occurred longer ago are deleted. */
  engagementEventDays: number;
  /**
   * `RETENTION_CHANGE_EVENT_PAYLOADS_DAYS`, default 0: change events older than this keep their row and cursor but
   * lose their payload (and their webhook deliveries' bodies lose it too).
   */
  changeEventPayloadDays: number;
  /** `RETENTION_DEAD_LETTERS_DAYS`, default 0: dead letters received longer ago are deleted. */
  deadLetterDays: number;
  /** `RETENTION_INTERVAL_MS`, default 3600000: how often the job runs in each hub process. */
  intervalMs: number;
  /** `RETENTION_BATCH_SIZE`, default 1000: rows per transaction. */
  batchSize: number;
}

/**
 * Bearer-token authentication. With an issuer (`AUTH_ISSUER`) the hub verifies OAuth2 JWT access tokens against
 * the issuer's key set (`AUTH_JWKS_URL`, or the `jwks_uri` of its OpenID discovery document) or a local key set
 * (`AUTH_JWKS_FILE`). With none of them and `NODE_ENV` not `production`, dev mode: the hub signs and accepts
 * tokens of its own key (`profile-hub token`). In production a missing configuration stops start-up.
 */
export interface AuthConfig {
  mode: 'issuer' | 'dev';
  /** `AUTH_ISSUER`: the tokens' `iss`, compared exactly. In dev mode `urn:profile-hub:dev`. */
  issuer: string;
  /** `AUTH_AUDIENCE`, default `profile-hub`: the tokens' `aud` must contain it. */
  audience: string;
  /** `AUTH_JWKS_URL`: the issuer's JSON Web Key Set; unset: discovered from the issuer. */
  jwksUrl: string | undefined;
  /** `AUTH_JWKS_FILE`: a local JSON Web Key Set (public keys) instead of fetching one. */
  jwksFile: string | undefined;
  /** `AUTH_ALGORITHMS`, default `RS256,PS256,ES256,EdDSA`: the only signature algorithms accepted (never `none` or HMAC). */
  algorithms: string[];
  /** `AUTH_CLOCK_TOLERANCE_SECONDS`, default 30: allowed clock skew for `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /**
   * `AUTH_JWKS_COOLDOWN_SECONDS`, default 30: a token signed by a key the cached set lacks (the issuer rotated)
   * refetches the set, at most this often.
   */
  jwksCooldownSeconds: number;
  /** Dev mode: where the hub keeps its generated signing key (`<HUB_DATA_DIR>/dev-signing-key.json`). */
  devKeyFile: string;
}

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

function authConfig(env: Env, nodeEnv: NodeEnv, dataDir: string, projectRoot: string): AuthConfig {
  const issuer = optional(env, 'AUTH_ISSUER');
  const jwksUrl = url(env, 'AUTH_JWKS_URL', ['https:', 'http:']);
  const jwksFile = optional(env, 'AUTH_JWKS_FILE');
  const algorithms = (optional(env, 'AUTH_ALGORITHMS') ?? 'RS256,PS256,ES256,EdDSA').split(',').map((a) => a.trim());
  for (const algorithm of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(
        'AUTH_ALGORITHMS',
        `"${algorithm}" is not allowed; use asymmetric algorithms only (${ASYMMETRIC_ALGORITHMS.join(', ')})`,
      );
    }
  }
  const common = {
    audience: optional(env, 'AUTH_AUDIENCE') ?? 'profile-hub',
    algorithms,
    clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    jwksCooldownSeconds: integer(env, 'AUTH_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
    devKeyFile: path.join(dataDir, 'dev-signing-key.json'),
  };
  if (issuer === undefined) {
    if (jwksUrl || jwksFile) {
      throw new ConfigError(jwksUrl ? 'AUTH_JWKS_URL' : 'AUTH_JWKS_FILE', "needs AUTH_ISSUER (the tokens' issuer)");
    }
    if (nodeEnv === 'production') {
      throw new ConfigError(
        'AUTH_ISSUER',
        'is required in production (with AUTH_JWKS_URL, AUTH_JWKS_FILE or OpenID discovery); the hub never runs open',
      );
    }
    return { mode: 'dev', issuer: 'urn:profile-hub:dev', jwksUrl: undefined, jwksFile: undefined, ...common };
  }
  if (!/^https?:\/\//.test(issuer) && !issuer.startsWith('urn:')) {
    throw new ConfigError('AUTH_ISSUER', 'must be an https:// URL (or a urn: with AUTH_JWKS_FILE)');
  }
  if (issuer.startsWith('urn:') && !jwksFile && !jwksUrl) {
    throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_JWKS_FILE is required when AUTH_ISSUER is not a URL');
  }
  return {
    mode: 'issuer',
    issuer,
    jwksUrl,
    jwksFile: jwksFile ? path.resolve(projectRoot, jwksFile) : undefined,
    ...common,
  };
}

/** How the webhook dispatcher sends and retries deliveries. */
export interface WebhookDispatchConfig {
  /** `WEBHOOK_TIMEOUT_MS`, default 10000: one outbound request may take this long. */
  timeoutMs: number;
  /** `WEBHOOK_MAX_ATTEMPTS`, default 12: attempts before a delivery is `dead`. */
  maxAttempts: number;
  /** `WEBHOOK_RETRY_BASE_MS`, default 1000: ceiling of the first retry delay (then doubling, full jitter). */
  retryBaseMs: number;
  /** `WEBHOOK_RETRY_MAX_MS`, default 3600000: largest retry delay. */
  retryMaxMs: number;
  /** `WEBHOOK_POLL_INTERVAL_MS`, default 5000: look for work this often even without a NOTIFY wake-up. */
  pollIntervalMs: number;
}

/** Thrown when an environment variable holds a value the hub cannot use; the message names it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `"${raw}" is not allowed; use a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `"${raw}" is not allowed; use one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL; expected ${protocols.map((p) => `${p}//…`).join(' or ')}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(
      name,
      `uses "${parsed.protocol}", which is not allowed; use ${protocols.map((p) => `${p}//…`).join(' or ')}`,
    );
  }
  return raw;
}

const WEBHOOK_SECRET = /^(SALESFORCE|HUBSPOT|MAILCHIMP|SENDGRID|MARKETO|DYNAMICS)_[A-Z0-9_]+$/;
const DEFAULT_AMQP_SOURCES = ['salesforce', 'hubspot', 'marketo', 'mailchimp', 'sendgrid', 'dynamics'];

function sourceList(env: Env, name: string, fallback: string[]): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((s) => !/^[a-z][a-z0-9_-]{0,62}$/.test(s));
  if (bad !== undefined || list.length === 0) {
    throw new ConfigError(name, `"${bad ?? raw}" is not allowed; use comma-separated source keys (a-z, 0-9, - or _)`);
  }
  return list;
}

function region(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z]{2}$/.test(raw))
    throw new ConfigError(name, `"${raw}" is not allowed; use an ISO 3166 alpha-2 code such as PL`);
  return raw.toUpperCase();
}

function webhookDispatchConfig(env: Env): WebhookDispatchConfig {
  const retryBaseMs = integer(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 1, 86_400_000);
  const retryMaxMs = integer(env, 'WEBHOOK_RETRY_MAX_MS', 3_600_000, 1, 604_800_000);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError('WEBHOOK_RETRY_MAX_MS', `"${retryMaxMs}" is not allowed; use at least WEBHOOK_RETRY_BASE_MS`);
  }
  return {
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    maxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
    retryBaseMs,
    retryMaxMs,
    pollIntervalMs: integer(env, 'WEBHOOK_POLL_INTERVAL_MS', 5000, 50, 600_000),
  };
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(name, `"${raw}" is not allowed; use true or false`);
  return raw === 'true';
}

function graphqlLimitsConfig(env: Env, nodeEnv: NodeEnv): GraphQLLimitsConfig {
  return {
    maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 12, 1, 100),
    maxCost: integer(env, 'GRAPHQL_MAX_COST', 20_000, 1, 100_000_000),
    maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 10_000),
    maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 0, 10_000),
    maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', 20_000, 100, 10_000_000),
    timeoutMs: integer(env, 'GRAPHQL_TIMEOUT_MS', 30_000, 1, 3_600_000),
    maxBodyBytes: integer(env, 'GRAPHQL_MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    introspection: flag(env, 'GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
  };
}

function retentionConfig(env: Env): RetentionConfig {
  return {
    engagementEventDays: integer(env, 'RETENTION_ENGAGEMENT_EVENTS_DAYS', 0, 0, 36_500),
    changeEventPayloadDays: integer(env, 'RETENTION_CHANGE_EVENT_PAYLOADS_DAYS', 0, 0, 36_500),
    deadLetterDays: integer(env, 'RETENTION_DEAD_LETTERS_DAYS', 0, 0, 36_500),
    intervalMs: integer(env, 'RETENTION_INTERVAL_MS', 3_600_000, 1000, 604_800_000),
    batchSize: integer(env, 'RETENTION_BATCH_SIZE', 1000, 1, 100_000),
  };
}

function privacyHmacKey(env: Env, nodeEnv: NodeEnv): string | undefined {
  const key = optional(env, 'PRIVACY_HMAC_KEY');
  // The value itself never goes into a message.
  if (key === undefined && nodeEnv === 'production') {
    throw new ConfigError('PRIVACY_HMAC_KEY', 'is required in production; use a random secret of 32+ characters');
  }
  if (key !== undefined && key.length < 32) {
    throw new ConfigError('PRIVACY_HMAC_KEY', 'is too short; use a random secret of 32+ characters');
  }
  return key;
}

function metricsToken(env: Env): string | undefined {
  const token = optional(env, 'METRICS_TOKEN');
  // The value itself never goes into a message.
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    throw new ConfigError('METRICS_TOKEN', 'is too weak; use a random secret of 16+ characters without spaces');
  }
  return token;
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: Env = process.env, projectRoot = process.cwd()): HubConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const dataDir = path.resolve(projectRoot, optional(env, 'HUB_DATA_DIR') ?? '.hub-data');
  return {
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    dataDir,
    rulesFile: optional(env, 'HUB_CONFIG') ? path.resolve(projectRoot, optional(env, 'HUB_CONFIG')!) : undefined,
    amqpUrl: url(env, 'AMQP_URL', ['amqp:', 'amqps:']),
    amqpSources: sourceList(env, 'AMQP_SOURCES', DEFAULT_AMQP_SOURCES),
    amqpPrefetch: integer(env, 'AMQP_PREFETCH', 500, 1, 10000),
    amqpMaxAttempts: integer(env, 'AMQP_MAX_ATTEMPTS', 5, 1, 100),
    phoneRegion: region(env, 'HUB_PHONE_REGION'),
    webhookSecrets: Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] =>
          WEBHOOK_SECRET.test(entry[0]) && typeof entry[1] === 'string' && entry[1] !== '',
      ),
    ),
    nodeEnv,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000),
    graphql: graphqlLimitsConfig(env, nodeEnv),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 60_000, 0, 86_400_000),
    webhooks: webhookDispatchConfig(env),
    privacyHmacKey: privacyHmacKey(env, nodeEnv),
    retention: retentionConfig(env),
    auth: authConfig(env, nodeEnv, dataDir, projectRoot),
    metricsToken: metricsToken(env),
    pgBinDir: optional(env, 'PG_BIN_DIR') ? path.resolve(projectRoot, optional(env, 'PG_BIN_DIR')!) : undefined,
  };
}
