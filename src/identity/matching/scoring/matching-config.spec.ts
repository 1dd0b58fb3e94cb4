import { DEFAULT_MATCHING, MATCH_FIELDS, MATCH_LEVELS, validateMatchingConfig } from './matching-config';

const copy = () => structuredClone(DEFAULT_MATCHING) as unknown as Record<string, any>;

describe('validateMatchingConfig', () => {
  it('accepts the defaults and returns an equal, independent copy', () => {
    const config = validateMatchingConfig(DEFAULT_MATCHING);
    expect(config).toEqual(DEFAULT_MATCHING);
    expect(config).not.toBe(DEFAULT_MATCHING);
    expect(Object.isFrozen(DEFAULT_MATCHING.levels.email.exact)).toBe(true);
  });

  it('has every level of every field, exclusive levels summing to at most 1', () => {
    for (const field of MATCH_FIELDS) {
      expect(Object.keys(DEFAULT_MATCHING.levels[field])).toEqual([...MATCH_LEVELS[field]]);
      const exclusive = Object.entries(DEFAULT_MATCHING.levels[field]).filter(([name]) => name !== 'household');
      expect(exclusive.reduce((s, [, p]) => s + p.m, 0)).toBeLessThanOrEqual(1 + 1e-9);
      expect(exclusive.reduce((s, [, p]) => s + p.u, 0)).toBeLessThanOrEqual(1 + 1e-9);
      for (const [name, { m, u }] of exclusive) {
        // Agreement levels are evidence for a match, disagreement against.
        if (name === 'disagree') expect(m).toBeLessThan(u);
      }
    }
  });

  it.each<[string, (c: Record<string, any>) => void, string]>([
    ['not an object', (c) => Object.assign(c, { levels: 3 }), 'identity.matching.levels must be an object'],
    [
      'a threshold that is no number',
      (c) => (c.thresholds.autoMerge = '12'),
      'identity.matching.thresholds.autoMerge must be a number, got "12"',
    ],
    [
      'review above autoMerge',
      (c) => (c.thresholds.review = 40),
      'identity.matching.thresholds.review (40) must not be above autoMerge (24)',
    ],
    [
      'a u of 0',
      (c) => (c.levels.email.exact.u = 0),
      'identity.matching.levels.email.exact.u must be a number in (0, 1], got 0',
    ],
    [
      'an m above 1',
      (c) => (c.levels.name.exact.m = 1.5),
      'identity.matching.levels.name.exact.m must be a number in (0, 1], got 1.5',
    ],
    [
      'a missing level',
      (c) => delete c.levels.city.similar,
      'identity.matching.levels.city.similar must be an object { m, u }',
    ],
    [
      'an unknown level',
      (c) => (c.levels.phone.close = { m: 0.1, u: 0.1 }),
      'identity.matching.levels.phone.close is not a known setting',
    ],
    ['an unknown field', (c) => (c.levels.company = {}), 'identity.matching.levels.company is not a known setting'],
    [
      'levels summing above 1',
      (c) => (c.levels.birthDate.year.m = 0.5),
      'identity.matching.levels.birthDate: the levels are exclusive outcomes, but their m values sum to 1.49 (at most 1)',
    ],
    [
      'a non-boolean switch',
      (c) => (c.termFrequency.enabled = 'yes'),
      'identity.matching.termFrequency.enabled must be true or false',
    ],
    [
      'a typo in a key',
      (c) => (c.treshold = {}),
      'identity.matching.treshold is not a known setting (expected one of: thresholds, levels, termFrequency)',
    ],
  ])('names the path of %s', (_, mutate, message) => {
    const config = copy();
    mutate(config);
    expect(() => validateMatchingConfig(config)).toThrow(message);
  });

  it('uses the path it is given', () => {
    expect(() => validateMatchingConfig(null, 'matching')).toThrow('matching must be an object');
  });
});
