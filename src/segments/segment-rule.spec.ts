import { isTimeRelative, referencedSegments, SegmentRuleError, validateSegmentRule } from './segment-rule';

const invalid = (rule: unknown) => {
  try {
    validateSegmentRule(rule);
  } catch (error) {
    if (error instanceof SegmentRuleError) return { path: error.path, message: error.message };
    throw error;
  }
  throw new Error('accepted');
};

describe('validateSegmentRule', () => {
  it('accepts every kind of node and returns a fresh copy', () => {
    const rule = {
      and: [
        { field: 'address.country', op: 'in', value: ['PL', 'DE'] },
        { not: { field: 'custom.tier', op: 'eq', value: 'bronze' } },
        { or: [{ identifier: 'email' }, { consent: { purpose: 'email_marketing', channel: 'email' } }] },
        { events: { type: 'email_clicked', atLeast: 2, days: 30 } },
        { field: 'leadScore', op: 'between', value: [10, 50] },
        { segment: 'newsletter' },
        { field: 'phone', op: 'exists' },
      ],
    };
    const valid = validateSegmentRule(rule);
    expect(valid).toEqual(rule);
    expect(valid).not.toBe(rule);
    expect(referencedSegments(valid)).toEqual(['newsletter']);
    expect(isTimeRelative(valid)).toBe(true);
    expect(isTimeRelative({ field: 'email', op: 'exists' })).toBe(false);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown field', { field: 'constructor', op: 'eq', value: 'x' }, '$.field', /unknown field "constructor"/],
    ['__proto__ as a key', JSON.parse('{"and":[{"__proto__":{"x":1}}]}'), '$.and[0]', /"__proto__" is not allowed/],
    ['constructor as a key', { and: [{ constructor: 1 }] }, '$.and[0]', /"constructor" is not allowed/],
    ['an unknown operator', { field: 'email', op: 'like', value: '%a%' }, '$.op', /unknown operator "like"/],
    [
      'a SQL fragment as a field',
      { field: "email'; DROP TABLE golden_profile; --", op: 'eq', value: 1 },
      '$.field',
      /unknown field/,
    ],
    ['a SQL fragment in a segment key', { segment: "x') OR 1=1 --" }, '$.segment', /lower-case key/],
    ['an unknown node', { where: 'email IS NOT NULL' }, '$', /unknown node \("where"\)/],
    ['an empty and', { and: [] }, '$.and', /non-empty list/],
    ['extra keys beside a combinator', { and: [{ identifier: 'email' }], or: [] }, '$', /stands alone/],
    ['a string score', { field: 'leadScore', op: 'gt', value: '10' }, '$.value', /compares with numbers/],
    ['between without two values', { field: 'leadScore', op: 'between', value: [1] }, '$.value', /\[low, high\]/],
    [
      'mixed types in a list',
      { field: 'custom.tier', op: 'in', value: ['gold', 3] },
      '$.value',
      /all numbers or all strings/,
    ],
    [
      'mixed types in a range',
      { field: 'custom.tier', op: 'between', value: [1, 'z'] },
      '$.value',
      /both numbers or both strings/,
    ],
    ['a value for exists', { field: 'email', op: 'exists', value: 'x' }, '$.value', /takes no value/],
    ['events without a bound', { events: { type: 'opened', days: 3 } }, '$.events', /exactly one of atLeast/],
    [
      'events over too long',
      { events: { type: 'opened', atLeast: 1, days: 99999 } },
      '$.events.days',
      /from 1 to 3650/,
    ],
    [
      'a nested bad node',
      { or: [{ identifier: 'email' }, { not: { field: 'email', op: 'regex', value: '.*' } }] },
      '$.or[1].not.op',
      /unknown operator/,
    ],
    ['a non-object', 'email = 1', '$', /must be an object/],
  ])('rejects %s, naming the path', (_, rule, path, message) => {
    const error = invalid(rule);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('refuses trees too deep or too large', () => {
    let deep: unknown = { identifier: 'email' };
    for (let i = 0; i < 20; i++) deep = { not: deep };
    expect(invalid(deep).message).toMatch(/nests at most/);
    const wide = { or: Array.from({ length: 300 }, () => ({ identifier: 'email' })) };
    expect(invalid(wide).message).toMatch(/at most 200 nodes/);
  });
});
