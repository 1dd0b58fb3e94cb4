import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { WebhookDispatchConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import type { HubMetrics } from '../metrics/hub-metrics';
import { retryDelayMs } from './retry-backoff';
import { returnedRows } from '../db/returned-rows';
import { fanOutChangeEvents } from './webhook-fan-out';
import { sendWebhook, type SendResult } from './webhook-sender';

/** A delivery this process has leased and is sending. */
interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  attempts: number;
  eventId: string;
  eventType: string;
  body: string;
  url: string;
  secret: string;
}

export interface WebhookDispatcherOptions {
  dataSource: DataSource;
  logger: Logger;
  config: WebhookDispatchConfig;
  /** Most requests in flight at once in this process (default 16). */
  concurrency?: number;
  /** Counts attempts by outcome (`profile_hub_webhook_delivery_attempts_total`). */
  metrics?: HubMetrics;
}

/** Channels that wake the dispatcher: new change events, and deliveries put back in line. */
const CHANNELS = ['change_event', 'webhook_delivery'];

/** Deliveries that may go now: open, due, of an active subscription, and first in line for their profile. */
/** Open conflicts' fields (`email`, `address` …) per profile, in one query. */
async function disputedFields(ds: DataSource, profileIds: string[]): Promise<Map<string, Set<string>>> {
  const disputed = new Map<string, Set<string>>();
  if (profileIds.length === 0) return disputed;
  const rows: { profile_id: string; field: string }[] = await ds.query(
    `SELECT profile_id, field FROM conflict WHERE status = 'open' AND profile_id = ANY($1::uuid[])`,
    [[...new Set(profileIds)]],
  );
  for (const row of rows) {
    (disputed.get(row.profile_id) ?? disputed.set(row.profile_id, new Set()).get(row.profile_id)!).add(row.field);
  }
  return disputed;
}

/**
 * A golden change as a source system receives it: the fields in open conflict at send time are withheld (listed
 * in `payload.withheld`), so sync never writes a provisional value over what a user just typed in one system —
 * the steward's resolution reaches both systems afterwards. Checked at every attempt, so a change delayed by a
 * retry is withheld too if a conflict opened meanwhile; the event id never changes.
 */
export function withholdDisputed(
  body: Record<string, unknown>,
  disputed: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  const payload = body.payload as Record<string, unknown> | undefined;
  if (!disputed || disputed.size === 0 || !payload || !Array.isArray(payload.changedFields)) return body;
  const changed = payload.changedFields as string[];
  const slot = (field: string) => (field.startsWith('address.') ? 'address' : field);
  const withheld = changed.filter((f) => disputed.has(slot(f)));
  if (withheld.length === 0) return body;
  const values = (payload.values ?? {}) as Record<string, unknown>;
  const kept = changed.filter((f) => !disputed.has(slot(f)));
  return {
    ...body,
    payload: {
      ...payload,
      changedFields: kept,
      values: Object.fromEntries(kept.map((f) => [f, values[f] ?? null])),
      withheld,
    },
  };
}

const HEAD_OF_LINE = `
  d.status IN ('pending', 'failed')
  AND EXISTS (SELECT 1 FROM webhook_subscription s WHERE s.id = d.subscription_id AND s.status = 'active')
  AND NOT EXISTS (SELECT 1 FROM webhook_delivery e
                   WHERE e.subscription_id = d.subscription_id AND e.profile_id = d.profile_id
                     AND e.status IN ('pending', 'failed') AND e.id < d.id)`;

/**
 * Sends outbound webhooks from the change-event outbox; one runs in every hub process, and they share the work
 * through the database.
 *
 * - **Fan-out**: each active subscription's cursor moves along the feed (`readChangeEvents`), creating one
 *   `webhook_delivery` per matching event, in the same transaction as the cursor move.
 * - **Send**: a due delivery is leased with `FOR UPDATE SKIP LOCKED` by setting `next_attempt_at` to the end of
 *   the lease (the timeout plus a margin) and counting the attempt, then sent after that commit. A process that
 *   dies mid-request leaves the lease to run out, and another process sends again: at least once, duplicates
 *   with the same event id. Only the first open delivery of a subscription and profile is ever due, so one
 *   profile's changes arrive in order while other profiles pass a receiver's failures on one of them.
 * - **Retry**: not 2xx → `failed`, due again after exponential backoff with full jitter; after `maxAttempts`
 *   → `dead` (and the next delivery of that profile goes).
 * - **Wake-ups**: `LISTEN change_event` / `webhook_delivery`, the next due time, and `pollIntervalMs` at most.
 */
export class WebhookDispatcher {
  private readonly concurrency: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();
  private stopped = false;
  private started = false;
  private wakeRequested = false;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private listener: Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.concurrency = options.concurrency ?? 16;
  }

  private get log(): Logger {
    return this.options.logger;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.listen();
    this.loopDone = this.loop();
  }

  /** Look for work now (cheap; many calls collapse into one pass). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /**
   * Stops taking work, gives requests in flight a short grace, then interrupts them; an interrupted attempt is
   * put back without counting, so the next process sends it again (the receiver may see it twice).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    clearTimeout(this.reconnectTimer);
    const grace = Math.min(this.options.config.timeoutMs, 2000);
    const timer = setTimeout(() => this.shutdown.abort(), grace);
    await this.loopDone;
    await Promise.allSettled(this.inFlight.values());
    clearTimeout(timer);
    await this.listener?.end().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.wakeRequested = false;
      let busy = false;
      try {
        busy = (await fanOutChangeEvents(this.options.dataSource)) > 0;
        if (this.stopped) break;
        busy = (await this.claimAndSend()) > 0 || busy;
      } catch (error) {
        if (this.stopped) break;
        this.log.error({ err: error }, 'webhook dispatcher pass failed; retrying');
      }
      if (this.stopped) break;
      if (busy || this.wakeRequested) continue;
      await this.idle(await this.msUntilDue().catch(() => this.options.config.pollIntervalMs));
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      if (this.wakeRequested || this.stopped) done();
    });
  }

  /** How long until a delivery may be due (never longer than the poll interval). */
  private async msUntilDue(): Promise<number> {
    const { pollIntervalMs } = this.options.config;
    if (this.inFlight.size >= this.concurrency) return pollIntervalMs;
    const [row]: { ms: number | null }[] = await this.options.dataSource.query(
      `SELECT (extract(epoch FROM min(d.next_attempt_at) - clock_timestamp()) * 1000)::float8 AS ms
         FROM webhook_delivery d WHERE ${HEAD_OF_LINE}`,
    );
    if (row?.ms === null || row?.ms === undefined) return pollIntervalMs;
    // A due delivery that could not be claimed is leased or locked elsewhere: look again shortly, not in a spin.
    return Math.min(pollIntervalMs, Math.max(100, Math.ceil(row.ms)));
  }

  /** Leases due deliveries up to the free concurrency and starts sending them; returns how many. */
  private async claimAndSend(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const { timeoutMs } = this.options.config;
    const rows = returnedRows(
      await this.options.dataSource.query(
        `WITH due AS (
         SELECT d.id FROM webhook_delivery d
          WHERE ${HEAD_OF_LINE} AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at, d.id
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_delivery d
          SET attempts = d.attempts + 1, last_attempt_at = now(),
              next_attempt_at = now() + $2::int * interval '1 millisecond'
         FROM due, webhook_subscription s
        WHERE d.id = due.id AND s.id = d.subscription_id
       RETURNING d.id::text AS id, d.subscription_id, d.attempts, d.change_event_id, d.request_body, s.url, s.secret,
                 s.target_source, d.profile_id`,
        [free, timeoutMs + 10_000],
      ),
    );
    const disputed = await disputedFields(
      this.options.dataSource,
      rows.filter((row) => row.target_source && row.profile_id).map((row) => row.profile_id as string),
    );
    for (const row of rows) {
      const stored = row.request_body as Record<string, unknown>;
      const body = row.target_source ? withholdDisputed(stored, disputed.get(row.profile_id as string)) : stored;
      const delivery: ClaimedDelivery = {
        id: row.id as string,
        subscriptionId: row.subscription_id as string,
        attempts: row.attempts as number,
        eventId: row.change_event_id as string,
        eventType: String(body.type ?? ''),
        body: JSON.stringify(body),
        url: row.url as string,
        secret: row.secret as string,
      };
      const sending = this.send(delivery).finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
      this.inFlight.set(delivery.id, sending);
    }
    return rows.length;
  }

  private async send(delivery: ClaimedDelivery): Promise<void> {
    const result = await sendWebhook(
      {
        url: delivery.url,
        secret: delivery.secret,
        body: delivery.body,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        attempt: delivery.attempts,
      },
      { timeoutMs: this.options.config.timeoutMs, signal: this.shutdown.signal },
    );
    try {
      await this.record(delivery, result);
    } catch (error) {
      // The lease runs out and the delivery is sent again: a duplicate, never a loss.
      this.log.error({ err: error, deliveryId: delivery.id }, 'could not record a webhook attempt');
    }
  }

  /** Writes an attempt's outcome, unless the lease was lost meanwhile (another process took the delivery over). */
  private async record(delivery: ClaimedDelivery, result: SendResult): Promise<void> {
    const ds = this.options.dataSource;
    const lease = [delivery.id, delivery.attempts];
    const held = `id = $1 AND attempts = $2 AND status IN ('pending', 'failed')`;
    if (result.ok) {
      await ds.query(
        `UPDATE webhook_delivery
            SET status = 'delivered', delivered_at = now(), next_attempt_at = now(), last_status_code = $3,
                last_error = NULL
          WHERE ${held}`,
        [...lease, result.statusCode],
      );
      this.options.metrics?.recordWebhookAttempt('delivered');
      await ds.query(
        `UPDATE webhook_subscription SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0`,
        [delivery.subscriptionId],
      );
      return;
    }
    if (this.shutdown.signal.aborted && result.statusCode === null) {
      await ds.query(
        `UPDATE webhook_delivery
            SET attempts = attempts - 1, next_attempt_at = now(), last_error = 'interrupted by hub shutdown'
          WHERE ${held}`,
        lease,
      );
      return;
    }
    const { maxAttempts, retryBaseMs, retryMaxMs } = this.options.config;
    const dead = delivery.attempts >= maxAttempts;
    const delay = dead ? 0 : retryDelayMs(delivery.attempts, { baseMs: retryBaseMs, maxMs: retryMaxMs });
    await ds.query(
      `UPDATE webhook_delivery
          SET status = $3, next_attempt_at = now() + $4::int * interval '1 millisecond',
              last_status_code = $5, last_error = $6
        WHERE ${held}`,
      [...lease, dead ? 'dead' : 'failed', delay, result.statusCode, result.error],
    );
    this.options.metrics?.recordWebhookAttempt(dead ? 'dead' : 'failed');
    await ds.query(`UPDATE webhook_subscription SET consecutive_failures = consecutive_failures + 1 WHERE id = $1`, [
      delivery.subscriptionId,
    ]);
    if (dead) {
      this.log.warn(
        { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, attempts: delivery.attempts },
        'webhook delivery is dead after its last attempt',
      );
    }
  }

  /** Keeps a LISTEN connection for wake-ups; without one the poll interval still finds the work. */
  private async listen(): Promise<void> {
    const url = (this.options.dataSource.options as { url?: string }).url;
    if (!url || this.stopped) return;
    const client = new Client({ connectionString: url, application_name: 'profile-hub-webhooks' });
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.stopped) this.reconnectTimer = setTimeout(() => void this.listen(), 1000);
    };
    this.listener = client;
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      if (!this.stopped) this.log.warn({ err: error }, 'webhook dispatcher lost its LISTEN connection; reconnecting');
      retry();
    });
    client.on('end', retry);
    try {
      await client.connect();
      for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
      if (this.stopped) await client.end();
      else this.wake(); // whatever was notified while (re)connecting
    } catch (error) {
      if (!this.stopped) this.log.warn({ err: error }, 'webhook dispatcher could not LISTEN; polling meanwhile');
      retry();
    }
  }
}
