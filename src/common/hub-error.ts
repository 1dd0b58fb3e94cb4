/**
 * Stable error codes a client can act on. They appear as `extensions.code` on GraphQL errors, as `code` on
 * typed error results and on dead letters. Add codes; never rename one.
 */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  NotFound: 'NOT_FOUND',
  InvalidId: 'INVALID_ID',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Internal: 'INTERNAL_ERROR',
  Unavailable: 'SERVICE_UNAVAILABLE',
  /** Authenticated, but the token lacks the scope the operation needs (`extensions.scope` names it). */
  Forbidden: 'FORBIDDEN',
  /** The access token expired while a WebSocket stayed open: reconnect with a fresh one. */
  TokenExpired: 'TOKEN_EXPIRED',
  // record validation
  InvalidRecord: 'INVALID_RECORD',
  MissingSource: 'MISSING_SOURCE',
  InvalidSource: 'INVALID_SOURCE',
  SourceMismatch: 'SOURCE_MISMATCH',
  MissingExternalId: 'MISSING_EXTERNAL_ID',
  InvalidType: 'INVALID_TYPE',
  UnknownAttribute: 'UNKNOWN_ATTRIBUTE',
  UnknownField: 'UNKNOWN_FIELD',
  InvalidEmail: 'INVALID_EMAIL',
  InvalidPhone: 'INVALID_PHONE',
  InvalidDate: 'INVALID_DATE',
  InvalidCountry: 'INVALID_COUNTRY',
  ValueTooLong: 'VALUE_TOO_LONG',
  TooManyRecords: 'TOO_MANY_RECORDS',
  // GraphQL operation limits (server/hardening)
  /** An argument outside what the API allows, e.g. `first` above its page cap (`extensions.max`). */
  BadUserInput: 'BAD_USER_INPUT',
  QueryTooDeep: 'QUERY_TOO_DEEP',
  /** Over `GRAPHQL_MAX_COST`: each field costs 1, a paged field's selection counts `first` times. */
  QueryTooCostly: 'QUERY_TOO_COSTLY',
  TooManyAliases: 'TOO_MANY_ALIASES',
  TooManyDirectives: 'TOO_MANY_DIRECTIVES',
  /** The operation ran past `GRAPHQL_TIMEOUT_MS`, or a statement past `DB_STATEMENT_TIMEOUT_MS`. */
  OperationTimeout: 'OPERATION_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error the hub raises on purpose: its code and message are safe to show to the caller. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** PostgreSQL error classes the hub reacts to, by SQLSTATE (never by message text). */
export const SqlState = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  SerializationFailure: '40001',
  DeadlockDetected: '40P01',
  InvalidTextRepresentation: '22P02',
  QueryCanceled: '57014',
} as const;

export function sqlState(error: unknown): string | undefined {
  const candidate = (error as { code?: unknown; driverError?: { code?: unknown } } | null) ?? undefined;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
