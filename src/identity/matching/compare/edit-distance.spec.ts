import fc from 'fast-check';
import { editDistance } from './edit-distance';

describe('editDistance', () => {
  it.each([
    ['kowalski', 'kowalski', 0],
    ['kowalski', 'kowlaski', 1],
    ['kowalski', 'kowalsky', 1],
    ['anna', 'ann', 1],
    ['steven', 'stveen', 1],
    ['peter', 'peae', 2],
    ['', 'abc', 3],
    ['ca', 'abc', 3],
    [' U', 'U! ', 3],
  ])('%s / %s → %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('is symmetric, zero only for equal strings, and stops early above max', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(editDistance(a, b, 1)).toBe(Math.min(d, 2));
      }),
      { numRuns: 2000 },
    );
  });
});
