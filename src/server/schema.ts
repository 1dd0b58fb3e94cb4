import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { resolvers } from '../resolvers';
import type { HubPubSub } from '../feed/change-notifier';
import { scopeAuthChecker } from '../auth/auth-checker';

/** Builds the executable schema from the resolvers; shared by HTTP and WebSocket. */
export async function buildHubSchema(pubSub: HubPubSub): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub,
    authChecker: scopeAuthChecker,
    validate: false,
    emitSchemaFile: false,
  });
}
