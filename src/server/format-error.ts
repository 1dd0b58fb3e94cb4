import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, HubError, SqlState, sqlState } from '../common/hub-error';
import type { Logger } from '../logging/logger';

/** Codes Apollo and graphql-js give to errors the client caused; their messages are safe to show. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * Maps every error to a coded one at the edge: the hub's own errors keep their code and message, client
 * mistakes caught by GraphQL keep theirs, and anything else becomes INTERNAL_ERROR with the request id —
 * never a stack trace or SQL text. The full error goes to the log.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // A GraphQL error may carry a HubError as its cause: the operation limits (server/hardening) raise them so.
    const original =
      unwrapped instanceof GraphQLError && unwrapped.originalError instanceof HubError
        ? unwrapped.originalError
        : unwrapped;
    const base = { locations: formatted.locations, path: formatted.path };
    if (original instanceof HubError) {
      return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      return { ...base, message: formatted.message, extensions: { code } };
    }
    // A GraphQL error raised with no underlying exception (e.g. a subscription topic mismatch) is safe too.
    if (original instanceof GraphQLError && !original.originalError && code === undefined) {
      return { ...base, message: formatted.message, extensions: { code: ErrorCode.BadRequest } };
    }
    // statement_timeout (DB_STATEMENT_TIMEOUT_MS) cancelled one of the operation's statements.
    if (sqlState(original) === SqlState.QueryCanceled) {
      logger.warn({ err: original, path: formatted.path }, 'a statement of a GraphQL operation was cancelled');
      return {
        ...base,
        message: 'the operation took too long and was cancelled',
        extensions: { code: ErrorCode.OperationTimeout },
      };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return {
      ...base,
      message: 'Internal error; the hub logged the details.',
      extensions: { code: ErrorCode.Internal },
    };
  };
}
