import fc from 'fast-check';
import { sortStrings } from './sort-strings';

describe('sortStrings', () => {
  it('sorts as Array#sort does, sorted lists and unsorted ones, astral characters included', () => {
    // Up to 100 strings: lists sorted by insertion (up to 64) and by Array#sort; short ones repeat often.
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('a', 'B', 'ą'), maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 100 }), fc.boolean(), (list, presorted) => {
        const input = presorted ? [...list].sort() : [...list];
        const expected = [...input].sort();
        sortStrings(input);
        expect(input).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
