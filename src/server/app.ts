import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { execute, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { piiReadAuditPlugin, withPiiReadAudit } from '../audit/pii-read-audit';
import { AuthError, AuthErrorCode } from '../auth/auth-error';
import { connectionParamsToken, requireBearerToken } from '../auth/http-auth';
import type { Principal } from '../auth/principal';
import { TokenVerifier } from '../auth/token-verifier';
import { ErrorCode } from '../common/hub-error';
import type { HubConfig } from '../config/config';
import { hubSettings, loadRules, type HubRules } from '../config/rules-file';
import { isReady } from '../db/database';
import { createIngestRouter } from '../ingest/transports/http-ingest';
import { ChangeNotifier, type HubPubSub } from '../feed/change-notifier';
import type { Logger } from '../logging/logger';
import { hubVersion } from '../common/hub-version';
import { feedFanout } from '../feed/feed-fanout';
import { graphqlMetricsPlugin, WebSocketMetrics } from '../metrics/graphql-metrics';
import { HubMetrics, type WebSocketStats } from '../metrics/hub-metrics';
import { metricsEndpoint } from '../metrics/metrics-endpoint';
import type { GraphQLContext } from './context';
import { consoleRouter } from './console-route';
import { createErrorFormatter } from './format-error';
import { hardenedApolloOptions, prepareWebSocketOperation, withoutSuggestions } from './hardening';
import { createLoaders } from './loaders';
import { buildHubSchema } from './schema';
import { subscribeSharingResults } from './shared-subscription-results';

export interface HubRuntime {
  config: HubConfig;
  logger: Logger;
  dataSource: DataSource;
  pubSub: HubPubSub;
  /** The rules file's content; read from `HUB_CONFIG` when not given. */
  rules?: HubRules;
}

export interface HubServer {
  httpServer: http.Server;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ url: string; port: number }>;
  /** Stops accepting, finishes in-flight requests, closes WebSockets with 1001. Leaves the database open. */
  stop(): Promise<void>;
  /** This process's metrics, served at `/metrics`; the hub's background jobs report into it too. */
  metrics: HubMetrics;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Express 5 + Apollo Server 5 at `/graphql`, graphql-ws on the same port and path, health probes. */
export async function createHubServer(runtime: HubRuntime): Promise<HubServer> {
  const { config, logger, dataSource, pubSub } = runtime;
  const rules = runtime.rules ?? loadRules(config.rulesFile);
  const notifier = new ChangeNotifier(pubSub);
  const schema = await buildHubSchema(pubSub, { operationTimeoutMs: config.graphql.timeoutMs });
  const hardening = hardenedApolloOptions<GraphQLContext>(config.graphql);
  const formatError = config.graphql.introspection
    ? createErrorFormatter(logger)
    : withoutSuggestions(createErrorFormatter(logger));
  let stopping = false;

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  const verifier = new TokenVerifier(config.auth, logger.child({ component: 'auth' }));
  await verifier.init();
  const authenticate = requireBearerToken(verifier);
  const metrics: HubMetrics = new HubMetrics({
    dataSource,
    version: hubVersion(),
    feedReaderPosition: () => feedFanout(dataSource).position,
    webSockets: (): WebSocketStats => wsMetrics.stats(),
  });
  const wsMetrics: WebSocketMetrics = new WebSocketMetrics(metrics);

  const settings = { ...hubSettings(config.phoneRegion, rules), privacyHmacKey: config.privacyHmacKey };
  const makeContext = (requestId: string, log: Logger, principal: Principal): GraphQLContext => ({
    requestId,
    actor: principal.subject,
    principal,
    logger: log,
    dataSource,
    notifier,
    settings,
    loaders: createLoaders(dataSource),
    piiReads: new Set(),
    metrics,
  });

  // WebSocket connections: the token arrives in `connection_init`; a bad one closes the socket with 4403 and the
  // code as the reason. The socket closes (4403 TOKEN_EXPIRED) when the token expires; operations started after
  // that are refused.
  const wsPrincipals = new WeakMap<object, { principal: Principal; expiryTimer?: NodeJS.Timeout }>();
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown>, { requestId?: string }>(
    {
      schema,
      // Reads of unmasked personal data are audited per operation (src/audit/pii-read-audit.ts).
      execute: withPiiReadAudit(execute),
      subscribe: withPiiReadAudit(subscribeSharingResults),
      onConnect: async (ctx) => {
        const token = connectionParamsToken(ctx.connectionParams);
        try {
          if (!token) throw new AuthError(AuthErrorCode.Missing, 'send an access token in connection_init');
          const principal = await verifier.verify(token);
          const entry: { principal: Principal; expiryTimer?: NodeJS.Timeout } = { principal };
          if (principal.expiresAt) {
            const ms = Math.min(Math.max(principal.expiresAt.getTime() - Date.now(), 0), 2 ** 31 - 1);
            entry.expiryTimer = setTimeout(() => ctx.extra.socket.close(4403, AuthErrorCode.Expired), ms);
            entry.expiryTimer.unref();
          }
          wsPrincipals.set(ctx, entry);
          wsMetrics.connected(ctx);
          return true;
        } catch (error) {
          const code = error instanceof AuthError ? error.code : AuthErrorCode.IssuerUnavailable;
          if (!(error instanceof AuthError)) logger.error({ err: error }, 'WebSocket authentication failed');
          ctx.extra.socket.close(4403, code);
          return false;
        }
      },
      onClose: (ctx) => {
        clearTimeout(wsPrincipals.get(ctx)?.expiryTimer);
        wsMetrics.closed(ctx);
      },
      onSubscribe: (ctx, id, payload) => {
        wsMetrics.operationStarted(ctx, id);
        const expiresAt = wsPrincipals.get(ctx)?.principal.expiresAt;
        if (expiresAt && expiresAt.getTime() <= Date.now()) {
          wsMetrics.operationRefused(ctx, id);
          return [
            new GraphQLError('the access token has expired; reconnect with a fresh one', {
              extensions: { code: ErrorCode.TokenExpired },
            }),
          ];
        }
        // The same limits as HTTP operations; a refused one gets an error message, the socket stays open.
        const prepared = prepareWebSocketOperation(schema, payload, config.graphql);
        if (Array.isArray(prepared)) wsMetrics.operationRefused(ctx, id);
        return prepared;
      },
      onOperation: (ctx, id, _payload, args, result) => wsMetrics.operationExecuted(ctx, id, args, result),
      context: (ctx) => {
        const requestId = randomUUID();
        const entry = wsPrincipals.get(ctx);
        if (!entry) throw new Error('a WebSocket operation before authentication');
        return makeContext(
          requestId,
          logger.child({ requestId, transport: 'ws' }),
          entry.principal,
        ) as unknown as Record<string, unknown>;
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    // Limits, no batching, CSRF prevention, no stack traces, introspection and suggestions as configured.
    ...hardening,
    // The hub owns shutdown order (HTTP, WebSockets, pool, database); Apollo must not race it on signals.
    stopOnTerminationSignals: false,
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    plugins: [
      ...hardening.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      piiReadAuditPlugin(),
      graphqlMetricsPlugin<GraphQLContext>(metrics),
      { serverWillStart: async () => ({ drainServer: async () => wsCleanup.dispose() }) },
    ],
  });
  await apollo.start();

  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('x-request-id');
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.locals.logger = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    res.on('finish', () =>
      res.locals.logger.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      ),
    );
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = !stopping && (await isReady(dataSource));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : stopping ? 'stopping' : 'not_ready' });
  });
  // Prometheus: METRICS_TOKEN (a static bearer for the scraper) or an admin access token.
  app.get('/metrics', metricsEndpoint(metrics, verifier, config.metricsToken));

  app.use(consoleRouter());
  app.get('/', (_req, res) => res.redirect(302, '/console/'));

  app.use(
    createIngestRouter(
      {
        config,
        rules,
        context: (res) => makeContext(res.locals.requestId, res.locals.logger, res.locals.principal as Principal),
        authenticate,
      },
      logger,
    ),
  );

  app.use(
    '/graphql',
    authenticate,
    express.json({ limit: config.graphql.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ res }) =>
        makeContext(res.locals.requestId, res.locals.logger, res.locals.principal as Principal),
    }),
  );

  app.use((_req: Request, res: Response) => jsonError(res, 404, 'NOT_FOUND', 'no such endpoint'));
  // Body-parser failures are the client's: answer them with a code, never the default HTML page or a stack.
  app.use((error: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.too.large') return jsonError(res, 413, 'PAYLOAD_TOO_LARGE', 'request body too large');
    if (error.type === 'entity.parse.failed')
      return jsonError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
    if (error.status && error.status >= 400 && error.status < 500)
      return jsonError(res, error.status, 'BAD_REQUEST', 'bad request');
    res.locals.logger?.error({ err: error }, 'unexpected error in an HTTP request');
    jsonError(res, 500, 'INTERNAL_ERROR', 'Internal error; the hub logged the details.');
  });

  return {
    httpServer,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          const { port } = httpServer.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve({ url: `http://${host}:${port}/graphql`, port });
        });
      }),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await apollo.stop();
    },
  };
}
