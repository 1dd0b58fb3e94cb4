/**
 * A pure function of one string, remembered. Matching normalises the same few thousand names, cities, postal codes
 * and street lines again and again — every candidate profile of every batch is prepared afresh — and each
 * normalisation is a chain of regular expressions, while a look-up is one hash. Bounded: past `limit` entries the
 * memo starts afresh (a few MB at most). Results are shared between callers, who must not change them.
 */
export function remembered<T>(fn: (value: string) => T, limit = 50_000): (value: string) => T {
  const memo = new Map<string, T>();
  return (value: string): T => {
    let result = memo.get(value);
    if (result === undefined) {
      result = fn(value);
      if (memo.size >= limit) memo.clear();
      memo.set(value, result);
    }
    return result;
  };
}

/**
 * A pure function of two strings, remembered by the pair, like `remembered`: for comparisons of names, whose
 * vocabulary is small (a few thousand given names) while the pairs compared run into the millions. The strings
 * must not hold NUL, which joins them into the key.
 */
export function rememberedPair<T>(fn: (a: string, b: string) => T, limit = 100_000): (a: string, b: string) => T {
  const memo = new Map<string, T>();
  return (a: string, b: string): T => {
    const key = `${a}\u0000${b}`;
    let result = memo.get(key);
    if (result === undefined) {
      result = fn(a, b);
      if (memo.size >= limit) memo.clear();
      memo.set(key, result);
    }
    return result;
  };
}
