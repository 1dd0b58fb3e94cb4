import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { HubMetrics, WebSocketStats } from './hub-metrics';

/**
 * Times every GraphQL operation over HTTP, from the request to the response (parsing, limits, execution),
 * labelled by operation name and type: one histogram observation per request.
 */
export function graphqlMetricsPlugin<TContext extends BaseContext>(metrics: HubMetrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const startedAt = process.hrtime.bigint();
      let name: string | null | undefined;
      let type: string | undefined;
      return {
        async didResolveOperation(request) {
          name = request.operationName;
          type = request.operation?.operation;
        },
        async willSendResponse(request) {
          const body = request.response.body;
          const ok = body.kind === 'single' ? !body.singleResult.errors?.length : true;
          metrics.recordOperation({ name, type, transport: 'http', ok, startedAt });
        },
      };
    },
  };
}

/** What graphql-ws hands the hooks for one connection (its live operations by id). */
interface WsConnection {
  subscriptions: Record<string, unknown>;
}

/**
 * graphql-ws side of the metrics: live connections and subscriptions (read at scrape time from graphql-ws's own
 * bookkeeping, so they cannot drift), and the time of each query and mutation from `subscribe` to its result.
 */
export class WebSocketMetrics {
  private readonly connections = new Set<WsConnection>();
  private readonly started = new WeakMap<WsConnection, Map<string, bigint>>();

  constructor(private readonly metrics: HubMetrics) {}

  connected(ctx: WsConnection): void {
    this.connections.add(ctx);
  }

  closed(ctx: WsConnection): void {
    this.connections.delete(ctx);
  }

  /** An operation arrived (before limits and execution). */
  operationStarted(ctx: WsConnection, id: string): void {
    let byId = this.started.get(ctx);
    if (!byId) this.started.set(ctx, (byId = new Map()));
    byId.set(id, process.hrtime.bigint());
  }

  /** An operation was refused before it ran (limits, an expired token). */
  operationRefused(ctx: WsConnection, id: string): void {
    const startedAt = this.take(ctx, id);
    if (startedAt !== undefined)
      this.metrics.recordOperation({ name: undefined, type: undefined, transport: 'ws', ok: false, startedAt });
  }

  /** A query or mutation has its result; a subscription has started (subscriptions are counted, not timed). */
  operationExecuted(
    ctx: WsConnection,
    id: string,
    args: ExecutionArgs,
    /** graphql-ws hands over the awaited result: an `ExecutionResult`, or an async iterable for a subscription. */
    result: unknown,
  ): void {
    const startedAt = this.take(ctx, id);
    if (startedAt === undefined || typeof result !== 'object' || result === null || Symbol.asyncIterator in result) {
      return;
    }
    const operation = getOperationAST(args.document, args.operationName);
    this.metrics.recordOperation({
      name: operation ? (operation.name?.value ?? null) : undefined,
      type: operation?.operation,
      transport: 'ws',
      ok: !(result as ExecutionResult).errors?.length,
      startedAt,
    });
  }

  stats(): WebSocketStats {
    let subscriptions = 0;
    for (const ctx of this.connections) {
      // graphql-ws keeps `null` while an operation runs and the iterator once a subscription streams.
      for (const operation of Object.values(ctx.subscriptions)) if (operation) subscriptions++;
    }
    return { connections: this.connections.size, subscriptions };
  }

  private take(ctx: WsConnection, id: string): bigint | undefined {
    const byId = this.started.get(ctx);
    const startedAt = byId?.get(id);
    byId?.delete(id);
    return startedAt;
  }
}
