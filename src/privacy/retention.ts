import type { DataSource, EntityManager } from 'typeorm';
import type { RetentionConfig } from '../config/config';
import { lockKey } from '../db/advisory-locks';
import type { Logger } from '../logging/logger';
import { returnedRows } from '../db/returned-rows';

/** What replaces the payload of a change event (and its webhook deliveries' bodies) past retention. */
export const RETAINED_PAYLOAD = { redacted: 'retention' };

export interface RetentionResult {
  engagementEventsDeleted: number;
  changeEventsRedacted: number;
  deadLettersDeleted: number;
  /** False when another hub process was applying retention at the same moment (this one then did nothing). */
  ran: boolean;
}

/** One retention run at a time across every hub process on the database. */
const RETENTION_LOCK = String(lockKey('privacy:retention'));

type Step = (manager: EntityManager, cutoff: Date, limit: number) => Promise<number>;

const deleteEngagementEvents: Step = async (manager, cutoff, limit) => {
  const rows = returnedRows(
    await manager.query(
      `DELETE FROM engagement_event WHERE id IN (
       SELECT id FROM engagement_event WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
      [cutoff, limit],
    ),
  );
  return rows.length;
};

// The row and its cursor stay, so a feed reader never skips a position; `profile.erased` keeps its (non-personal)
// payload, since it is what tells a late recipient to erase.
const redactChangeEvents: Step = async (manager, cutoff, limit) => {
  const rows = returnedRows<{ id: string }>(
    await manager.query(
      `UPDATE change_event SET payload = $3::jsonb, redacted_at = now() WHERE position IN (
       SELECT position FROM change_event
        WHERE redacted_at IS NULL AND occurred_at < $1 AND type <> 'profile.erased'
        ORDER BY occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
      [cutoff, limit, JSON.stringify(RETAINED_PAYLOAD)],
    ),
  );
  if (rows.length > 0) {
    await manager.query(
      `UPDATE webhook_delivery SET request_body = jsonb_set(request_body, '{payload}', $2::jsonb)
        WHERE change_event_id = ANY($1::uuid[])`,
      [rows.map((r) => r.id), JSON.stringify(RETAINED_PAYLOAD)],
    );
  }
  return rows.length;
};

const deleteDeadLetters: Step = async (manager, cutoff, limit) => {
  const rows = returnedRows(
    await manager.query(
      `DELETE FROM dead_letter WHERE id IN (
       SELECT id FROM dead_letter WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
      [cutoff, limit],
    ),
  );
  return rows.length;
};

/**
 * Applies the retention periods once, in batches of `batchSize` rows, one transaction per batch: deletes
 * engagement events and dead letters past their period, and replaces the payload of change events past theirs
 * (rows and cursors stay). A period of 0 keeps that data. Each batch first takes a transaction advisory lock;
 * when another hub process holds it, this run stops at once (that process is doing the work).
 */
export async function applyRetention(
  dataSource: DataSource,
  config: RetentionConfig,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<RetentionResult> {
  const result: RetentionResult = {
    engagementEventsDeleted: 0,
    changeEventsRedacted: 0,
    deadLettersDeleted: 0,
    ran: true,
  };
  const plan: [keyof Omit<RetentionResult, 'ran'>, number, Step][] = [
    ['engagementEventsDeleted', config.engagementEventDays, deleteEngagementEvents],
    ['changeEventsRedacted', config.changeEventPayloadDays, redactChangeEvents],
    ['deadLettersDeleted', config.deadLetterDays, deleteDeadLetters],
  ];
  for (const [counter, days, step] of plan) {
    if (days <= 0) continue;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    while (!signal?.aborted) {
      const done = await dataSource.transaction(async (manager) => {
        const [{ locked }]: { locked: boolean }[] = await manager.query(
          `SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`,
          [RETENTION_LOCK],
        );
        return locked ? step(manager, cutoff, config.batchSize) : null;
      });
      if (done === null) return { ...result, ran: false };
      result[counter] += done;
      if (done < config.batchSize) break;
    }
  }
  return result;
}

/**
 * Runs {@link applyRetention} every `intervalMs` in the hub process (the first run shortly after start). Hub
 * processes sharing a database do not fight: a run finding another one under way skips its turn.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: { dataSource: DataSource; config: RetentionConfig; logger: Logger; firstRunMs?: number },
  ) {}

  /** True when some retention period is set; otherwise the job never starts. */
  get enabled(): boolean {
    const { engagementEventDays, changeEventPayloadDays, deadLetterDays } = this.options.config;
    return engagementEventDays > 0 || changeEventPayloadDays > 0 || deadLetterDays > 0;
  }

  start(): void {
    if (!this.enabled || this.timer || this.stopped) return;
    this.schedule(this.options.firstRunMs ?? 10_000);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.options.config.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      const result = await applyRetention(this.options.dataSource, this.options.config, new Date(), this.abort.signal);
      if (result.ran) this.options.logger.info(result, 'retention applied');
    } catch (error) {
      this.options.logger.error({ err: error }, 'retention run failed; retrying at the next interval');
    }
  }

  /** Stops scheduling and waits for a run in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
