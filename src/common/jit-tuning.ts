import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags for a process that runs bulk ingest (`profile-hub import`, and `npm run bench:ingest`, which measures
 * it): TurboFan inlines at most 300 bytes of bytecode into one optimised function instead of 920.
 *
 * Why: V8's compilations run on its helper threads, on the same two cores PostgreSQL needs, and the ingest pipeline
 * kept recompiling a few large once-per-batch functions as new object shapes turned up in the data. With the
 * smaller budget each compilation is cheaper: in runs taken in turns (bench/README, "29 Nov 2026, third session")
 * the helper threads used ~1.2 s less CPU per 100,000 records and ~0.5 s less per 20,000, and the import was ~3%
 * faster. Since those functions were split so that a deoptimisation recompiles one small step ("fourth session",
 * compiler time at 100,000 records 7.9 → 4.2 s), V8's default budget measures the same; the flag is kept.
 *
 * Only bulk ingest sets them; `serve` keeps V8's defaults (its query paths were not measured with them).
 * `PROFILE_HUB_JIT_TUNING=off` leaves V8's defaults, to measure the difference.
 */
export const BULK_INGEST_V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=300'];

/** Whether `tuneJitForBulkIngest` sets the flags in this environment. */
export const jitTuningEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.PROFILE_HUB_JIT_TUNING?.toLowerCase() !== 'off';

/**
 * Sets `BULK_INGEST_V8_FLAGS` for this process unless `PROFILE_HUB_JIT_TUNING=off`; returns the flags it set. Call it
 * before the work starts: V8 reads the budget whenever it compiles, so it applies to every later optimisation.
 */
export function tuneJitForBulkIngest(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (!jitTuningEnabled(env)) return [];
  for (const flag of BULK_INGEST_V8_FLAGS) setFlagsFromString(flag);
  return BULK_INGEST_V8_FLAGS;
}
