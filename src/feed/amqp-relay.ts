import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { DataSource, QueryRunner } from 'typeorm';
import { lockKey } from '../db/advisory-locks';
import type { Logger } from '../logging/logger';
import { webhookBody } from '../sync/webhook-fan-out';
import { feedWakeups } from './feed-wakeups';
import { readChangeEvents, type FeedEvent } from './read-change-events';

/** The topic exchange the relay publishes the change feed to (durable). */
export const FEED_EXCHANGE = 'profile-hub.changes';
/** `feed_checkpoint.consumer` of the relay. */
export const RELAY_CHECKPOINT = 'amqp-relay';

export interface AmqpFeedRelayOptions {
  /** `AMQP_URL`. */
  url: string;
  dataSource: DataSource;
  logger: Logger;
  /** Exchange name; default {@link FEED_EXCHANGE}. */
  exchange?: string;
  /** Checkpoint row (and advisory-lock name); default {@link RELAY_CHECKPOINT}. One active relay per name. */
  consumer?: string;
  /** Events per publish-and-confirm round; default 500. */
  batchSize?: number;
  /** How often a standby relay tries to become the active one; default 2000 ms. */
  standbyRetryMs?: number;
  /** How often the active relay looks for events without a wake-up; default 1000 ms. */
  pollMs?: number;
  /** Reconnect backoff after a broker or database failure: doubling from `initial` to `max`; 500 ms to 10 s. */
  backoffMs?: { initial: number; max: number };
}

/**
 * Routing key of an event: its type (`profile.updated`, `consent.changed` …), and for segment events the type
 * and the segment key (`segment.entered.<segmentKey>`), so a queue can bind to `segment.*.vip`, `segment.#` or
 * `profile.*`.
 */
export function feedRoutingKey(event: Pick<FeedEvent, 'type' | 'segmentKey'>): string {
  return event.type.startsWith('segment.') && event.segmentKey ? `${event.type}.${event.segmentKey}` : event.type;
}

/** The message body: the webhook body (global profile id, payload …) plus the feed cursor of the event. */
export function feedMessageBody(event: FeedEvent): Buffer {
  return Buffer.from(JSON.stringify({ ...webhookBody(event), cursor: event.cursor }));
}

export type RelayState = 'starting' | 'standby' | 'active' | 'retrying' | 'stopped';

/**
 * Publishes the outbox to a RabbitMQ topic exchange, in feed order, at least once:
 *
 * - **One active relay** across all hub processes on the database: the one holding a session advisory lock
 *   (on the pool connection it also reads and checkpoints through); the others stand by and try again every
 *   `standbyRetryMs`, so one takes over within seconds when the active process stops or dies.
 * - **No loss**: each page of events is published as persistent messages on a confirm channel, and the
 *   position (`feed_checkpoint`, consumer `amqp-relay`) moves past the page only after the broker confirmed
 *   all of it. A crash before the checkpoint means the page is published again on restart — duplicates carry
 *   the same `messageId` (the event id), so consumers deduplicate by it.
 * - **No reordering**: one channel, one page at a time, read in feed order (per profile: commit order).
 * - Messages: routing key {@link feedRoutingKey}, `messageId` = event id, `type` = event type, JSON body
 *   (`id`, `type`, `occurredAt`, `profileId`, `segmentKey`, `originSource`, `payload`, `cursor`),
 *   headers `x-feed-cursor`. The first start publishes the whole outbox from its beginning.
 *
 * Messages to an exchange with no queue bound are dropped by RabbitMQ: bind a durable queue before relying on it.
 */
export class AmqpFeedRelay {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  private connection: ChannelModel | undefined;
  /** Events published and confirmed by this relay (tests, metrics). */
  published = 0;
  state: RelayState = 'starting';

  constructor(private readonly options: AmqpFeedRelayOptions) {}

  private get exchange(): string {
    return this.options.exchange ?? FEED_EXCHANGE;
  }

  private get consumer(): string {
    return this.options.consumer ?? RELAY_CHECKPOINT;
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Stops after the page in flight (confirmed or not: an unconfirmed page is published again next time). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.connection?.close().catch(() => undefined);
    await this.loop;
    this.state = 'stopped';
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
    });
  }

  private async run(): Promise<void> {
    const { initial, max } = this.options.backoffMs ?? { initial: 500, max: 10_000 };
    let failures = 0;
    while (!this.stopped) {
      this.wakeRequested = false;
      let runner: QueryRunner | undefined;
      let locked = false;
      try {
        runner = this.options.dataSource.createQueryRunner();
        await runner.connect();
        const [row]: { locked: boolean }[] = await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [
          String(lockKey(`feed-relay:${this.consumer}`)),
        ]);
        locked = row.locked;
        if (!locked) {
          this.state = 'standby';
          await runner.release();
          runner = undefined;
          await this.sleep(this.options.standbyRetryMs ?? 2000);
          continue;
        }
        await this.relay(runner, () => (failures = 0));
      } catch (error) {
        if (this.stopped) break;
        this.state = 'retrying';
        const delayMs = Math.min(max, initial * 2 ** Math.min(failures++, 20));
        this.options.logger.warn({ err: error, delayMs }, 'feed relay failed; trying again');
        await this.sleep(delayMs);
      } finally {
        if (runner) {
          if (locked) {
            await runner
              .query(`SELECT pg_advisory_unlock($1::bigint)`, [String(lockKey(`feed-relay:${this.consumer}`))])
              .catch(() => undefined);
          }
          await runner.release().catch(() => undefined);
        }
      }
    }
  }

  /** The active relay: publish pages from the checkpoint until stopped or something fails. */
  private async relay(runner: QueryRunner, connected: () => void): Promise<void> {
    const connection = await connect(this.options.url, {
      clientProperties: { connection_name: 'profile-hub feed relay' },
      timeout: 10_000,
    });
    this.connection = connection;
    const closed = new Promise<Error>((resolve) => {
      connection.on('error', (error: Error) => resolve(error));
      connection.on('close', () => resolve(new Error('the broker connection closed')));
    });
    const unsubscribe = feedWakeups(this.options.dataSource).subscribe(() => this.wake());
    try {
      const channel: ConfirmChannel = await connection.createConfirmChannel();
      channel.on('error', () => undefined); // surfaces through the pending operation and the connection
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      const [checkpoint]: { cursor: string }[] = await runner.query(
        `SELECT cursor FROM feed_checkpoint WHERE consumer = $1`,
        [this.consumer],
      );
      let cursor = checkpoint?.cursor ?? null;
      this.state = 'active';
      connected();
      this.options.logger.info({ exchange: this.exchange }, 'feed relay is active');
      while (!this.stopped) {
        this.wakeRequested = false;
        const page = await readChangeEvents(runner.manager, {
          after: cursor,
          limit: this.options.batchSize ?? 500,
        });
        if (page.events.length > 0) {
          for (const event of page.events) {
            const fits = channel.publish(this.exchange, feedRoutingKey(event), feedMessageBody(event), {
              persistent: true,
              messageId: event.id,
              type: event.type,
              contentType: 'application/json',
              timestamp: Math.floor(event.occurredAt.getTime() / 1000),
              headers: { 'x-feed-cursor': event.cursor },
            });
            if (!fits) await Promise.race([new Promise((resolve) => channel.once('drain', resolve)), closed]);
          }
          await Promise.race([channel.waitForConfirms(), closed.then((error) => Promise.reject(error))]);
          // Only now is the page the broker's: move the position past it (on the lock's own connection, so a
          // relay that lost its lock cannot move it).
          await runner.query(
            `INSERT INTO feed_checkpoint (consumer, cursor, updated_at) VALUES ($1, $2, now())
             ON CONFLICT (consumer) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
            [this.consumer, page.events[page.events.length - 1].cursor],
          );
          this.published += page.events.length;
        }
        cursor = page.cursor;
        if (page.hasMore) continue;
        const lost = await Promise.race([closed, this.sleep(this.options.pollMs ?? 1000).then(() => undefined)]);
        if (lost && !this.stopped) throw lost;
      }
    } finally {
      unsubscribe();
      this.connection = undefined;
      await connection.close().catch(() => undefined);
    }
  }
}

/** Starts the relay in the background (standby until it holds the lock; reconnecting on failures). */
export function startAmqpFeedRelay(options: AmqpFeedRelayOptions): AmqpFeedRelay {
  return new AmqpFeedRelay(options).start();
}
