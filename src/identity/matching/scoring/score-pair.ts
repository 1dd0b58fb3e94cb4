import { PairMemo } from '../compare/remembered';
import type { PersonFeatures } from '../person-features';
import {
  compareAddress,
  compareBirthDate,
  compareCity,
  compareEmail,
  compareName,
  comparePhone,
  comparePostalCode,
  prepare,
  type FieldOutcome,
  type PreparedFeatures,
} from './field-comparisons';
import {
  DEFAULT_MATCHING,
  type Comparison,
  type MatchingConfig,
  type MatchScore,
  type TermFrequency,
} from './matching-config';

/** Birth dates this far apart, with everything else shared, read as parent and child. */
const GENERATION_YEARS = 15;

/**
 * Name levels short of equal names: spouses and siblings reach them (Martin / Martina, Chris for Christian and
 * for Christine), so with birth dates that differ they are two people of one household.
 */
const ALIKE_NAMES = new Set(['nickname', 'similar', 'typo', 'phonetic', 'initial']);

/** Fields that members of one household share, so that their agreement says little once names or ages differ. */
const HOUSEHOLD_FIELDS = new Set<Comparison['field']>(['email', 'phone', 'address', 'postalCode', 'city']);

/**
 * Fellegi-Sunter match score of two people: each field compared at its agreement level and weighted
 * log2(m/u), summed. A value missing on either side scores 0 (`missing`). Symmetric: `scorePair(a, b)` and
 * `scorePair(b, a)` total the same.
 *
 * Two refinements of plain Fellegi-Sunter, both reported in `detail`:
 * - Term frequency: an exact name agreement on a common name ("John Smith") uses u = max(u, share of that
 *   name) from `tf`, so it weighs less than agreement on "Zbigniew Przybylski".
 * - Households: once the names disagree, or the birth dates are a generation apart, or the names are only alike
 *   (not equal) and the birth dates differ, agreement on email, phone or address is what members of one family
 *   share, so it is weighed with the `household` level — a father and son, twins, or Martin and Martina sharing a
 *   home and an inbox are not auto-merged.
 * @example scorePair({ firstName: 'Jan', lastName: 'Kowalski', email: 'jan@x.pl' },
 *                    { firstName: 'Janek', lastName: 'Kowalski', email: 'jan@x.pl' }).total // ≈ 31
 */
export function scorePair(
  a: PersonFeatures,
  b: PersonFeatures,
  config: MatchingConfig = DEFAULT_MATCHING,
  tf?: TermFrequency,
): MatchScore {
  return scorePairReaching(a, b, Number.NEGATIVE_INFINITY, config, tf)!;
}

/**
 * `scorePair`, or `undefined` for a pair that cannot total `floor`. Once name and birth date are weighed, the most
 * the five remaining fields can add is known: each field's best level, or — once the pair reads as one household
 * — the household level's weight. A pair short of `floor` even then is not compared further: a stranger who
 * shares a blocking key (another name, another birth date) costs two comparisons instead of seven. Whenever it
 * returns a score, it is `scorePair`'s: the same total and comparisons.
 * @example scorePairReaching(jan, { firstName: 'Ola', lastName: 'Nowak', birthDate: '1990-01-01' }, 19)
 *          // → undefined (at most ≈ 1.3)
 */
export function scorePairReaching(
  a: PersonFeatures,
  b: PersonFeatures,
  floor: number,
  config: MatchingConfig = DEFAULT_MATCHING,
  tf?: TermFrequency,
): MatchScore | undefined {
  return scorePreparedReaching(prepare(a), prepare(b), floor, config, tf);
}

/**
 * `scorePairReaching` of two people already prepared (`prepareFeatures`): for a caller that keeps each person's
 * prepared form while it scores them against many others.
 */
export function scorePreparedReaching(
  pa: PreparedFeatures,
  pb: PreparedFeatures,
  floor: number,
  config: MatchingConfig = DEFAULT_MATCHING,
  tf?: TermFrequency,
): MatchScore | undefined {
  const name = compareNames(pa, pb);
  const birthDate = compareBirthDate(pa, pb);
  let household: string | undefined;
  if (name.level === 'disagree') household = 'the names differ';
  else if (birthDate.level === 'disagree' && (birthDate.yearsApart ?? 0) >= GENERATION_YEARS) {
    household = 'born a generation apart';
  } else if (ALIKE_NAMES.has(name.level) && (birthDate.level === 'disagree' || birthDate.level === 'year')) {
    household = 'names only alike and the birth dates differ';
  }

  const frequency = termFrequencyU(name.level, pa, pb, config, tf);
  if (floor > Number.NEGATIVE_INFINITY) {
    // Weights only, no comparison objects yet: most candidate pairs are strangers that end here.
    const best = ceilings(config);
    const most =
      weightOf('name', name, config, frequency) +
      weightOf('birthDate', birthDate, config) +
      (household ? best.household : best.open);
    // The slack covers the summing order only: `most` is a sum of the same weights in another order.
    if (most < floor - 1e-9) return undefined;
  }
  const comparisons: Comparison[] = [weigh('name', name, config, frequency), weigh('birthDate', birthDate, config)];
  // Field by field, without a list of pairs: seven comparisons per candidate pair, millions of pairs.
  const add = (field: Comparison['field'], outcome: FieldOutcome) => {
    if (household && HOUSEHOLD_FIELDS.has(field) && outcome.level !== 'disagree' && outcome.level !== 'missing') {
      const agreement = outcome.detail ? `${outcome.level} (${outcome.detail})` : outcome.level;
      const detail = `${agreement}, read as shared within a household: ${household}`;
      comparisons.push(weigh(field, { level: 'household', detail }, config));
    } else {
      comparisons.push(weigh(field, outcome, config));
    }
  };
  add('email', compareEmail(pa, pb));
  add('phone', comparePhone(pa, pb));
  add('address', compareAddress(pa, pb));
  add('postalCode', comparePostalCode(pa, pb));
  add('city', compareCity(pa, pb));
  countMoveOnce(comparisons);
  let total = 0;
  for (const c of comparisons) total += c.weight;
  return { total, comparisons };
}

/**
 * Whether a score lets the resolver join two profiles without a steward: at or above `thresholds.autoMerge`, and
 * the names do not disagree. Once the names disagree, email, phone and address are read as a household's
 * (above), so such a pair reaches at most ≈ 21 — twins sharing an inbox and a landline, or a woman under her new
 * surname: the same evidence for two people and for one. Only a steward tells them apart, whatever the
 * thresholds.
 * @example autoMergeable(scorePair(twinA, twinB)) // → false (≈ 21.1, names disagree)
 */
export function autoMergeable(score: MatchScore, config: MatchingConfig = DEFAULT_MATCHING): boolean {
  if (score.total < config.thresholds.autoMerge) return false;
  return !score.comparisons.some((c) => c.field === 'name' && c.level === 'disagree');
}

/** The fields compared after name and birth date, in `scorePair`'s order. */
const LATER_FIELDS: Comparison['field'][] = ['email', 'phone', 'address', 'postalCode', 'city'];

const levelWeight = ({ m, u }: { m: number; u: number }) => Math.log2(m / u);

/**
 * The most the fields after name and birth date can add to a total: `open`, each at its best level (0 when
 * every level weighs against: a missing value counts 0); `household`, once agreement on a household's fields is
 * read as the household level. Counting a move once only lifts disagreements to 0, which both already allow.
 */
const ceilingsByLevels = new WeakMap<MatchingConfig['levels'], { open: number; household: number }>();
/** The levels `ceilings` was last asked about, and their ceilings: one configuration serves a whole batch. */
let lastCeilings: { levels: MatchingConfig['levels']; found: { open: number; household: number } } | undefined;
function ceilings(config: MatchingConfig): { open: number; household: number } {
  if (lastCeilings?.levels === config.levels) return lastCeilings.found;
  let found = ceilingsByLevels.get(config.levels);
  if (!found) {
    found = { open: 0, household: 0 };
    for (const field of LATER_FIELDS) {
      const levels = config.levels[field];
      const open = Math.max(0, ...Object.values(levels).map(levelWeight));
      found.open += open;
      found.household += HOUSEHOLD_FIELDS.has(field)
        ? Math.max(0, levelWeight(levels.household), levelWeight(levels.disagree))
        : open;
    }
    ceilingsByLevels.set(config.levels, found);
  }
  lastCeilings = { levels: config.levels, found };
  return found;
}

/** Name-pair outcomes, the most remembered: a few MB at most. */
const nameOutcomes = new PairMemo<FieldOutcome, number>(100_000);

/**
 * `compareName`, remembered by the four folded names it reads: names are few and candidates many (a batch
 * compares "Anna Nowak" with "Maria Nowak" again and again), and the comparison — Jaro-Winkler, edit distances,
 * phonetic codes, the nickname table — costs far more than a map look-up. Outcomes are never changed by callers.
 */
function compareNames(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  // `a`'s row of the memo is held by `a`: a record is scored against all its candidates as `a`, and each read of
  // the memo's outer map (tens of thousands of names) was a few cache misses of its own.
  const row = (a.nameOutcomes ??= nameOutcomes.row(a.name));
  let outcome = row.get(b.name);
  if (outcome === undefined) nameOutcomes.setIn(row, b.name, (outcome = compareName(a, b)));
  return outcome;
}

/** Address parts, from the one whose disagreement says most about a move to the one that says least. */
const ADDRESS_PARTS: Comparison['field'][] = ['postalCode', 'city', 'address'];

/**
 * A move changes street, postal code and city at once: one event, not three independent disagreements. When
 * several address parts disagree, the first of postal code, city, street line keeps its weight and the others
 * count 0 (their disagreement follows from it), so that a person who moved is not pushed below a stranger.
 */
function countMoveOnce(comparisons: Comparison[]): void {
  const disagreeing = ADDRESS_PARTS.map((field) => comparisons.find((c) => c.field === field)).filter(
    (c): c is Comparison => c !== undefined && c.level === 'disagree',
  );
  const [kept, ...implied] = disagreeing;
  for (const c of implied) {
    c.weight = 0;
    const note = `counted once, with the ${kept.field === 'postalCode' ? 'postal code' : kept.field}: another address`;
    c.detail = c.detail ? `${c.detail}; ${note}` : note;
  }
}

function weigh(
  field: Comparison['field'],
  outcome: FieldOutcome,
  config: MatchingConfig,
  adjusted?: { u: number; detail: string },
): Comparison {
  if (outcome.level === 'missing') return { field, level: 'missing', weight: 0 };
  const probabilities = config.levels[field][outcome.level];
  const weight = weightOf(field, outcome, config, adjusted);
  // Seven comparisons per candidate pair: no intermediate array for the one or two details.
  const frequency = adjusted && adjusted.u > probabilities.u ? adjusted.detail : undefined;
  const detail = outcome.detail && frequency ? `${outcome.detail}; ${frequency}` : outcome.detail || frequency;
  return detail ? { field, level: outcome.level, weight, detail } : { field, level: outcome.level, weight };
}

/** The weight `weigh` gives an outcome: log2(m/u) of its level, u raised by term frequency; 0 when missing. */
function weightOf(
  field: Comparison['field'],
  outcome: FieldOutcome,
  config: MatchingConfig,
  adjusted?: { u: number },
): number {
  if (outcome.level === 'missing') return 0;
  const probabilities = config.levels[field][outcome.level];
  const u = adjusted ? Math.max(probabilities.u, adjusted.u) : probabilities.u;
  return Math.log2(probabilities.m / u);
}

const percent = (share: number) => `${(share * 100).toPrecision(2)}%`;

/**
 * The term-frequency u of a name agreement. For `exact`, the chance that two random people share this very
 * name: the share of profiles with the first name times the share with the surname, where a name the look-up
 * does not know (or rarer than ordinary) counts as ordinary — `minShare` for a surname, u(exact) / `minShare`
 * (1% by default) for a first name — so that with ordinary names u stays u(exact). For `nickname` and
 * `initial`, whose first names are not one value, the level's u grows with the surname's share over
 * `minShare`.
 */
function termFrequencyU(
  level: string,
  a: PreparedFeatures,
  b: PreparedFeatures,
  config: MatchingConfig,
  tf: TermFrequency | undefined,
): { u: number; detail: string } | undefined {
  if (!tf || !config.termFrequency.enabled) return undefined;
  if (level !== 'exact' && level !== 'nickname' && level !== 'initial') return undefined;
  const { minShare } = config.termFrequency;
  const last = Math.max(minShare, share(tf, 'lastName', a.last, b.last));
  if (level === 'exact') {
    const first = Math.max(config.levels.name.exact.u / minShare, share(tf, 'firstName', a.first, b.first));
    const u = first * last;
    return {
      u,
      detail: `common name: first name ${percent(first)}, surname ${percent(last)} of profiles, u ${u.toExponential(1)}`,
    };
  }
  const u = config.levels.name[level].u * (last / minShare);
  return { u, detail: `common surname: ${percent(last)} of profiles, u ${u.toExponential(1)}` };
}

/** Share of profiles with the agreeing value; of two spellings that agree ("anna" / "anna maria"), the larger. */
function share(tf: TermFrequency, field: 'firstName' | 'lastName', a: string, b: string): number {
  const x = validShare(tf(field, a));
  return a === b ? x : Math.max(x, validShare(tf(field, b)));
}

/** A share the look-up got wrong (not a number in [0, 1]) counts as unknown rather than poisoning the total. */
const validShare = (value: unknown) => (typeof value === 'number' && value >= 0 && value <= 1 ? value : 0);
