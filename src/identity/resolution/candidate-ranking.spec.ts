import fc from 'fast-check';
import { bestCandidates, compareCandidates, type RankedCandidate } from './candidate-ranking';

// Few distinct weights, orders and first records, so that ties down to the id are common, as they are for
// profiles one batch created.
const candidates = fc
  .uniqueArray(
    fc.integer({ min: 0, max: 4095 }).map((n) => n.toString(16).padStart(3, '0')),
    { maxLength: 120 },
  )
  .chain((ids) =>
    fc.tuple(
      ...ids.map((profile) =>
        fc.record({
          profile: fc.constant(profile),
          weight: fc.integer({ min: 0, max: 3 }).map((w) => (w === 3 ? 10 : w + 1)),
          order: fc.constantFrom(1_700_000_000_000.5, 1_700_000_000_001, Number.MAX_SAFE_INTEGER - 999_000),
          firstRecord: fc.constantFrom('crm\u00000031', 'crm\u00000032', 'ma\u00000001', '\uffff'),
        }),
      ),
    ),
  );

describe('bestCandidates', () => {
  it('gives the first `limit` of a full sort, in that order, for any candidates and limit', () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 40 }), (list: RankedCandidate[], limit) => {
        const expected = [...list]
          .sort(compareCandidates)
          .slice(0, limit)
          .map((c) => c.profile);
        expect(bestCandidates([...list], limit).map((c) => c.profile)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('ranks by shared weight, then the older profile, then the first record, then the id', () => {
    const c = (profile: string, weight: number, order: number, firstRecord: string): RankedCandidate => ({
      profile,
      weight,
      order,
      firstRecord,
    });
    const list = [c('e', 1, 5, 'a'), c('d', 1, 5, 'b'), c('c', 1, 5, 'b'), c('b', 1, 4, 'z'), c('a', 10, 9, 'z')];
    expect(bestCandidates([...list], 3).map((x) => x.profile)).toEqual(['a', 'b', 'e']);
    expect(bestCandidates([...list], 25).map((x) => x.profile)).toEqual(['a', 'b', 'e', 'c', 'd']);
  });
});
