/**
 * How well a clustering of records (the hub's profiles) matches the truth (the generator's persons). Pure
 * functions over one row per record; pair counts come from cluster and cell sizes, never from listing pairs,
 * so a million records cost one pass.
 */

/** One record: its key, the person it truly belongs to and the profile the hub put it in. */
export interface Assignment {
  record: string;
  person: string;
  profile: string;
  /** The record carries only name, birth date and address (no email, no phone). */
  nameDobAddressOnly?: boolean;
}

export interface PairwiseScores {
  /** Pairs of records of one person. */
  truePairs: number;
  /** Pairs of records the hub put in one profile. */
  predictedPairs: number;
  /** Pairs that are both. */
  correctPairs: number;
  /** correct / predicted; 1 when the hub joined nothing. */
  precision: number;
  /** correct / true; 1 when no two records belong together. */
  recall: number;
  f1: number;
}

export interface ClusterFigures {
  records: number;
  persons: number;
  profiles: number;
  /** Persons whose records form exactly one profile, holding nothing else. */
  exactMatches: number;
  exactMatchRate: number;
  /** Persons whose records are spread over more than one profile. */
  splitPersons: number;
  /** Persons sharing a profile with another person's record. */
  overMergedPersons: number;
  /** Profiles holding records of more than one person. */
  overMergedProfiles: number;
  /** Persons with more than one record (the ones a resolver can get wrong by splitting). */
  personsWithSeveralRecords: number;
}

export interface SliceFigures {
  /** Records carrying only name, birth date and address. */
  records: number;
  /** Pairwise scores over the pairs with at least one record of the slice. */
  pairwise: PairwiseScores;
  /** Slice records whose person has other records, … */
  joinable: number;
  /** … and of those, how many share a profile with at least one of them. */
  joined: number;
  /** Slice records sharing a profile with another person's record. */
  wronglyJoined: number;
}

export interface Evaluation {
  pairwise: PairwiseScores;
  clusters: ClusterFigures;
  nameDobAddressOnly: SliceFigures;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/**
 * Pairs of a group of `n` records, `marked` of them in the subset, that touch the subset (at least one end in
 * it): all pairs minus those among the unmarked.
 */
const pairsTouching = (n: number, marked: number) => pairs(n) - pairs(n - marked);

interface Tally {
  n: number;
  marked: number;
}

function tally(groups: Map<string, Tally>, key: string, marked: boolean): void {
  const entry = groups.get(key);
  if (entry) {
    entry.n++;
    if (marked) entry.marked++;
  } else groups.set(key, { n: 1, marked: marked ? 1 : 0 });
}

function scores(truePairs: number, predictedPairs: number, correctPairs: number): PairwiseScores {
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, predictedPairs, correctPairs, precision, recall, f1 };
}

const cellKey = (a: Assignment) => `${a.profile}\u0000${a.person}`;

/**
 * Pairwise precision, recall and F1 over record pairs. With `inSubset`, only the pairs with at least one
 * record in the subset count (the slice's own pairs and its pairs with the other records).
 */
export function pairwiseScores<A extends Assignment>(
  assignments: readonly A[],
  inSubset?: (a: A) => boolean,
): PairwiseScores {
  const byPerson = new Map<string, Tally>();
  const byProfile = new Map<string, Tally>();
  const byCell = new Map<string, Tally>();
  for (const a of assignments) {
    const marked = inSubset ? inSubset(a) : true;
    tally(byPerson, a.person, marked);
    tally(byProfile, a.profile, marked);
    tally(byCell, cellKey(a), marked);
  }
  const sum = (groups: Map<string, Tally>) => {
    let total = 0;
    for (const { n, marked } of groups.values()) total += pairsTouching(n, marked);
    return total;
  };
  return scores(sum(byPerson), sum(byProfile), sum(byCell));
}

/** Cluster-level figures: exact matches, splits and over-merges. */
export function clusterFigures(assignments: readonly Assignment[]): ClusterFigures {
  const personSize = new Map<string, number>();
  const profileSize = new Map<string, number>();
  const cellSize = new Map<string, { person: string; profile: string; n: number }>();
  for (const a of assignments) {
    personSize.set(a.person, (personSize.get(a.person) ?? 0) + 1);
    profileSize.set(a.profile, (profileSize.get(a.profile) ?? 0) + 1);
    const key = cellKey(a);
    const cell = cellSize.get(key);
    if (cell) cell.n++;
    else cellSize.set(key, { person: a.person, profile: a.profile, n: 1 });
  }
  const profilesOfPerson = new Map<string, number>();
  const personsOfProfile = new Map<string, number>();
  for (const { person, profile } of cellSize.values()) {
    profilesOfPerson.set(person, (profilesOfPerson.get(person) ?? 0) + 1);
    personsOfProfile.set(profile, (personsOfProfile.get(profile) ?? 0) + 1);
  }
  let exactMatches = 0;
  const overMerged = new Set<string>();
  for (const { person, profile, n } of cellSize.values()) {
    if (n === personSize.get(person) && n === profileSize.get(profile)) exactMatches++;
    if (personsOfProfile.get(profile)! > 1) overMerged.add(person);
  }
  const persons = personSize.size;
  return {
    records: assignments.length,
    persons,
    profiles: profileSize.size,
    exactMatches,
    exactMatchRate: persons === 0 ? 1 : exactMatches / persons,
    splitPersons: [...profilesOfPerson.values()].filter((count) => count > 1).length,
    overMergedPersons: overMerged.size,
    overMergedProfiles: [...personsOfProfile.values()].filter((count) => count > 1).length,
    personsWithSeveralRecords: [...personSize.values()].filter((count) => count > 1).length,
  };
}

/** The name + birth date + address records: their pairs, and whether each found its person's other records. */
export function sliceFigures(assignments: readonly Assignment[]): SliceFigures {
  const inSlice = (a: Assignment) => a.nameDobAddressOnly === true;
  const personSize = new Map<string, number>();
  const cellSize = new Map<string, number>();
  const profileSize = new Map<string, number>();
  for (const a of assignments) {
    personSize.set(a.person, (personSize.get(a.person) ?? 0) + 1);
    profileSize.set(a.profile, (profileSize.get(a.profile) ?? 0) + 1);
    cellSize.set(cellKey(a), (cellSize.get(cellKey(a)) ?? 0) + 1);
  }
  let records = 0;
  let joinable = 0;
  let joined = 0;
  let wronglyJoined = 0;
  for (const a of assignments) {
    if (!inSlice(a)) continue;
    records++;
    const cell = cellSize.get(cellKey(a))!;
    if (personSize.get(a.person)! > 1) {
      joinable++;
      if (cell > 1) joined++;
    }
    if (profileSize.get(a.profile)! > cell) wronglyJoined++;
  }
  return { records, pairwise: pairwiseScores(assignments, inSlice), joinable, joined, wronglyJoined };
}

/** Everything at once. Record keys must be unique. */
export function evaluate(assignments: readonly Assignment[]): Evaluation {
  if (new Set(assignments.map((a) => a.record)).size !== assignments.length) {
    throw new Error('evaluate: record keys must be unique');
  }
  return {
    pairwise: pairwiseScores(assignments),
    clusters: clusterFigures(assignments),
    nameDobAddressOnly: sliceFigures(assignments),
  };
}

/**
 * The clustering as it would be if every pair of `links` were joined (e.g. every open merge candidate
 * approved): profiles linked directly or through others become one, named after the smallest id.
 */
export function withLinksJoined<A extends Assignment>(
  assignments: readonly A[],
  links: readonly [string, string][],
): A[] {
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let r = id;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    for (let x = id; x !== r;) {
      const next = parent.get(x)!;
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const [a, b] of links) {
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  return assignments.map((a) => ({ ...a, profile: root(a.profile) }));
}
