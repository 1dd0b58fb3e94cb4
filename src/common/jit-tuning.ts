import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags for a process that runs bulk ingest (`profile-hub import`, and `npm run bench:ingest`, which measures
 * it): TurboFan inlines at most 300 bytes of bytecode into one optimised function instead of 920.
 *
 * Why: the ingest pipeline runs a few large functions once per batch (deciding identities, writing a slice,
 * survivorship), and V8 deoptimises and recompiles them as new object shapes turn up in the data — `decide` alone
 * was compiled 20 times in a 100,000-record import, 60–250 ms of compiler work each, ~10 s of compiling in all.
 * Those compilations run on V8's helper threads, on the same two cores PostgreSQL needs. With the smaller budget
 * each compilation is cheaper: in runs taken in turns (bench/README, "29 Nov 2026, third session") the helper
 * threads used ~1.2 s less CPU per 100,000 records and ~0.5 s less per 20,000, the main thread's CPU stayed within
 * the runs' spread, and the import was ~3% faster.
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
