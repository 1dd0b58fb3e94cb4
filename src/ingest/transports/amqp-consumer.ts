import os from 'node:os';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import type { DataSource } from 'typeorm';
import { inTransaction, systemContext, type HubSettings, type ServiceContext } from '../../common/context';
import { sqlState } from '../../common/hub-error';
import type { ChangeNotifier } from '../../feed/change-notifier';
import type { Logger } from '../../logging/logger';
import type { HubMetrics } from '../../metrics/hub-metrics';
import { recordDeadLetters, type NewDeadLetter } from '../dead-letters';
import { ingestBatch, summarise } from '../ingest-batch';
import { MAX_BATCH, type IngestBatch, type IngestOutcome } from '../ingest-records';
import {
  AmqpHeader,
  assertIngestTopology,
  DEAD_REASON_MAX_ATTEMPTS,
  DEFAULT_AMQP_PREFIX,
  ingestTopology,
  type IngestTopology,
} from './amqp-topology';

export { publishMessages, publishRecords, type PublishRecordsOptions } from './amqp-publish';
export { DEFAULT_AMQP_PREFIX, ingestTopology, AmqpHeader, DEAD_REASON_MAX_ATTEMPTS } from './amqp-topology';

/** The pipeline call the consumer makes per batch; {@link ingestBatch} unless a test injects another. */
export type IngestFunction = (ctx: ServiceContext, batch: IngestBatch) => Promise<IngestOutcome[]>;

export interface AmqpConsumerOptions {
  /** `amqp://…` (config `amqpUrl`). */
  url: string;
  /** One queue per source (config `amqpSources`). */
  sources: string[];
  dataSource: DataSource;
  logger: Logger;
  notifier: ChangeNotifier;
  /** Name prefix of the exchange and queues; default `profile-hub`. */
  prefix?: string;
  /** Unacknowledged messages per source queue, also the largest batch (config `amqpPrefetch`, default 500). */
  prefetch?: number;
  /** Failed attempts after which a message moves to the `.dead` queue (config `amqpMaxAttempts`, default 5). */
  maxAttempts?: number;
  /** How long the first message of a batch waits for company before the batch runs; default 50 ms. */
  lingerMs?: number;
  /** Reconnect (and database-outage) backoff: `initial` doubling up to `max`; default 500 ms to 10 s. */
  backoffMs?: { initial: number; max: number };
  /** Shown by the broker for the connection (`rabbitmqctl list_connections client_properties`). */
  connectionName?: string;
  /** Replaces {@link ingestBatch} (tests inject failures here). */
  ingest?: IngestFunction;
  /** Phone region, identity rules … as for every other transport. */
  hubSettings?: HubSettings;
  /** The hub's metrics: the consumer's batches count as transport `amqp`. */
  metrics?: HubMetrics;
}

export interface AmqpConsumerState {
  /** True while every source queue has an active consumer. */
  consuming: boolean;
  /** Successful connections so far (2 after one reconnect). */
  connects: number;
}

export interface AmqpIngestConsumer {
  readonly state: AmqpConsumerState;
  /** Resolves once the consumer is connected and consuming (immediately when it already is). */
  whenConsuming(): Promise<void>;
  /**
   * Graceful stop: cancels the consumers, waits for the in-flight batch to commit and be acknowledged, then
   * closes channels and the connection (messages gathered but not started go back to their queues).
   */
  stop(): Promise<void>;
}

/** One delivered message, parsed on arrival. */
interface Delivery {
  message: ConsumeMessage;
  arrivedAt: number;
  /** Failed attempts before this delivery (the `x-attempts` header). */
  attempts: number;
  records: unknown[];
  /** Dead letters for a body (or NDJSON lines) that is not JSON. */
  letters: NewDeadLetter[];
}

type Attempt = { ok: true } | { ok: false; error: unknown } | { ok: false; abandoned: true };

interface Settings {
  source: string;
  topology: IngestTopology;
  prefetch: number;
  maxAttempts: number;
  lingerMs: number;
  backoff: (step: number) => number;
  dataSource: DataSource;
  notifier: ChangeNotifier;
  logger: Logger;
  ingest: IngestFunction;
  hubSettings?: HubSettings;
  metrics?: HubMetrics;
}

const MALFORMED_PAYLOAD = 'MALFORMED_PAYLOAD';
const MALFORMED_JSON = 'MALFORMED_JSON';
const NDJSON_TYPE = /ndjson|jsonlines|jsonl/i;

/**
 * Splits a message body into canonical records: a JSON object, a JSON array of them, or NDJSON (one per
 * line). A body that is none of these becomes one `MALFORMED_PAYLOAD` dead letter holding the raw body; an
 * unreadable line of an otherwise readable NDJSON body becomes a `MALFORMED_JSON` letter for that line.
 */
export function parseMessageBody(
  content: Buffer,
  contentType: string | undefined,
  source: string,
): { records: unknown[]; letters: NewDeadLetter[] } {
  const letter = (rawPayload: string, type: string, code: string, message: string, index: number | null) => ({
    source,
    transport: 'amqp' as const,
    contentType: type,
    rawPayload,
    recordIndex: index,
    code,
    message,
    path: null,
  });
  const text = content.toString('utf8');
  // PostgreSQL text holds neither invalid UTF-8 nor NUL: such a body is kept base64-encoded, byte for byte.
  if (!Buffer.from(text, 'utf8').equals(content) || text.includes('\u0000')) {
    return {
      records: [],
      letters: [
        letter(
          content.toString('base64'),
          'application/octet-stream; encoding=base64',
          MALFORMED_PAYLOAD,
          'the message body is not UTF-8 JSON or NDJSON (kept base64-encoded)',
          null,
        ),
      ],
    };
  }
  const type = contentType ?? 'application/json';
  const malformed = () => ({
    records: [],
    letters: [letter(text, type, MALFORMED_PAYLOAD, 'the message body is not JSON or NDJSON', null)],
  });
  try {
    const parsed: unknown = JSON.parse(text);
    return { records: Array.isArray(parsed) ? parsed : [parsed], letters: [] };
  } catch {
    // not one JSON document: NDJSON, or nothing readable
  }
  if (!NDJSON_TYPE.test(type) && !text.trim().includes('\n')) return malformed();
  const records: unknown[] = [];
  const letters: NewDeadLetter[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch {
      letters.push(letter(line, 'application/x-ndjson', MALFORMED_JSON, `line ${index + 1} is not JSON`, index));
    }
  });
  return records.length === 0 ? malformed() : { records, letters };
}

function attemptsOf(message: ConsumeMessage): number {
  const value = Number(message.properties.headers?.[AmqpHeader.Attempts] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** What a log line may say about an error: its kind and code, never a database message (it may quote data). */
function errorSummary(error: unknown): { name: string; code?: string; sqlState?: string; message?: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  const state = sqlState(error);
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    ...(state ? { sqlState: state } : { message: err.message.slice(0, 300) }),
    ...(typeof code === 'string' && !state ? { code } : {}),
  };
}

/** An interruptible sleep: `wake()` ends every pending one at once. */
class Sleeper {
  private wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.wakers]) done();
  }
}

/**
 * The consumer of one source queue on one channel: gathers deliveries into batches, runs one `ingestBatch`
 * per batch, acknowledges after the commit, and retries, republishes or parks messages whose batch failed.
 * Batches of one source run one after another, so a source's messages are applied in queue order.
 */
class SourceWorker {
  private pending: Delivery[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private consumerTag: string | undefined;
  private readonly sleeper = new Sleeper();

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly settings: Settings,
    private readonly onCancelled: () => void,
  ) {}

  async start(): Promise<void> {
    await this.channel.prefetch(this.settings.prefetch);
    const { consumerTag } = await this.channel.consume(
      this.settings.topology.queue(this.settings.source),
      (message) => this.onMessage(message),
      { noAck: false },
    );
    this.consumerTag = consumerTag;
  }

  /** Stops deliveries; the in-flight batch goes on. */
  async cancel(): Promise<void> {
    const tag = this.consumerTag;
    this.consumerTag = undefined;
    if (tag) await this.channel.cancel(tag).catch(() => undefined);
  }

  /**
   * Starts no further batch and cuts short a database-outage wait; gathered messages stay unacknowledged and
   * go back to the queue when the channel closes.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.sleeper.wake();
  }

  /**
   * Closes the channel, waiting for the broker's close-ok: acknowledgements sent before it have then been
   * processed (closing the connection straight away may overtake them and lose them).
   */
  async closeChannel(): Promise<void> {
    await this.channel.close().catch(() => undefined);
  }

  /** Resolves when no batch is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private onMessage(message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): reconnecting declares it again.
      this.consumerTag = undefined;
      if (!this.closed) this.onCancelled();
      return;
    }
    if (this.closed) return;
    const { records, letters } = parseMessageBody(
      message.content,
      message.properties.contentType,
      this.settings.source,
    );
    this.pending.push({ message, arrivedAt: Date.now(), attempts: attemptsOf(message), records, letters });
    this.schedule();
  }

  private pendingRecords(): number {
    return this.pending.reduce((sum, d) => sum + d.records.length, 0);
  }

  /** Runs a batch when none is running and the gathered one is full or has lingered long enough. */
  private schedule(): void {
    if (this.closed || this.running || this.pending.length === 0) return;
    const full = this.pending.length >= this.settings.prefetch || this.pendingRecords() >= MAX_BATCH;
    const waited = Date.now() - this.pending[0].arrivedAt;
    if (full || waited >= this.settings.lingerMs) {
      clearTimeout(this.timer);
      this.timer = undefined;
      const batch = this.take();
      this.running = this.process(batch)
        .catch((error) => this.settings.logger.error({ error: errorSummary(error) }, 'AMQP batch handling failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.settings.lingerMs - waited);
    }
  }

  /** The oldest gathered messages, at most MAX_BATCH records (but at least one message). */
  private take(): Delivery[] {
    let records = 0;
    let count = 0;
    while (count < this.pending.length) {
      const next = this.pending[count].records.length;
      if (count > 0 && records + next > MAX_BATCH) break;
      records += next;
      count++;
    }
    return this.pending.splice(0, count);
  }

  /**
   * Fresh messages go in together; if that batch fails, each is retried on its own right away, so one poison
   * message does not hold back the others. A message that failed before (`x-attempts` > 0) always runs alone.
   */
  private async process(batch: Delivery[]): Promise<void> {
    const fresh = batch.filter((d) => d.attempts === 0);
    const retried = batch.filter((d) => d.attempts > 0);
    if (fresh.length > 1) {
      const result = await this.attempt(fresh);
      if (result.ok) this.ack(fresh);
      else if ('error' in result) {
        this.settings.logger.warn(
          { source: this.settings.source, messages: fresh.length, error: errorSummary(result.error) },
          'AMQP ingest batch failed; retrying its messages one by one',
        );
        for (const delivery of fresh) if (!(await this.processAlone(delivery))) return;
      } else return;
    } else if (fresh.length === 1 && !(await this.processAlone(fresh[0]))) return;
    for (const delivery of retried) if (!(await this.processAlone(delivery))) return;
  }

  /** One message on its own; false when the worker closed and the rest of the batch is left to the broker. */
  private async processAlone(delivery: Delivery): Promise<boolean> {
    const result = await this.attempt([delivery]);
    if (result.ok) this.ack([delivery]);
    else if ('error' in result) await this.settleFailure(delivery, result.error);
    return !this.closed;
  }

  /**
   * Runs the batch. A failure while the database does not answer is the infrastructure's, not the
   * messages': it waits (backoff) and tries again, counting no attempt, so an outage parks nothing.
   */
  private async attempt(deliveries: Delivery[]): Promise<Attempt> {
    for (let step = 0; ; step++) {
      if (this.closed) return { ok: false, abandoned: true };
      try {
        await this.run(deliveries);
        return { ok: true };
      } catch (error) {
        if (this.closed) return { ok: false, abandoned: true };
        if (await this.databaseAnswers()) return { ok: false, error };
        const delayMs = this.settings.backoff(step);
        this.settings.logger.warn(
          { source: this.settings.source, messages: deliveries.length, delayMs, error: errorSummary(error) },
          'AMQP ingest: the database does not answer; waiting before trying again',
        );
        await this.sleeper.sleep(delayMs);
      }
    }
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.settings.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** One `ingestBatch` for every record of the batch, then the dead letters of unreadable bodies. */
  private async run(deliveries: Delivery[]): Promise<void> {
    const { source, logger } = this.settings;
    const ctx: ServiceContext = {
      ...systemContext(this.settings.dataSource, logger, this.settings.notifier, 'amqp', this.settings.hubSettings),
      metrics: this.settings.metrics,
    };
    const records = deliveries.flatMap((d) => d.records);
    const letters = deliveries.flatMap((d) => d.letters);
    const started = Date.now();
    const outcomes = records.length > 0 ? await this.settings.ingest(ctx, { source, records, transport: 'amqp' }) : [];
    // After the records: should this fail, the retry finds the records already applied (idempotent).
    if (letters.length > 0) await inTransaction(ctx, (tx) => recordDeadLetters(tx, letters));
    logger.debug(
      {
        source,
        batchId: ctx.requestId,
        messages: deliveries.length,
        records: records.length,
        ...summarise(outcomes),
        malformed: letters.length,
        ms: Date.now() - started,
      },
      'AMQP ingest batch committed',
    );
  }

  private ack(deliveries: Delivery[]): void {
    try {
      for (const delivery of deliveries) this.channel.ack(delivery.message);
    } catch (error) {
      // The channel closed after the commit: the broker redelivers and the replay changes nothing.
      this.settings.logger.info(
        { source: this.settings.source, messages: deliveries.length, error: errorSummary(error) },
        'AMQP ingest: committed batch could not be acknowledged; it will be redelivered as a replay',
      );
    }
  }

  /**
   * A message that failed on its own: republished to the tail of its queue with `x-attempts` + 1, or, after
   * `maxAttempts`, to the `.dead` queue with the reason; the original is acknowledged only once the broker
   * has confirmed the copy (a crash in between leaves a duplicate, which ingest treats as a replay).
   */
  private async settleFailure(delivery: Delivery, error: unknown): Promise<void> {
    const { source, topology, maxAttempts, logger } = this.settings;
    const attempts = delivery.attempts + 1;
    const dead = attempts >= maxAttempts;
    const summary = errorSummary(error);
    const { properties } = delivery.message;
    const headers: Record<string, unknown> = { ...properties.headers, [AmqpHeader.Attempts]: attempts };
    if (dead) {
      headers[AmqpHeader.DeadReason] = DEAD_REASON_MAX_ATTEMPTS;
      headers[AmqpHeader.LastError] = [summary.name, summary.sqlState ?? summary.code, summary.message]
        .filter(Boolean)
        .join(': ')
        .slice(0, 500);
      headers[AmqpHeader.DeadAt] = new Date().toISOString();
    }
    const options: Options.Publish = {
      persistent: true,
      headers,
      contentType: properties.contentType,
      contentEncoding: properties.contentEncoding,
      messageId: properties.messageId,
      correlationId: properties.correlationId,
      timestamp: properties.timestamp,
      type: properties.type,
      appId: properties.appId,
    };
    const queue = dead ? topology.deadQueue(source) : topology.queue(source);
    try {
      await new Promise<void>((resolve, reject) => {
        this.channel.sendToQueue(queue, delivery.message.content, options, (err) => (err ? reject(err) : resolve()));
      });
    } catch (publishError) {
      logger.warn(
        { source, attempts, error: errorSummary(publishError) },
        'AMQP ingest: could not requeue a failed message; the broker will redeliver it',
      );
      return;
    }
    this.ack([delivery]);
    if (dead) {
      logger.error(
        { source, attempts, messageId: properties.messageId, queue, error: summary },
        'AMQP ingest: message failed too often; moved to the dead-letter queue',
      );
    } else {
      logger.warn(
        { source, attempts, maxAttempts, messageId: properties.messageId, error: summary },
        'AMQP ingest: message failed; requeued for another attempt',
      );
    }
  }
}

/**
 * Consumes each source's queue (`<prefix>.ingest.<source>`) into the ingest pipeline, reconnecting with
 * backoff whenever the connection drops. Returns at once; the first connection is made in the background
 * (see `whenConsuming`).
 */
export function startAmqpConsumer(options: AmqpConsumerOptions): AmqpIngestConsumer {
  const logger = options.logger.child({ component: 'amqp-ingest' });
  const topology = ingestTopology(options.prefix ?? DEFAULT_AMQP_PREFIX);
  const { initial, max } = options.backoffMs ?? { initial: 500, max: 10_000 };
  const backoff = (step: number) => Math.min(max, initial * 2 ** Math.min(step, 30)) * (0.9 + Math.random() * 0.2);
  const prefetch = options.prefetch ?? 500;
  const connectionName = options.connectionName ?? `profile-hub ingest ${os.hostname()} pid ${process.pid}`;
  const sleeper = new Sleeper();
  const state: AmqpConsumerState = { consuming: false, connects: 0 };
  let stopping = false;
  let connection: ChannelModel | undefined;
  let workers: SourceWorker[] = [];
  let waiters: (() => void)[] = [];

  const settingsFor = (source: string): Settings => ({
    source,
    topology,
    prefetch,
    maxAttempts: options.maxAttempts ?? 5,
    lingerMs: options.lingerMs ?? 50,
    backoff,
    dataSource: options.dataSource,
    notifier: options.notifier,
    hubSettings: options.hubSettings,
    metrics: options.metrics,
    logger,
    ingest: options.ingest ?? ingestBatch,
  });

  /** One connection's life: declare, consume, and wait until it closes (for whatever reason). */
  async function session(): Promise<void> {
    const conn = await connect(options.url, { clientProperties: { connection_name: connectionName }, timeout: 10_000 });
    connection = conn;
    const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
    conn.on('error', (error) => logger.warn({ error: errorSummary(error) }, 'AMQP connection error'));
    conn.on('blocked', (reason) => logger.warn({ reason }, 'AMQP connection blocked by the broker'));
    conn.on('unblocked', () => logger.info('AMQP connection unblocked'));
    const reconnect = () => void conn.close().catch(() => undefined);
    const started: SourceWorker[] = [];
    try {
      const setup = await conn.createChannel();
      await assertIngestTopology(setup, topology, options.sources);
      await setup.close();
      for (const source of options.sources) {
        const channel = await conn.createConfirmChannel();
        channel.on('error', (error) => logger.warn({ source, error: errorSummary(error) }, 'AMQP channel error'));
        // A channel the broker closed (an error, a deleted queue) is rebuilt with a fresh connection.
        channel.on('close', () => {
          if (!stopping) reconnect();
        });
        const worker = new SourceWorker(channel, settingsFor(source), () => {
          logger.warn({ source }, 'AMQP consumer cancelled by the broker; reconnecting');
          reconnect();
        });
        started.push(worker);
        await worker.start();
      }
    } catch (error) {
      started.forEach((w) => w.close());
      await conn.close().catch(() => undefined);
      throw error;
    }
    workers = started;
    if (stopping) {
      await conn.close().catch(() => undefined);
    } else {
      state.consuming = true;
      state.connects++;
      logger.info({ sources: options.sources.length, prefetch, connects: state.connects }, 'AMQP ingest consuming');
      waiters.forEach((resolve) => resolve());
      waiters = [];
    }
    const reason = await closed;
    state.consuming = false;
    // Whatever was gathered but not started is redelivered; a batch still running finishes first, so a
    // new connection never races it for the same records.
    started.forEach((w) => w.close());
    await Promise.all(started.map((w) => w.idle()));
    if (!stopping) logger.warn({ error: reason ? errorSummary(reason) : undefined }, 'AMQP connection closed');
  }

  const loop = (async () => {
    for (let failures = 0; !stopping;) {
      try {
        await session();
        failures = 0; // it was up: start the backoff from the beginning
      } catch (error) {
        if (stopping) break;
        logger.warn({ error: errorSummary(error), failures: failures + 1 }, 'AMQP ingest could not connect');
      }
      if (stopping) break;
      const delayMs = backoff(failures++);
      logger.info({ delayMs }, 'AMQP ingest reconnecting');
      await sleeper.sleep(delayMs);
    }
    connection = undefined;
  })();

  let stopped: Promise<void> | undefined;
  return {
    state,
    whenConsuming: () =>
      state.consuming ? Promise.resolve() : new Promise<void>((resolve) => void waiters.push(resolve)),
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        sleeper.wake();
        const current = workers;
        await Promise.all(current.map((w) => w.cancel()));
        current.forEach((w) => w.close());
        await Promise.all(current.map((w) => w.idle()));
        await Promise.all(current.map((w) => w.closeChannel()));
        await connection?.close().catch(() => undefined);
        await loop;
        logger.info('AMQP ingest stopped');
      })()),
  };
}
