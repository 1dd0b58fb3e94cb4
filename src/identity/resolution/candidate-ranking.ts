/** What says which of two profiles is the older (its survivor in a merge), read once per profile. */
export interface ProfileAge {
  profile: string;
  /** Creation order (`ProfileInfo.order`): older first. */
  order: number;
  /** `ProfileInfo.firstRecord`: breaks ties of `order` the same way in every database. */
  firstRecord: string;
}

/** A candidate profile of one record as ranked for scoring. */
export interface RankedCandidate extends ProfileAge {
  /** How much it shares with the record: 10 per contact point, 1 per blocking key. */
  weight: number;
}

/**
 * Older first: by creation order; profiles of one creation time (one transaction) by their first record, the
 * same in every database, then by id. Total: two profiles never share an id.
 */
export function compareAge(a: ProfileAge, b: ProfileAge): number {
  const byOrder = a.order - b.order;
  if (byOrder !== 0) return byOrder;
  if (a.firstRecord !== b.firstRecord) return a.firstRecord < b.firstRecord ? -1 : 1;
  return a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0;
}

/** Most-sharing first; among equals the older profile (`compareAge`). */
export function compareCandidates(a: RankedCandidate, b: RankedCandidate): number {
  return b.weight - a.weight || compareAge(a, b);
}

/**
 * The `limit` best candidates, best first: what sorting them all by `compareCandidates` and keeping the first
 * `limit` gives, without sorting them all: a record in a broad block shares keys with hundreds of profiles (the
 * full sort, each comparison of equal weights looking both profiles up, took ~2.3 s of the main thread's ~35 s in
 * a sampled CPU profile of a 100,000-record import). Sorts `candidates` in place when there are at most `limit`.
 */
export function bestCandidates(candidates: RankedCandidate[], limit: number): RankedCandidate[] {
  if (candidates.length <= limit) return candidates.sort(compareCandidates);
  const best: RankedCandidate[] = [];
  for (const candidate of candidates) {
    if (best.length === limit && compareCandidates(candidate, best[limit - 1]) >= 0) continue;
    // After every candidate it ranks behind or equal to (none is equal: the order is total).
    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareCandidates(best[middle], candidate) <= 0) low = middle + 1;
      else high = middle;
    }
    best.splice(low, 0, candidate);
    if (best.length > limit) best.pop();
  }
  return best;
}
