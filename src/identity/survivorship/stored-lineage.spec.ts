import { computeGolden, type Pin, type SurvivorshipInput } from './compute-golden';
import { lineageRecordIds, storedFields, storeLineage } from './stored-lineage';
import { DEFAULT_SURVIVORSHIP } from './survivorship-rules';

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';
const MAR = '2026-03-01T00:00:00.000Z';

const rec = (id: string, source: string, attributes: SurvivorshipInput['attributes'], at: string) => ({
  id,
  source,
  externalId: `ext-${id}`,
  deleted: false,
  attributes,
  fieldUpdatedAt: Object.fromEntries(Object.keys(attributes).map((k) => [k, at])),
});

const crm = rec(
  '0190a0a0-0000-7000-8000-000000000001',
  'salesforce',
  { email: 'old@x.io', firstName: 'Ann', lastName: 'Lee', 'address.city': 'Oslo', 'address.country': 'NO' },
  JAN,
);
const ma = rec(
  '0190a0a0-0000-7000-8000-000000000002',
  'hubspot',
  { email: 'new@x.io', phone: '+4791234567', 'custom.tier': 'gold' },
  FEB,
);
const pins: Pin[] = [
  { field: 'company', value: 'Typed Ltd', pinnedAt: MAR },
  { field: 'phone', sourceRecordId: ma.id, pinnedAt: MAR },
];

describe('stored lineage', () => {
  const golden = computeGolden([crm, ma], DEFAULT_SURVIVORSHIP, pins);

  it('groups the fields by source record and rule, and typed values under steward by pin time', () => {
    expect(storeLineage(golden.lineage)).toEqual({
      [crm.id]: { sourcePriority: ['address.city', 'address.country', 'firstName', 'lastName'] },
      [ma.id]: { mostRecent: ['custom.tier', 'email'], pin: ['phone'] },
      steward: { [MAR]: ['company'] },
    });
  });

  it('reads back every field with its record, rule and, for typed values, pin time', () => {
    const read = storedFields(storeLineage(golden.lineage));
    expect(read.sort((a, b) => a.field.localeCompare(b.field))).toEqual(
      Object.entries(golden.lineage)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([field, l]) => ({
          field,
          sourceRecordId: l.sourceRecordId,
          rule: l.rule,
          pinnedAt: l.sourceRecordId === null ? l.updatedAt : null,
        })),
    );
    expect(read.find((f) => f.field === 'company')).toEqual({
      field: 'company',
      sourceRecordId: null,
      rule: 'pin',
      pinnedAt: MAR,
    });
    expect(lineageRecordIds(storeLineage(golden.lineage)).sort()).toEqual([crm.id, ma.id]);
  });

  it('stores the same lineage as the same document whatever order its fields were decided in', () => {
    // Object keys are compared regardless of order, as jsonb compares them; the field lists are compared in order.
    const reversed = Object.fromEntries(Object.entries(golden.lineage).reverse());
    expect(storeLineage(reversed)).toEqual(storeLineage(golden.lineage));
  });

  it("writes a one-record profile's record id and rules once, not once per field", () => {
    const one = computeGolden([crm]);
    const perField = JSON.stringify(
      Object.fromEntries(Object.entries(one.lineage).map(([f, l]) => [f, { r: l.sourceRecordId, rule: l.rule }])),
    );
    const grouped = JSON.stringify(storeLineage(one.lineage));
    expect(grouped.split(crm.id).length - 1).toBe(1);
    expect(grouped.length).toBeLessThan(perField.length / 2);
  });

  it('reads nothing from an empty or missing lineage (an erased or merged profile)', () => {
    expect(storedFields({})).toEqual([]);
    expect(storedFields(null)).toEqual([]);
    expect(lineageRecordIds(undefined)).toEqual([]);
  });
});
