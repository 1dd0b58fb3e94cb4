import { inTransaction, type ServiceContext } from '../../common/context';
import { SqlState, sqlState } from '../../common/hub-error';
import { recordGoldenChanges, refreshGoldenProfiles } from './refresh-golden-profiles';

export interface BackfillProgress {
  total: number;
  done: number;
  changed: number;
  elapsedMs: number;
}

export interface BackfillSummary extends BackfillProgress {
  /** Open conflicts on active profiles once the backfill finished. */
  openConflicts: number;
}

const RETRYABLE = new Set<string>([SqlState.DeadlockDetected, SqlState.SerializationFailure]);

/**
 * Recomputes every active golden profile under the current survivorship rules, `batchSize` profiles per
 * transaction in id order (keyset, so memory stays flat and live ingest keeps running beside it). Only profiles
 * whose values changed are written with a new version and a `profile.updated` event (origin: none, so every
 * connected system receives it); unchanged ones write nothing. Conflicts are opened and closed as the new rules
 * say. A batch that lost a deadlock against live ingest is retried. Stops between batches when `signal` aborts.
 */
export async function backfillGoldenProfiles(
  ctx: ServiceContext,
  options: { batchSize: number; signal?: AbortSignal; onProgress?: (progress: BackfillProgress) => void },
): Promise<BackfillSummary> {
  const started = Date.now();
  const [{ total }] = await ctx.dataSource.query(
    `SELECT count(*)::int AS total FROM golden_profile WHERE status = 'active'`,
  );
  const progress: BackfillProgress = { total, done: 0, changed: 0, elapsedMs: 0 };
  let after: string | null = null;
  while (!options.signal?.aborted) {
    const ids: string[] = (
      await ctx.dataSource.query(
        `SELECT id FROM golden_profile WHERE status = 'active' AND ($1::uuid IS NULL OR id > $1::uuid)
          ORDER BY id LIMIT $2`,
        [after, options.batchSize],
      )
    ).map((row: { id: string }) => row.id);
    if (ids.length === 0) break;
    const changed = await withRetry(ctx, () =>
      inTransaction(ctx, async (tx) => {
        const changes = await refreshGoldenProfiles(tx, ids);
        await recordGoldenChanges(tx, changes, () => null);
        return changes.length;
      }),
    );
    after = ids[ids.length - 1];
    progress.done += ids.length;
    progress.changed += changed;
    progress.elapsedMs = Date.now() - started;
    options.onProgress?.({ ...progress, total: Math.max(progress.total, progress.done) });
  }
  const [{ open }] = await ctx.dataSource.query(
    `SELECT count(*)::int AS open FROM conflict c JOIN golden_profile g ON g.id = c.profile_id
      WHERE c.status = 'open' AND g.status = 'active'`,
  );
  return {
    ...progress,
    total: Math.max(progress.total, progress.done),
    elapsedMs: Date.now() - started,
    openConflicts: open,
  };
}

async function withRetry<T>(ctx: ServiceContext, work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const state = sqlState(error);
      if (!state || !RETRYABLE.has(state) || attempt >= attempts) throw error;
      ctx.logger.warn({ sqlState: state, attempt }, 'backfill batch lost a concurrency race; retrying');
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}
