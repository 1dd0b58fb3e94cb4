/**
 * A pure function of one string, remembered. Matching normalises the same few thousand names, cities, postal codes
 * and street lines again and again — every candidate profile of every batch is prepared afresh — and each
 * normalisation is a chain of regular expressions, while a look-up is one hash. Past `limit` entries it starts
 * afresh (a few MB at most). Results are shared between callers, who must not change them. A hit allocates
 * nothing (no closure for the computation: this runs millions of times an import).
 */
export function remembered<T>(fn: (value: string) => T, limit = 50_000): (value: string) => T {
  let memo = new Map<string, T>();
  return (value) => {
    let result = memo.get(value);
    if (result === undefined) {
      result = fn(value);
      if (memo.size >= limit) memo = new Map();
      memo.set(value, result);
    }
    return result;
  };
}

/**
 * A bounded memo by a pair of keys (strings, or numbers standing for them), held as a map of maps: a look-up hashes
 * the two keys — V8 keeps a string's hash once computed — instead of a joined key built and hashed afresh at every
 * call. Past `limit` entries it starts afresh. Results are shared between callers, who must not change them.
 */
export class PairMemo<T, K = string> {
  private memo = new Map<K, Map<K, T>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(a: K, b: K): T | undefined {
    return this.memo.get(a)?.get(b);
  }

  set(a: K, b: K, value: T): void {
    this.startAfreshWhenFull();
    this.row(a).set(b, value);
    this.size++;
  }

  /**
   * What is remembered for `a`, by `b`, as a map the caller may hold: one that compares `a` with many others reads
   * the memo's outer map once instead of once per pair. Read it; remember into it with `setIn`.
   */
  row(a: K): Map<K, T> {
    let inner = this.memo.get(a);
    if (!inner) this.memo.set(a, (inner = new Map()));
    return inner;
  }

  /**
   * Remembers `value` for `b` in a row `row` returned. Past `limit` entries the memo starts afresh; a row held from
   * before still answers what it holds (the values are pure functions of the keys), and no longer shares.
   */
  setIn(row: Map<K, T>, b: K, value: T): void {
    this.startAfreshWhenFull();
    row.set(b, value);
    this.size++;
  }

  private startAfreshWhenFull(): void {
    if (this.size < this.limit) return;
    this.memo = new Map();
    this.size = 0;
  }
}

/**
 * A pure function of two strings, remembered by the pair: for comparisons of names, whose vocabulary is small (a
 * few thousand given names) while the pairs compared run into the millions.
 */
export function rememberedPair<T>(fn: (a: string, b: string) => T, limit = 100_000): (a: string, b: string) => T {
  const memo = new PairMemo<T>(limit);
  return (a, b) => {
    let result = memo.get(a, b);
    if (result === undefined) memo.set(a, b, (result = fn(a, b)));
    return result;
  };
}
