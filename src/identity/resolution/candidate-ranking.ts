import type { ProfileInfo } from './profile-infos';

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

/** `ProfileNode.rank` of a profile that is not loaded (none is, in practice): it ranks as the youngest. */
export const NO_RANK = -1;

/**
 * One profile while a batch is decided: its place in `compareAge`'s order, its group (the batch's merges), and
 * what the record being decided shares with it. The batch's look-ups hold these objects, not ids, so gathering a
 * record's candidates follows references and adds numbers: no map is read per profile met. A record in a broad
 * block meets up to a hundred profiles per key; with ids, each meeting looked the profile up in three maps (its
 * group, the weights, its rank), and those look-ups took ~2.4 s of the main thread's ~38 s in a CPU profile of a
 * 100,000-record import.
 */
export class ProfileNode {
  /** The profile it was merged into in this batch; null while it is its group's survivor. */
  parent: ProfileNode | null = null;
  /** What the record of gathering `mark` shares with the profile; stale when `mark` is an earlier one's. */
  weight = 0;
  mark = 0;
  /** What the batch knows of the profile (loaded or created by it): read by reference, not looked up by id. */
  info: ProfileInfo | undefined = undefined;

  constructor(
    readonly id: string,
    /** Place in the age order, 0 the oldest; NO_RANK for a profile not loaded. */
    readonly rank: number,
  ) {}
}

/** `compareAge` by rank: older first; a profile without a rank (not loaded) as the youngest, then by id. */
export function compareNodes(a: ProfileNode, b: ProfileNode): number {
  if (a.rank !== NO_RANK && b.rank !== NO_RANK) return a.rank - b.rank;
  if (a.rank !== NO_RANK) return -1;
  if (b.rank !== NO_RANK) return 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The batch's profiles as `ProfileNode`s, ranked once in `compareAge`'s order: ranking a record's candidates then
 * compares numbers instead of looking both profiles up at every comparison.
 */
export class AgeRanks {
  private readonly nodes = new Map<string, ProfileNode>();
  private ranked = 0;

  constructor(ages: ProfileAge[]) {
    const sorted = [...ages].sort(compareAge);
    for (const age of sorted) this.nodes.set(age.profile, new ProfileNode(age.profile, this.ranked++));
  }

  /** Ranks a profile younger than every profile ranked so far (one the batch just created). */
  addYoungest(profile: string): ProfileNode {
    const node = new ProfileNode(profile, this.ranked++);
    this.nodes.set(profile, node);
    return node;
  }

  /** The profile's node, if it is ranked or was met before. */
  get(profile: string): ProfileNode | undefined {
    return this.nodes.get(profile);
  }

  /** The profile's node; one without a rank the first time a profile that is not loaded is met. */
  node(profile: string): ProfileNode {
    let node = this.nodes.get(profile);
    if (!node) this.nodes.set(profile, (node = new ProfileNode(profile, NO_RANK)));
    return node;
  }

  /** `compareAge` by rank (`compareNodes`) of two profiles by id. */
  compare(a: string, b: string): number {
    return compareNodes(
      this.nodes.get(a) ?? new ProfileNode(a, NO_RANK),
      this.nodes.get(b) ?? new ProfileNode(b, NO_RANK),
    );
  }
}

/** Ranks stay below this; weights are multiplied by it, so that one number orders by weight, then by age. */
const RANK_SPAN = 2 ** 32;

/**
 * The `limit` profiles that share the most with a record (each node's `weight`), best first: what sorting them by
 * weight, then by `compareAge` (a profile without a rank, not loaded, as the youngest: then by id), and keeping the
 * first `limit` gives — without sorting them all or making an object per candidate. Each candidate's place is one
 * number (weight, then rank); a sorted list of at most `limit` grows by binary insertion.
 */
export function bestSharing(shared: readonly ProfileNode[], limit: number): ProfileNode[] {
  const keys: number[] = [];
  const profiles: ProfileNode[] = [];
  for (const node of shared) {
    // Higher is better: more weight, then a smaller rank; no rank is worst (RANK_SPAN - 1 - rank would be 0).
    const key = node.weight * RANK_SPAN + (node.rank === NO_RANK ? 0 : RANK_SPAN - 1 - node.rank);
    const length = keys.length;
    if (length === limit && !ahead(key, node, keys[length - 1], profiles[length - 1])) continue;
    let low = 0;
    let high = length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ahead(keys[middle], profiles[middle], key, node)) low = middle + 1;
      else high = middle;
    }
    // Shifted by hand: `splice` returns an array of what it removed, an allocation per candidate met.
    let end = length < limit ? length : limit - 1;
    for (; end > low; end--) {
      keys[end] = keys[end - 1];
      profiles[end] = profiles[end - 1];
    }
    keys[low] = key;
    profiles[low] = node;
  }
  return profiles;
}

/** `a` ranks before `b`: a higher key; on equal keys (profiles without a rank) the smaller id. */
function ahead(keyA: number, a: ProfileNode, keyB: number, b: ProfileNode): boolean {
  return keyA > keyB || (keyA === keyB && a.id < b.id);
}
