import fc from 'fast-check';
import { sortStrings } from './sort-strings';

describe('sortStrings', () => {
  it('sorts as Array#sort does, sorted lists and unsorted ones, astral characters included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 12 }), fc.boolean(), (list, presorted) => {
        const input = presorted ? [...list].sort() : [...list];
        const expected = [...input].sort();
        sortStrings(input);
        expect(input).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
