import 'reflect-metadata';
import { loadConfig } from '../../config/config';
import { openDatabase } from '../../db/database';
import { ChangeNotifier, createHubPubSub } from '../../feed/change-notifier';
import { createLogger } from '../../logging/logger';
import { startAmqpConsumer } from './amqp-consumer';

/**
 * A process that only consumes the RabbitMQ ingest queues (no HTTP server), for a dedicated ingest node or a
 * crash test:
 *
 *   DATABASE_URL=postgres://… AMQP_URL=amqp://… node dist/src/ingest/transports/amqp-worker.js [--prefix <name>]
 *
 * It reads the same configuration as the hub (`AMQP_SOURCES`, `AMQP_PREFETCH`, `AMQP_MAX_ATTEMPTS`,
 * `LOG_LEVEL`, `DB_POOL_SIZE`), expects a migrated database and stops gracefully on SIGTERM or SIGINT.
 */
export async function runAmqpWorker(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<() => Promise<void>> {
  const config = loadConfig(env);
  if (!config.amqpUrl) throw new Error('AMQP_URL is unset: the worker has nothing to consume');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is unset: the worker needs the hub database');
  const prefixAt = argv.indexOf('--prefix');
  const prefix = prefixAt >= 0 ? argv[prefixAt + 1] : undefined;
  const logger = createLogger(config.logLevel, { process: 'amqp-worker' });
  const database = await openDatabase(config, logger, { runMigrations: false });
  const consumer = startAmqpConsumer({
    url: config.amqpUrl,
    sources: config.amqpSources,
    prefix,
    prefetch: config.amqpPrefetch,
    maxAttempts: config.amqpMaxAttempts,
    dataSource: database.dataSource,
    logger,
    notifier: new ChangeNotifier(createHubPubSub()),
  });
  return async () => {
    await consumer.stop();
    await database.close();
  };
}

if (require.main === module) {
  runAmqpWorker(process.argv.slice(2)).then(
    (stop) => {
      const shutdown = () => {
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error: unknown) => {
      process.stderr.write(`profile-hub amqp-worker: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
