/** What says which of two profiles is the older (its survivor in a merge), read once per profile. */
export interface ProfileAge {
  profile: string;
  /** Creation order (`ProfileInfo.order`): older first. */
  order: number;
  /** `ProfileInfo.firstRecord`: breaks ties of `order` the same way in every database. */
  firstRecord: string;
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

/**
 * Each profile's place in `compareAge`'s order, 0 the oldest, read once: ranking a record's candidates then
 * compares numbers instead of looking both profiles up at every comparison.
 */
export class AgeRanks {
  private readonly ranks = new Map<string, number>();

  constructor(ages: ProfileAge[]) {
    const sorted = [...ages].sort(compareAge);
    for (let i = 0; i < sorted.length; i++) this.ranks.set(sorted[i].profile, i);
  }

  /** Ranks a profile younger than every profile ranked so far (one the batch just created). */
  addYoungest(profile: string): void {
    this.ranks.set(profile, this.ranks.size);
  }

  of(profile: string): number | undefined {
    return this.ranks.get(profile);
  }

  /** `compareAge` by rank: older first; a profile without a rank (not loaded) as the youngest, then by id. */
  compare(a: string, b: string): number {
    const ra = this.ranks.get(a);
    const rb = this.ranks.get(b);
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

/** Ranks stay below this; weights are multiplied by it, so that one number orders by weight, then by age. */
const RANK_SPAN = 2 ** 32;

/**
 * The `limit` profiles that share the most with a record, best first: what sorting them by weight, then by
 * `compareAge` (a profile without a rank, not loaded, as the youngest: then by id), and keeping the first `limit`
 * gives — without sorting them all or making an object per candidate. A record in a broad block shares keys with
 * up to a hundred profiles; the ranking made two objects per candidate and looked both profiles up at every
 * comparison, and the step that gathers and ranks candidates (`softCandidates`) took ~4.6 s of the main thread's
 * ~36 s in a CPU profile of a 100,000-record import.
 */
export function bestSharing(shared: Map<string, number>, ranks: AgeRanks, limit: number): string[] {
  const keys: number[] = [];
  const profiles: string[] = [];
  for (const [profile, weight] of shared) {
    // Higher is better: more weight, then a smaller rank; no rank is worst (RANK_SPAN - 1 - rank would be 0).
    const key = weight * RANK_SPAN + (RANK_SPAN - 1 - (ranks.of(profile) ?? RANK_SPAN - 1));
    const length = keys.length;
    if (length === limit && !ahead(key, profile, keys[length - 1], profiles[length - 1])) continue;
    let low = 0;
    let high = length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ahead(keys[middle], profiles[middle], key, profile)) low = middle + 1;
      else high = middle;
    }
    keys.splice(low, 0, key);
    profiles.splice(low, 0, profile);
    if (keys.length > limit) {
      keys.pop();
      profiles.pop();
    }
  }
  return profiles;
}

/** `a` ranks before `b`: a higher key; on equal keys (profiles without a rank) the smaller id. */
function ahead(keyA: number, profileA: string, keyB: number, profileB: string): boolean {
  return keyA > keyB || (keyA === keyB && profileA < profileB);
}
