import fc from 'fast-check';
import {
  clusterFigures,
  evaluate,
  pairwiseScores,
  sliceFigures,
  withLinksJoined,
  type Assignment,
} from '../../bench/identity/metrics';

/** `{ P1: ['r1:A', 'r2:A*'] }` → assignments; `*` marks a name + birth date + address only record. */
function clustering(profiles: Record<string, string[]>): Assignment[] {
  return Object.entries(profiles).flatMap(([profile, records]) =>
    records.map((entry) => {
      const [record, person] = entry.replace('*', '').split(':');
      return { record, person, profile, nameDobAddressOnly: entry.endsWith('*') };
    }),
  );
}

/** The same figures by listing every pair: the reference the counting formulas must agree with. */
function bruteForce(assignments: Assignment[], inSubset: (a: Assignment) => boolean = () => true) {
  let truePairs = 0;
  let predictedPairs = 0;
  let correctPairs = 0;
  for (let i = 0; i < assignments.length; i++) {
    for (let j = i + 1; j < assignments.length; j++) {
      const [a, b] = [assignments[i], assignments[j]];
      if (!inSubset(a) && !inSubset(b)) continue;
      const same = a.person === b.person;
      const joined = a.profile === b.profile;
      if (same) truePairs++;
      if (joined) predictedPairs++;
      if (same && joined) correctPairs++;
    }
  }
  return { truePairs, predictedPairs, correctPairs };
}

// Persons A (r1 r2 r3), B (r4 r5), C (r6). The hub split A and put r3 with B.
const mixed = clustering({
  P1: ['r1:A', 'r2:A'],
  P2: ['r3:A*', 'r4:B', 'r5:B'],
  P3: ['r6:C*'],
});

describe('pairwise scores', () => {
  it('counts correct, joined and true pairs of a hand-made clustering', () => {
    expect(pairwiseScores(mixed)).toEqual({
      truePairs: 4, // r1r2 r1r3 r2r3 r4r5
      predictedPairs: 4, // r1r2 r3r4 r3r5 r4r5
      correctPairs: 2, // r1r2 r4r5
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
  });

  it('is perfect for the true clustering', () => {
    const truth = clustering({ A: ['r1:A', 'r2:A', 'r3:A'], B: ['r4:B', 'r5:B'], C: ['r6:C'] });
    expect(pairwiseScores(truth)).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it('gives precision 1 and recall 0 when the hub joins nothing', () => {
    const singletons = clustering({ P1: ['r1:A'], P2: ['r2:A'], P3: ['r3:B'] });
    expect(pairwiseScores(singletons)).toEqual({
      truePairs: 1,
      predictedPairs: 0,
      correctPairs: 0,
      precision: 1,
      recall: 0,
      f1: 0,
    });
  });

  it('gives recall 1 and low precision when the hub joins everything', () => {
    const one = clustering({ P: ['r1:A', 'r2:A', 'r3:B', 'r4:C'] });
    const scores = pairwiseScores(one);
    expect(scores).toMatchObject({ truePairs: 1, predictedPairs: 6, correctPairs: 1, recall: 1 });
    expect(scores.precision).toBeCloseTo(1 / 6);
    expect(scores.f1).toBeCloseTo((2 * (1 / 6)) / (1 / 6 + 1));
  });

  it('restricted to a subset, counts only the pairs with at least one record in it', () => {
    // Pairs touching r3 or r6: true r1r3 r2r3; joined r3r4 r3r5; none correct.
    expect(pairwiseScores(mixed, (a) => a.nameDobAddressOnly === true)).toEqual({
      truePairs: 2,
      predictedPairs: 2,
      correctPairs: 0,
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });

  it('agrees with listing every pair, for any clustering and any subset', () => {
    const assignment = fc.record({
      person: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
      profile: fc.constantFrom('P1', 'P2', 'P3', 'P4'),
      nameDobAddressOnly: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(assignment, { maxLength: 40 }), (rows) => {
        const assignments = rows.map((r, i) => ({ ...r, record: `r${i}` }));
        const inSlice = (a: Assignment) => a.nameDobAddressOnly === true;
        expect(pairwiseScores(assignments)).toMatchObject(bruteForce(assignments));
        expect(pairwiseScores(assignments, inSlice)).toMatchObject(bruteForce(assignments, inSlice));
      }),
    );
  });
});

describe('cluster figures', () => {
  it('counts exact matches, split persons and over-merged persons and profiles', () => {
    expect(clusterFigures(mixed)).toEqual({
      records: 6,
      persons: 3,
      profiles: 3,
      exactMatches: 1, // C; B shares P2 with r3, A is split
      exactMatchRate: 1 / 3,
      splitPersons: 1, // A
      overMergedPersons: 2, // A and B share P2
      overMergedProfiles: 1, // P2
      personsWithSeveralRecords: 2,
    });
  });

  it('finds every person exact in the true clustering', () => {
    const truth = clustering({ X: ['r1:A', 'r2:A'], Y: ['r3:B'] });
    expect(clusterFigures(truth)).toMatchObject({
      exactMatches: 2,
      exactMatchRate: 1,
      splitPersons: 0,
      overMergedPersons: 0,
      overMergedProfiles: 0,
    });
  });

  it('tells a twin merged into a sibling from a person split in two', () => {
    const twins = clustering({ P1: ['r1:A', 'r2:A', 'r3:T'], P2: ['r4:B'], P3: ['r5:B'] });
    expect(clusterFigures(twins)).toMatchObject({
      persons: 3,
      profiles: 3,
      exactMatches: 0,
      splitPersons: 1, // B
      overMergedPersons: 2, // A and T
      overMergedProfiles: 1,
    });
  });
});

describe('the name + birth date + address slice', () => {
  it('says which slice records found their person and which joined someone else', () => {
    expect(sliceFigures(mixed)).toMatchObject({
      records: 2, // r3, r6
      joinable: 1, // r3 (C has no other record)
      joined: 0, // r3 sits with B's records, not with r1 r2
      wronglyJoined: 1,
    });
    const good = clustering({ P1: ['r1:A', 'r2:A', 'r3:A*'], P2: ['r4:B*'], P3: ['r5:B'] });
    expect(sliceFigures(good)).toMatchObject({ records: 2, joinable: 2, joined: 1, wronglyJoined: 0 });
    expect(sliceFigures(good).pairwise).toMatchObject({ truePairs: 3, predictedPairs: 2, correctPairs: 2 });
  });
});

describe('evaluate', () => {
  it('gathers all figures', () => {
    const result = evaluate(mixed);
    expect(result.pairwise.f1).toBe(0.5);
    expect(result.clusters.exactMatches).toBe(1);
    expect(result.nameDobAddressOnly.records).toBe(2);
  });

  it('refuses two rows for one record', () => {
    expect(() => evaluate([...mixed, mixed[0]])).toThrow(/unique/);
  });

  it('handles no records at all', () => {
    expect(evaluate([]).pairwise).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(evaluate([]).clusters).toMatchObject({ persons: 0, profiles: 0, exactMatchRate: 1 });
  });
});

describe('joining linked profiles (open merge candidates approved)', () => {
  it('joins profiles linked directly or through others, and leaves the rest', () => {
    const joined = withLinksJoined(mixed, [
      ['P3', 'P2'],
      ['P2', 'P1'],
    ]);
    expect(new Set(joined.map((a) => a.profile))).toEqual(new Set(['P1']));
    expect(withLinksJoined(mixed, [['P1', 'P2']]).find((a) => a.record === 'r6')!.profile).toBe('P3');
    expect(withLinksJoined(mixed, [])).toEqual(mixed);
  });

  it('turns a split person whole again when the candidate between the halves is approved', () => {
    const split = clustering({ P1: ['r1:A', 'r2:A'], P2: ['r3:A'], P3: ['r4:B'] });
    expect(pairwiseScores(split).recall).toBeCloseTo(1 / 3);
    expect(pairwiseScores(withLinksJoined(split, [['P2', 'P1']]))).toMatchObject({ precision: 1, recall: 1 });
  });
});
