import { DEFAULT_MATCHING, validateMatchingConfig, type MatchingConfig } from '../matching/scoring';

/**
 * How identity resolution behaves; the `identity` section of the rules file overrides any part.
 * @example { "identity": { "guardrails": { "maxRecordsPerSource": { "salesforce": 1 } }, "matching": { "thresholds": { "autoMerge": 26, "review": 20 } } } }
 */
export interface IdentitySettings {
  matching: MatchingConfig;
  guardrails: {
    /**
     * Most contact records of one source a profile may hold (default `salesforce` and `dynamics`: 1 — two CRM
     * contacts are two people until a steward says otherwise). A merge beyond it becomes a merge candidate.
     */
    maxRecordsPerSource: Record<string, number>;
    /** An identifier value held by more profiles than this never matches (shared inboxes, placeholder phones). */
    sharedValueLimit: number;
    /** Circuit breaker: a merge that would give one profile more source records than this waits for a steward. */
    maxClusterSize: number;
    /** A blocking key shared by more profiles than this is too broad to find candidates with. */
    maxBlockSize: number;
    /** Extra junk values that never match (exact, normalised), on top of the built-in list. */
    blockedValues: string[];
  };
}

export const DEFAULT_IDENTITY: IdentitySettings = {
  matching: DEFAULT_MATCHING,
  guardrails: {
    maxRecordsPerSource: { salesforce: 1, dynamics: 1 },
    sharedValueLimit: 5,
    maxClusterSize: 100,
    maxBlockSize: 100,
    blockedValues: [],
  },
};

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${path} must be a whole number ≥ 1`);
  }
  return value;
}

/** Validates the rules file's `identity` section over the defaults; errors name the offending path. */
export function identitySettingsFrom(raw: unknown): IdentitySettings {
  if (raw === undefined) return DEFAULT_IDENTITY;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('identity must be an object');
  const section = raw as { matching?: unknown; guardrails?: Record<string, unknown> };
  const guardrails = { ...DEFAULT_IDENTITY.guardrails };
  const given = section.guardrails ?? {};
  if (typeof given !== 'object' || given === null) throw new Error('identity.guardrails must be an object');
  for (const [key, value] of Object.entries(given)) {
    const path = `identity.guardrails.${key}`;
    if (key === 'maxRecordsPerSource') {
      if (typeof value !== 'object' || value === null) throw new Error(`${path} must be an object of source → count`);
      guardrails.maxRecordsPerSource = Object.fromEntries(
        Object.entries(value).map(([source, n]) => [source, positiveInteger(n, `${path}.${source}`)]),
      );
    } else if (key === 'sharedValueLimit' || key === 'maxClusterSize' || key === 'maxBlockSize') {
      guardrails[key] = positiveInteger(value, path);
    } else if (key === 'blockedValues') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw new Error(`${path} must be a list of strings`);
      guardrails.blockedValues = value as string[];
    } else {
      throw new Error(`${path} is not a known guardrail`);
    }
  }
  const matching =
    section.matching === undefined
      ? DEFAULT_MATCHING
      : validateMatchingConfig(mergeDeep(DEFAULT_MATCHING, section.matching) as unknown);
  return { matching, guardrails };
}

function mergeDeep(base: unknown, override: unknown): unknown {
  if (typeof base !== 'object' || base === null || typeof override !== 'object' || override === null) return override;
  if (Array.isArray(base) || Array.isArray(override)) return override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) out[key] = mergeDeep(out[key], value);
  return out;
}
