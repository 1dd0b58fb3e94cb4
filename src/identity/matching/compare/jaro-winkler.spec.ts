import fc from 'fast-check';
import { jaro, jaroWinkler } from './jaro-winkler';

describe('jaro / jaroWinkler', () => {
  it.each([
    // Textbook values (Winkler 1990; the Wikipedia article's table).
    ['MARTHA', 'MARHTA', 0.944, 0.961],
    ['DWAYNE', 'DUANE', 0.822, 0.84],
    ['DIXON', 'DICKSONX', 0.767, 0.813],
    ['JELLYFISH', 'SMELLYFISH', 0.896, 0.896],
  ])('%s / %s: Jaro %d, Jaro-Winkler %d', (a, b, expectedJaro, expectedWinkler) => {
    expect(jaro(a, b)).toBeCloseTo(expectedJaro, 3);
    expect(jaroWinkler(a, b)).toBeCloseTo(expectedWinkler, 3);
  });

  it('gives 1 for equal strings, 0 for nothing in common or one empty side', () => {
    expect(jaroWinkler('kowalski', 'kowalski')).toBe(1);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('abc', '')).toBe(0);
  });

  it('caps the prefix bonus at 4 characters and only boosts pairs above Jaro 0.7', () => {
    const j = jaro('kowalskiab', 'kowalskiba');
    expect(jaroWinkler('kowalskiab', 'kowalskiba')).toBeCloseTo(j + 4 * 0.1 * (1 - j), 12);
    expect(jaro('ab', 'ac')).toBeLessThanOrEqual(0.7);
    expect(jaroWinkler('ab', 'ac')).toBe(jaro('ab', 'ac'));
  });

  it('separates the levels the name comparison relies on', () => {
    expect(jaroWinkler('kowalski', 'kowalsky')).toBeGreaterThanOrEqual(0.94);
    expect(jaroWinkler('katarzyna', 'katarzina')).toBeGreaterThanOrEqual(0.94);
    expect(jaroWinkler('maria', 'marta')).toBeLessThan(0.94);
    expect(jaroWinkler('jan', 'janusz')).toBeLessThan(0.94);
  });

  const word = fc.string({ maxLength: 12, unit: fc.constantFrom(...'abcdeijklmnorsz') });

  it('is within [0, 1], symmetric, 1 on equal strings, and never below Jaro', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const s = jaroWinkler(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(jaroWinkler(b, a)).toBe(s);
        expect(jaroWinkler(a, a)).toBe(1);
        expect(s).toBeGreaterThanOrEqual(Math.min(jaro(a, b), jaro(b, a)) - 1e-12);
      }),
      { numRuns: 500 },
    );
  });
});
