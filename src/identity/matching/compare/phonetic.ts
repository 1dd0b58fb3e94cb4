import { foldDiacritics } from './normalise';
import { remembered } from './remembered';

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const isVowel = (c: string | undefined) => c !== undefined && VOWELS.has(c);

/**
 * A phonetic key for European personal names: a simplified Metaphone with Polish, German and Spanish
 * spellings added, so that spelling variants of one name get one code.
 *
 * What it does, on the diacritic-folded name (`Łukasz` → `lukasz`, `Müller` → `muller`), letters only:
 * - vowels (a e i o u y) are dropped, except that a name starting with a vowel sound gets `A`
 *   (`Eva`/`Ewa` → `AF`); `h` is silent (`Hanna`/`Anna` → `AN`, `John`/`Jon` → `JN`);
 * - `sch`, `sh`, `sz` (Polish), `cz` (Polish), `tch` and `ch` → `X`; `ch` before a consonant at the start or
 *   before `r` → `K` (`Christoph`, `Chris`);
 * - `c` before e/i/y → `S`, else `K`; `ck`, `q`, `g`, `k`, `kh` → `K` (g is always hard, as in German and
 *   Polish); `ph`, `f`, `v` → `F`; `w` → `F` before a vowel (`Nowak`/`Novak` → `NFK`) and silent elsewhere
 *   (`Brown`/`Braun` → `BRN`); `th` → `T` (`Katherine`/`Catherine`/`Kathryn` → `KTRN`); `d`, `dt` → `T`;
 *   `z`, `tz` → `S` (`Schwarz`/`Schwartz` → `XFRS`, `Gonzalez`/`Gonzales`); `x` → `KS`;
 * - silent initial `kn`, `gn`, `pn`, `wr`, `ps`; `mb` at the end is `M`;
 * - a code letter repeated with no vowel between is written once (`Schmitt`/`Schmidt`/`Szmidt` → `XMT`).
 *
 * Limits: one code, no alternates (Double Metaphone's secondary code) — `Smith` (`SMT`) and `Schmidt` (`XMT`)
 * differ; English soft `g` and `th` as in "Thomas" vs "Thompson" are not modelled; it ignores letters outside
 * a–z after folding, so Cyrillic, Greek or CJK names get the empty code (callers treat an empty code as "no
 * phonetic evidence"). Different names can share a code (`Miller`/`Müller` → `MLR`): phonetic agreement is
 * weak evidence, scored below exact and Jaro-Winkler agreement.
 * @example phoneticCode('Łukasz') // → 'LKX'
 */
export const phoneticCode = remembered(function phoneticCode(name: string): string {
  let w = foldDiacritics(name)
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  if (w.length === 0) return '';
  if (/^(kn|gn|pn|wr|ps)/.test(w)) w = w.slice(1);
  else if (w.startsWith('wh')) w = `w${w.slice(2)}`;
  else if (w.startsWith('x')) w = `s${w.slice(1)}`;
  if (w.endsWith('mb')) w = w.slice(0, -1);

  let code = '';
  let last = '';
  const emit = (c: string) => {
    if (c !== last) code += c;
    last = c;
  };
  for (let i = 0; i < w.length;) {
    const c = w[i];
    const next = w[i + 1];
    const after = w[i + 2];
    if (isVowel(c)) {
      if (code === '') emit('A');
      last = '';
      i++;
      continue;
    }
    switch (c) {
      case 'c':
        if (next === 'h') {
          const hard = after === 'r' || (i === 0 && after !== undefined && !isVowel(after));
          emit(hard ? 'K' : 'X');
          i += 2;
        } else if (next === 'z') {
          emit('X');
          i += 2;
        } else if (next === 'k') {
          emit('K');
          i += 2;
        } else {
          emit(next === 'e' || next === 'i' || next === 'y' ? 'S' : 'K');
          i++;
        }
        break;
      case 's':
        if (next === 'c' && after === 'h') {
          emit('X');
          i += 3;
        } else if (next === 'h' || next === 'z') {
          emit('X');
          i += 2;
        } else {
          emit('S');
          i++;
        }
        break;
      case 't':
        if (next === 'c' && after === 'h') {
          emit('X');
          i += 3;
        } else if (next === 'h') {
          emit('T');
          i += 2;
        } else if (next === 'z') {
          emit('S');
          i += 2;
        } else {
          emit('T');
          i++;
        }
        break;
      case 'p':
        emit(next === 'h' ? 'F' : 'P');
        i += next === 'h' ? 2 : 1;
        break;
      case 'g':
        if (next === 'h') {
          if (i === 0) emit('K');
          i += 2;
        } else {
          emit('K');
          i++;
        }
        break;
      case 'k':
        emit('K');
        i += next === 'h' ? 2 : 1;
        break;
      case 'w':
        if (isVowel(next)) emit('F');
        i++;
        break;
      case 'x':
        emit('K');
        emit('S');
        i++;
        break;
      case 'h':
        i++;
        break;
      default:
        emit(CONSONANTS[c] ?? '');
        i++;
    }
  }
  return code;
});

const CONSONANTS: Record<string, string> = {
  b: 'B',
  d: 'T',
  f: 'F',
  j: 'J',
  l: 'L',
  m: 'M',
  n: 'N',
  q: 'K',
  r: 'R',
  v: 'F',
  z: 'S',
};
