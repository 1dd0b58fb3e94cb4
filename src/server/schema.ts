import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { auditMutations } from '../audit/mutation-audit';
import { resolvers } from '../resolvers';
import type { HubPubSub } from '../feed/change-notifier';
import { operationDeadline } from './hardening';
import { scopeAuthChecker } from '../auth/auth-checker';

/**
 * Builds the executable schema from the resolvers; shared by HTTP and WebSocket. `operationTimeoutMs` (default
 * 30000, `GRAPHQL_TIMEOUT_MS`): no resolver of an operation starts later than this after its first one.
 */
export async function buildHubSchema(
  pubSub: HubPubSub,
  { operationTimeoutMs = 30_000 }: { operationTimeoutMs?: number } = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    pubSub,
    authChecker: scopeAuthChecker,
    globalMiddlewares: [operationDeadline(operationTimeoutMs)],
    validate: false,
    emitSchemaFile: false,
  });
  // Every mutation is recorded in the audit trail, over HTTP and WebSocket alike.
  return auditMutations(schema);
}
