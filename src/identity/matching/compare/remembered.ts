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
 * A bounded memo by a pair of string keys, held as a map of maps: a look-up hashes the two strings, whose hashes
 * V8 keeps once computed, instead of a joined key built and hashed afresh at every call. Past `limit` entries it
 * starts afresh. Results are shared between callers, who must not change them.
 */
export class PairMemo<T> {
  private memo = new Map<string, Map<string, T>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(a: string, b: string): T | undefined {
    return this.memo.get(a)?.get(b);
  }

  set(a: string, b: string, value: T): void {
    if (this.size >= this.limit) {
      this.memo = new Map();
      this.size = 0;
    }
    let inner = this.memo.get(a);
    if (!inner) this.memo.set(a, (inner = new Map()));
    inner.set(b, value);
    this.size++;
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
