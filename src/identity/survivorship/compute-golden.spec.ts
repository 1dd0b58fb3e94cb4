import { computeGolden, type SurvivorshipInput } from './compute-golden';

const rec = (
  id: string,
  source: string,
  attributes: SurvivorshipInput['attributes'],
  at: string,
  deleted = false,
): SurvivorshipInput => ({
  id,
  source,
  externalId: id,
  deleted,
  attributes,
  fieldUpdatedAt: Object.fromEntries(Object.keys(attributes).map((k) => [k, at])),
});

describe('computeGolden', () => {
  const crm = rec('r1', 'salesforce', { email: 'old@x.io', firstName: 'Ann' }, '2026-01-01T00:00:00Z');
  const ma = rec('r2', 'hubspot', { email: 'new@x.io', phone: null }, '2026-02-01T00:00:00Z');

  it('takes the most recent value per field and records its lineage', () => {
    const golden = computeGolden([crm, ma]);
    expect(golden.attributes).toEqual({ email: 'new@x.io', firstName: 'Ann' });
    expect(golden.lineage.email).toEqual({
      value: 'new@x.io',
      source: 'hubspot',
      sourceRecordId: 'r2',
      rule: 'mostRecent',
      updatedAt: '2026-02-01T00:00:00Z',
      pinned: false,
    });
  });

  it('gives the same answer whatever the order of the records', () => {
    const tie = rec('r3', 'marketo', { firstName: 'Anna' }, '2026-01-01T00:00:00Z');
    expect(computeGolden([crm, ma, tie])).toEqual(computeGolden([tie, ma, crm]));
    expect(computeGolden([tie, crm]).attributes.firstName).toBe('Anna'); // tie broken by source key
  });

  it('ignores deleted records', () => {
    expect(computeGolden([crm, { ...ma, deleted: true }]).attributes.email).toBe('old@x.io');
  });
});
