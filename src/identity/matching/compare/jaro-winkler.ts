/**
 * Jaro similarity of two strings, 0 (nothing in common) to 1 (equal); compares UTF-16 code units, so fold the
 * inputs first (`fold`). Two empty strings are equal (1); an empty and a non-empty one share nothing (0).
 */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  const aMatched = new Uint8Array(la);
  const bMatched = new Uint8Array(lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const code = a.charCodeAt(i);
    const end = Math.min(lb - 1, i + window);
    for (let j = Math.max(0, i - window); j <= end; j++) {
      if (bMatched[j] === 0 && b.charCodeAt(j) === code) {
        aMatched[i] = 1;
        bMatched[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let halfTranspositions = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (aMatched[i] === 0) continue;
    while (bMatched[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) halfTranspositions++;
    j++;
  }
  return (matches / la + matches / lb + (matches - halfTranspositions / 2) / matches) / 3;
}

const PREFIX_SCALE = 0.1;
const MAX_PREFIX = 4;
/** Winkler's boost threshold: the common-prefix bonus only applies to pairs that are already similar. */
const BOOST_THRESHOLD = 0.7;

/**
 * Jaro-Winkler similarity (Winkler 1990): Jaro plus a bonus for a common prefix of up to 4 characters, scale
 * 0.1, applied when Jaro exceeds 0.7. Symmetric by construction (the pair is ordered before comparing), so
 * `jaroWinkler(a, b) === jaroWinkler(b, a)` exactly.
 * @example jaroWinkler('MARTHA', 'MARHTA') // → 0.9611
 */
export function jaroWinkler(a: string, b: string): number {
  if (a > b) [a, b] = [b, a];
  const similarity = jaro(a, b);
  if (similarity <= BOOST_THRESHOLD) return similarity;
  const limit = Math.min(MAX_PREFIX, a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return similarity + prefix * PREFIX_SCALE * (1 - similarity);
}
