import type { DataSource } from 'typeorm';
import { inTransaction, systemContext, type HubSettings } from '../common/context';
import { appendChangeEvents } from '../feed/change-events';
import type { ChangeNotifier } from '../feed/change-notifier';
import type { Logger } from '../logging/logger';
import { rescoreProfiles } from './lead-scoring';
import { activeSegments, reconcileSegment, updateMemberships } from './membership';
import { isTimeRelative } from './segment-rule';

/** Advisory lock key of the scheduler: one pass at a time across hub processes. */
const LOCK = 'profile-hub:segment-scheduler';
const BATCH = 5000;

/**
 * Time passing changes membership without any change to a profile: engagement leaves a "last N days" window,
 * a grant expires, a lead score decays. Every `intervalMs` this job re-scores the profiles that have engagement
 * (in batches, re-evaluating their segments) and recomputes every time-relative segment in full — ENTERED /
 * EXITED events as usual. One hub process at a time runs a pass (advisory lock); the others skip it.
 */
export class SegmentScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: ChangeNotifier,
    private readonly logger: Logger,
    private readonly settings: HubSettings,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(
      () => void this.runOnce().catch((error) => this.logger.error({ err: error }, 'segment scheduler pass failed')),
      this.intervalMs,
    );
    this.timer.unref();
  }

  /** One pass; returns false when another process holds the pass. */
  async runOnce(): Promise<boolean> {
    if (this.running) return false;
    const pass = this.pass();
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = undefined;
    }
  }

  private async pass(): Promise<boolean> {
    const ctx = systemContext(this.dataSource, this.logger, this.notifier, 'system:segments', this.settings);
    return inTransaction(ctx, async (tx) => {
      const [{ locked }] = await tx.manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [LOCK]);
      if (!locked) return false;
      let after: string | null = null;
      for (;;) {
        const ids: string[] = (
          await tx.manager.query(
            `SELECT DISTINCT e.profile_id FROM engagement_event e JOIN golden_profile g ON g.id = e.profile_id
              WHERE g.status = 'active' AND ($1::uuid IS NULL OR e.profile_id > $1::uuid)
              ORDER BY e.profile_id LIMIT $2`,
            [after, BATCH],
          )
        ).map((r: { profile_id: string }) => r.profile_id);
        if (ids.length === 0) break;
        await appendChangeEvents(tx, await rescoreProfiles(tx, ids));
        await updateMemberships(tx, ids);
        after = ids[ids.length - 1];
      }
      for (const segment of await activeSegments(tx)) {
        if (isTimeRelative(segment.rule)) await reconcileSegment(tx, segment, null);
      }
      return true;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
