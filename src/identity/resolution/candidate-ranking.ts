/** A candidate profile of one record as ranked for scoring, with everything its rank needs read once. */
export interface RankedCandidate {
  profile: string;
  /** How much it shares with the record: 10 per contact point, 1 per blocking key. */
  weight: number;
  /** Creation order (`ProfileInfo.order`): older first. */
  order: number;
  /** `ProfileInfo.firstRecord`: breaks ties of `order` the same way in every database. */
  firstRecord: string;
}

/**
 * Most-sharing first; among equals the oldest profile, then the smaller first record, then the smaller id — the
 * order `resolveIdentities`' `rank` gives profiles of equal weight. Total: two candidates never share an id.
 */
export function compareCandidates(a: RankedCandidate, b: RankedCandidate): number {
  const byWeight = b.weight - a.weight;
  if (byWeight !== 0) return byWeight;
  const byOrder = a.order - b.order;
  if (byOrder !== 0) return byOrder;
  if (a.firstRecord !== b.firstRecord) return a.firstRecord < b.firstRecord ? -1 : 1;
  return a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0;
}

/**
 * The `limit` best candidates, best first: what sorting them all by `compareCandidates` and keeping the first
 * `limit` gives, without sorting them all. A record in a broad block shares keys with hundreds of profiles, and
 * the full sort — each comparison of equal weights looking both profiles up — was ~5% of a bulk import's main
 * thread at 100,000 records. Sorts `candidates` in place when there are at most `limit`.
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
