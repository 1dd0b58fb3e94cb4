/** One field's contribution to a match score. */
export interface Comparison {
  field: 'name' | 'birthDate' | 'email' | 'phone' | 'address' | 'postalCode' | 'city';
  /** The agreement level observed, a key of `MatchingConfig.levels[field]`, or `missing`. */
  level: string;
  /** log2(m/u) of the level; 0 when a side lacks the value. */
  weight: number;
  /** Why, for a steward: the similarity, a term-frequency adjustment, a household reading … */
  detail?: string;
}

/** Total weight of a pair (log2 scale, the sum of the comparisons' weights) and its evidence. */
export interface MatchScore {
  total: number;
  comparisons: Comparison[];
}

/**
 * Share of profiles with that name, 0..1, or undefined when unknown; `folded` is `foldName(value)`.
 * @example (field, folded) => (field === 'lastName' && folded === 'smith' ? 0.01 : undefined)
 */
export interface TermFrequency {
  (field: 'firstName' | 'lastName', folded: string): number | undefined;
}

/** m = P(level | same person), u = P(level | different people); the level's weight is log2(m / u). */
export interface LevelProbabilities {
  m: number;
  u: number;
}

/**
 * Fellegi-Sunter matching: each field's comparison lands on exactly one agreement level, weighted log2(m/u);
 * a pair's total is the sum. Rules-file section `identity.matching`; any part may be overridden.
 * @example { "thresholds": { "autoMerge": 24, "review": 19 }, "termFrequency": { "enabled": false } }
 */
export interface MatchingConfig {
  /** Total weight at or above `autoMerge` merges; at or above `review` makes a merge candidate. Default 24 / 19. */
  thresholds: { autoMerge: number; review: number };
  /**
   * Per field, per agreement level. Levels of a field are exclusive outcomes, so their m values (and their u
   * values) sum to at most 1 — the disagreement level's m is 1 minus the others', which is what makes its
   * weight the classic log2((1-m)/(1-u)). `household` is not one of those outcomes: it replaces an agreement
   * level's probabilities when the names or birth dates already say "two people of one household".
   */
  levels: Record<Comparison['field'], Record<string, LevelProbabilities>>;
  /**
   * Name agreement weighs less for common names: u becomes max(u, share of profiles with that name), the
   * name's share being first-name share × surname share. `minShare` is an ordinary surname's share (the
   * default u values assume it); a first name's ordinary share is u(name.exact) / minShare. Unknown or rarer
   * names count as ordinary. Default enabled, 0.001 (with u(exact) = 1e-5: surnames 0.1%, first names 1%).
   */
  termFrequency: { enabled: boolean; minShare: number };
}

/** The agreement levels of each field, in the order a comparison tests them. */
export const MATCH_LEVELS = {
  name: ['exact', 'swapped', 'nickname', 'similar', 'typo', 'phonetic', 'initial', 'disagree'],
  birthDate: ['exact', 'transposed', 'typo', 'year', 'disagree'],
  email: ['exact', 'localPart', 'nameLocalPart', 'similar', 'disagree', 'household'],
  phone: ['exact', 'last7', 'disagree', 'household'],
  address: ['exact', 'similar', 'disagree', 'household'],
  postalCode: ['exact', 'prefix', 'disagree', 'household'],
  city: ['exact', 'similar', 'disagree', 'household'],
} as const satisfies Record<Comparison['field'], readonly string[]>;

export const MATCH_FIELDS = Object.keys(MATCH_LEVELS) as Comparison['field'][];

/**
 * Defaults for a customer base of up to a few million people in one or a few countries. m counts typos,
 * nicknames, moves and data-entry drift between systems; u is the rate among random pairs of different
 * people, except `household`, which is the rate among different people of one household. Weights in bits
 * are given as ≈.
 */
export const DEFAULT_MATCHING: MatchingConfig = deepFreeze({
  thresholds: {
    // Same name and email ≈ 32, same name, birth date and address with a new email ≈ 46: far above.
    // Twins sharing birth date, surname, address and email ≈ 18–21 and father and son ≈ −1: below. A common
    // name in one city (John Smith ≈ 16–17, Anna Nowak ≈ 18 when only the surname's share is known) stays
    // below review; a rare name in one city (≈ 20.3) or a woman under her new surname (≈ 21) is reviewed. The
    // same birth date at another address (a move) with a nickname ≈ 26 merges, with a slip in one name ≈ 21.4
    // is reviewed. Lowering autoMerge to 21 would merge it but never the twins and the new surname above, whose
    // names disagree (`autoMergeable`); it would merge a common name with one birth date at another address
    // (John Smith ≈ 22.7) and namesakes with one-digit-off birth dates and name-spelled mailboxes (≈ 21).
    autoMerge: 24,
    review: 19,
  },
  levels: {
    name: {
      // m values: the share of one person's record pairs at each level, given how often keyed names carry a slip
      // (a typo, a misread or mistyped letter: ~5% per name, so ~20% of pairs have one somewhere), a nickname
      // (~7%) or names swapped (~2%); the generated benchmark data (bench/identity) measures 0.63 / 0.03 / 0.08 /
      // 0.15 / 0.09 for exact / swapped / nickname / similar / typo.
      // First and last name equal after folding (a token prefix counts: "Anna" / "Anna Maria"). u: ~1% of random
      // pairs share a first name and ~0.1% a surname, so ~1e-5 share both. ≈ 16.1
      exact: { m: 0.72, u: 1e-5 },
      // First and last name exchanged (forms that ask "name, surname" in the other order). ≈ 14.3
      swapped: { m: 0.02, u: 1e-6 },
      // Same surname, nickname-equivalent first names (Bob/Robert, Kasia/Katarzyna). Two different people land
      // here only if they share the surname (1e-3) and the given name (1e-2) and one of them writes it as a
      // nickname (~10%, as often as for one person's two records): u ≈ 1e-6, taken at 2e-6 for diminutives of
      // several names (Alex, Chris, Sam). So a nickname weighs nearly as much as an equal name — it is the same
      // name written another way, not a weaker resemblance. ≈ 15.1
      nickname: { m: 0.07, u: 2e-6 },
      // Jaro-Winkler ≥ 0.94 on both first and last name, or both names with slips (Kowalsky, Katarzina). ≈ 10.5
      similar: { m: 0.07, u: 5e-5 },
      // One name equal, the other with a slip (Jaro-Winkler ≥ 0.85: William/Wijliam, Kowalski/Kowlaski): the
      // commonest error of keyed data. u: a shared surname (1e-3) × first names that close by chance (~5%). ≈ 10.5
      typo: { m: 0.07, u: 5e-5 },
      // Equal phonetic codes on both (Meier/Mayer, Zofia/Sophia): spelling drift, but more false friends. ≈ 6.6
      phonetic: { m: 0.01, u: 1e-4 },
      // Same surname, and one first name is just the other's initial ("J. Kowalski"). Abbreviating is as
      // likely for different people, so u is surname (1e-3) × one side abbreviated (~2%) × same initial (~7%)
      // ≈ 1.5e-6, taken conservatively at 5e-6. ≈ 11
      initial: { m: 0.01, u: 5e-6 },
      // First names unrelated, or surnames differ (marriage, a sibling, another person). Two records of one
      // person rarely disagree like this once nicknames, typos and initials are levels of their own. ≈ −5.1
      disagree: { m: 0.03, u: 0.999782 },
    },
    birthDate: {
      // m: birth dates are keyed once and rarely wrong; u: 1 in ~20,000 dates over 60 years of adults. ≈ 14.2
      exact: { m: 0.92, u: 5e-5 },
      // Day and month exchanged (US vs European order). u: same year and this exact swap. ≈ 10
      transposed: { m: 0.02, u: 2e-5 },
      // Same year and month with another day, or one digit wrong anywhere. ≈ 3.9
      typo: { m: 0.03, u: 2e-3 },
      // Same year only: barely more likely for one person than for two. ≈ −0.7
      year: { m: 0.01, u: 0.016 },
      // ≈ −5.6
      disagree: { m: 0.02, u: 0.98193 },
    },
    email: {
      // People have several addresses, so two records of one person share theirs 60% of the time; u allows
      // for shared inboxes that the junk list does not catch. ≈ 15.9
      exact: { m: 0.6, u: 1e-5 },
      // Same local part (≥ 4 characters, not a role) at another provider: kowal.jan@gmail / @wp.pl. ≈ 8.2
      localPart: { m: 0.03, u: 1e-4 },
      // The same, but the local part is just the name (anna.nowak, a.nowak), or the name and a number
      // (anna.nowak74, anna1974: providers number a taken name, people add their birth year) — every Anna Nowak
      // may own one, so it adds little to a name agreement that is scored already; local parts that are one name
      // with different numbers (anna.nowak / anna.nowak74) are namesakes too. ≈ 1
      nameLocalPart: { m: 0.02, u: 0.01 },
      // Local parts with Jaro-Winkler ≥ 0.9 (jan.kowalski / jan.kowalsky). ≈ 5.6
      similar: { m: 0.05, u: 1e-3 },
      // Different addresses: weak evidence against, because one person has several. ≈ −1.7
      disagree: { m: 0.3, u: 0.98889 },
      // The same address of two household members (a family inbox): u is how often different people of
      // one household share one. ≈ 4.9
      household: { m: 0.6, u: 0.02 },
    },
    phone: {
      // Same E.164 number. u allows for shared landlines beyond households. ≈ 15.6
      exact: { m: 0.5, u: 1e-5 },
      // Last 7 digits equal, rest not (a wrong country or trunk prefix). ≈ 9
      last7: { m: 0.05, u: 1e-4 },
      // Numbers change and people have several: weak. ≈ −1.2
      disagree: { m: 0.45, u: 0.99989 },
      // A household's landline. ≈ 2.3
      household: { m: 0.5, u: 0.1 },
    },
    address: {
      // Street and house number (normalised). Scored on top of postal code and city, so u is the chance that
      // different people in one postal code share the street line (~1%). Full address together ≈ 17.4. ≈ 5.8
      exact: { m: 0.55, u: 0.01 },
      // Same house number, street names with Jaro-Winkler ≥ 0.9 (spelling, abbreviations missed). ≈ 4.6
      similar: { m: 0.05, u: 2e-3 },
      // People move; m is the share of one person's record pairs with different street lines. ≈ −1.3
      disagree: { m: 0.4, u: 0.988 },
      // Household members share the address by definition. ≈ 2.5
      household: { m: 0.55, u: 0.1 },
    },
    postalCode: {
      // u: a postal code holds well under 1% of a national customer base. ≈ 7.4
      exact: { m: 0.85, u: 5e-3 },
      // First three characters (the same district). ≈ 0.7
      prefix: { m: 0.05, u: 0.03 },
      // ≈ −3.3
      disagree: { m: 0.1, u: 0.965 },
      // ≈ 1.5
      household: { m: 0.85, u: 0.3 },
    },
    city: {
      // u: customers cluster in big cities; one city holds up to ~5% of them. ≈ 4.2
      exact: { m: 0.9, u: 0.05 },
      // Jaro-Winkler ≥ 0.9 after folding (Warszawa / Warszwa). ≈ 2.6
      similar: { m: 0.03, u: 5e-3 },
      // ≈ −3.8
      disagree: { m: 0.07, u: 0.945 },
      // ≈ 0.8
      household: { m: 0.9, u: 0.5 },
    },
  },
  termFrequency: { enabled: true, minShare: 0.001 },
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Room for rounding in the "levels sum to at most 1" check. */
const SUM_TOLERANCE = 1e-9;

/**
 * Checks a complete matching configuration (the rules file's section merged over `DEFAULT_MATCHING`) and
 * returns a clean copy; errors name the offending path, e.g. `identity.matching.levels.email.exact.u must be a
 * number in (0, 1], got 0`.
 */
export function validateMatchingConfig(raw: unknown, path = 'identity.matching'): MatchingConfig {
  if (!isObject(raw)) throw new Error(`${path} must be an object`);
  unknownKeys(raw, ['thresholds', 'levels', 'termFrequency'], path);

  const thresholds = raw.thresholds;
  if (!isObject(thresholds)) throw new Error(`${path}.thresholds must be an object with autoMerge and review`);
  unknownKeys(thresholds, ['autoMerge', 'review'], `${path}.thresholds`);
  const autoMerge = finite(thresholds.autoMerge, `${path}.thresholds.autoMerge`);
  const review = finite(thresholds.review, `${path}.thresholds.review`);
  if (review > autoMerge) {
    throw new Error(`${path}.thresholds.review (${review}) must not be above autoMerge (${autoMerge})`);
  }

  const levelsRaw = raw.levels;
  if (!isObject(levelsRaw)) throw new Error(`${path}.levels must be an object of field → level → { m, u }`);
  unknownKeys(levelsRaw, MATCH_FIELDS, `${path}.levels`);
  const levels = {} as MatchingConfig['levels'];
  for (const field of MATCH_FIELDS) {
    const fieldPath = `${path}.levels.${field}`;
    const given = levelsRaw[field];
    if (!isObject(given)) throw new Error(`${fieldPath} must be an object of level → { m, u }`);
    const names: readonly string[] = MATCH_LEVELS[field];
    unknownKeys(given, names, fieldPath);
    const fieldLevels: Record<string, LevelProbabilities> = {};
    let mSum = 0;
    let uSum = 0;
    for (const name of names) {
      const levelPath = `${fieldPath}.${name}`;
      const level = given[name];
      if (!isObject(level)) throw new Error(`${levelPath} must be an object { m, u }`);
      unknownKeys(level, ['m', 'u'], levelPath);
      const m = probability(level.m, `${levelPath}.m`);
      const u = probability(level.u, `${levelPath}.u`);
      fieldLevels[name] = { m, u };
      if (name !== 'household') {
        mSum += m;
        uSum += u;
      }
    }
    if (mSum > 1 + SUM_TOLERANCE || uSum > 1 + SUM_TOLERANCE) {
      const which = mSum > 1 + SUM_TOLERANCE ? `m values sum to ${round(mSum)}` : `u values sum to ${round(uSum)}`;
      throw new Error(`${fieldPath}: the levels are exclusive outcomes, but their ${which} (at most 1)`);
    }
    levels[field] = fieldLevels;
  }

  const tfRaw = raw.termFrequency;
  if (!isObject(tfRaw)) throw new Error(`${path}.termFrequency must be an object { enabled, minShare }`);
  unknownKeys(tfRaw, ['enabled', 'minShare'], `${path}.termFrequency`);
  if (typeof tfRaw.enabled !== 'boolean') throw new Error(`${path}.termFrequency.enabled must be true or false`);
  const minShare = probability(tfRaw.minShare, `${path}.termFrequency.minShare`);
  return { thresholds: { autoMerge, review }, levels, termFrequency: { enabled: tfRaw.enabled, minShare } };
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new Error(`${path}.${key} is not a known setting (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path} must be a number, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function probability(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new Error(`${path} must be a number in (0, 1], got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
