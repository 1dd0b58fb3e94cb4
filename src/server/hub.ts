import type { HubConfig } from '../config/config';
import { ConsentExpiry } from '../consent/consent-expiry';
import { SegmentScheduler } from '../segments/segment-scheduler';
import { hubSettings, loadRules } from '../config/rules-file';
import { openDatabase, type Database } from '../db/database';
import { startAmqpFeedRelay, type AmqpFeedRelay } from '../feed/amqp-relay';
import { ChangeNotifier, createHubPubSub } from '../feed/change-notifier';
import { startAmqpConsumer, type AmqpIngestConsumer } from '../ingest/transports/amqp-consumer';
import type { Logger } from '../logging/logger';
import { RetentionJob } from '../privacy/retention';
import { WebhookDispatcher } from '../sync/webhook-dispatcher';
import { createHubServer, type HubServer } from './app';

export interface RunningHub {
  url: string;
  port: number;
  database: Database;
  server: HubServer;
  /** The RabbitMQ ingest consumer, when `AMQP_URL` is set. */
  amqpConsumer?: AmqpIngestConsumer;
  /** Publishes the change feed to RabbitMQ when `AMQP_URL` is set (one active across processes). */
  feedRelay?: AmqpFeedRelay;
  /** Sends outbound webhooks from the change-event outbox. */
  webhookDispatcher: WebhookDispatcher;
  /** Applies the `RETENTION_*` periods on a schedule (idle when none is set). */
  retentionJob: RetentionJob;
  /**
   * Graceful stop: stop the retention job (after its current batch), stop the webhook dispatcher (requests in flight get a short grace), stop the broker consumer
   * (its in-flight batch commits and is acknowledged), stop accepting, drain requests, close WebSockets (1001),
   * close the pool, stop the database.
   */
  stop(): Promise<void>;
}

/** Starts a whole hub: database (embedded or `DATABASE_URL`), migrations, HTTP + WebSocket server. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  // A bad rules file stops start-up before anything is started.
  const rules = loadRules(config.rulesFile);
  const database = await openDatabase(config, logger);
  const pubSub = createHubPubSub();
  let server: HubServer;
  let address: { url: string; port: number };
  try {
    server = await createHubServer({ config, logger, dataSource: database.dataSource, pubSub, rules });
    address = await server.listen();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  // Connects in the background (and keeps reconnecting): the hub serves without the broker.
  const amqpConsumer = config.amqpUrl
    ? startAmqpConsumer({
        url: config.amqpUrl,
        sources: config.amqpSources,
        prefetch: config.amqpPrefetch,
        maxAttempts: config.amqpMaxAttempts,
        dataSource: database.dataSource,
        logger,
        notifier: new ChangeNotifier(pubSub),
        hubSettings: { ...hubSettings(config.phoneRegion, rules), privacyHmacKey: config.privacyHmacKey },
        metrics: server.metrics,
      })
    : undefined;
  const webhookDispatcher = new WebhookDispatcher({
    dataSource: database.dataSource,
    logger: logger.child({ component: 'webhooks' }),
    config: config.webhooks,
    metrics: server.metrics,
  });
  webhookDispatcher.start();
  const retentionJob = new RetentionJob({
    dataSource: database.dataSource,
    config: config.retention,
    logger: logger.child({ component: 'retention' }),
  });
  retentionJob.start();
  const consentExpiry = new ConsentExpiry(
    database.dataSource,
    new ChangeNotifier(pubSub),
    logger.child({ component: 'consent-expiry' }),
  );
  consentExpiry.start();
  const segmentScheduler = new SegmentScheduler(
    database.dataSource,
    new ChangeNotifier(pubSub),
    logger.child({ component: 'segments' }),
    { ...hubSettings(config.phoneRegion, rules), privacyHmacKey: config.privacyHmacKey },
  );
  segmentScheduler.start();
  const feedRelay = config.amqpUrl
    ? startAmqpFeedRelay({
        url: config.amqpUrl,
        dataSource: database.dataSource,
        logger: logger.child({ component: 'feed-relay' }),
      })
    : undefined;
  let stopping: Promise<void> | undefined;
  return {
    ...address,
    database,
    server,
    amqpConsumer,
    feedRelay,
    webhookDispatcher,
    retentionJob,
    stop: () =>
      (stopping ??= (async () => {
        await consentExpiry.stop();
        await segmentScheduler.stop();
        await feedRelay?.stop().catch((error) => logger.error({ err: error }, 'feed relay did not stop cleanly'));
        await retentionJob.stop().catch((error) => logger.error({ err: error }, 'retention job did not stop cleanly'));
        await webhookDispatcher
          .stop()
          .catch((error) => logger.error({ err: error }, 'webhook dispatcher did not stop cleanly'));
        // First, while the database is open: the in-flight batch commits and is acknowledged.
        await amqpConsumer?.stop().catch((error) => logger.error({ err: error }, 'AMQP consumer did not stop cleanly'));
        await server.stop();
        await database.close();
      })()),
  };
}
