import fc from 'fast-check';
import { AgeRanks, bestSharing, compareAge, type ProfileAge, type ProfileNode } from './candidate-ranking';

/** The order `bestSharing` must give, as a full sort: most-sharing first, then the older profile. */
interface Candidate extends ProfileAge {
  weight: number;
  /** Not among the loaded or created profiles: ranks as the youngest (`ageOf` in resolve-identities). */
  unranked: boolean;
}
const UNRANKED_AGE = { order: Number.MAX_SAFE_INTEGER, firstRecord: '\uffff' };
const reference = (a: Candidate, b: Candidate) => b.weight - a.weight || compareAge(a, b);

// Few distinct weights, orders and first records, so that ties down to the id are common, as they are for
// profiles one batch created; some profiles without a rank.
const candidates = fc
  .uniqueArray(
    fc.integer({ min: 0, max: 4095 }).map((n) => n.toString(16).padStart(3, '0')),
    { maxLength: 120 },
  )
  .chain((ids) =>
    fc.tuple(
      ...ids.map((profile) =>
        fc
          .record({
            profile: fc.constant(profile),
            weight: fc.integer({ min: 0, max: 3 }).map((w) => (w === 3 ? 10 : w + 1)),
            order: fc.constantFrom(1_700_000_000_000.5, 1_700_000_000_001, Number.MAX_SAFE_INTEGER - 999_000),
            firstRecord: fc.constantFrom('crm\u00000031', 'crm\u00000032', 'ma\u00000001', '\uffff'),
            unranked: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
          })
          .map((c): Candidate => (c.unranked ? { ...c, ...UNRANKED_AGE } : c)),
      ),
    ),
  );

/** `bestSharing` as the batch calls it: the candidates' nodes, each holding its weight. */
function shared(ranks: AgeRanks, weights: [string, number][]): ProfileNode[] {
  return weights.map(([profile, weight]) => {
    const node = ranks.node(profile);
    node.weight = weight;
    return node;
  });
}

const best = (list: Candidate[], limit: number) =>
  bestSharing(
    shared(
      new AgeRanks(list.filter((c) => !c.unranked)),
      list.map((c) => [c.profile, c.weight]),
    ),
    limit,
  ).map((node) => node.id);

describe('bestSharing and AgeRanks', () => {
  it('gives the first `limit` of a full sort by weight and age, in that order, for any candidates and limit', () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 40 }), (list: Candidate[], limit) => {
        const expected = [...list]
          .sort(reference)
          .slice(0, limit)
          .map((c) => c.profile);
        expect(best(list, limit)).toEqual(expected);
        const ranks = new AgeRanks(list.filter((c) => !c.unranked));
        const byAge = (order: (a: Candidate, b: Candidate) => number) => [...list].sort(order).map((c) => c.profile);
        expect(byAge((a, b) => ranks.compare(a.profile, b.profile))).toEqual(byAge(compareAge));
      }),
      { numRuns: 300 },
    );
  });

  it('ranks by shared weight, then the older profile, then the first record, then the id; unknown ones last', () => {
    const c = (profile: string, weight: number, order: number, firstRecord: string): Candidate => ({
      profile,
      weight,
      order,
      firstRecord,
      unranked: false,
    });
    const unknown = (profile: string, weight: number): Candidate => ({
      profile,
      weight,
      ...UNRANKED_AGE,
      unranked: true,
    });
    const list = [
      unknown('g', 1),
      c('e', 1, 5, 'a'),
      unknown('f', 1),
      c('d', 1, 5, 'b'),
      c('c', 1, 5, 'b'),
      c('b', 1, 4, 'z'),
      c('a', 10, 9, 'z'),
    ];
    expect(best(list, 3)).toEqual(['a', 'b', 'e']);
    expect(best(list, 25)).toEqual(['a', 'b', 'e', 'c', 'd', 'f', 'g']);
  });

  it('ranks a profile added as the youngest after every one ranked before it', () => {
    const ranks = new AgeRanks([
      { profile: 'old', order: 1, firstRecord: 'a' },
      { profile: 'older', order: 0, firstRecord: 'a' },
    ]);
    ranks.addYoungest('new');
    expect(
      bestSharing(
        shared(ranks, [
          ['new', 1],
          ['old', 1],
          ['older', 1],
          ['zz-unknown', 1],
        ]),
        4,
      ).map((node) => node.id),
    ).toEqual(['older', 'old', 'new', 'zz-unknown']);
    const byAge = ['zz-unknown', 'new', 'b-unknown', 'old', 'older'].sort((a, b) => ranks.compare(a, b));
    expect(byAge).toEqual(['older', 'old', 'new', 'b-unknown', 'zz-unknown']);
  });
});
