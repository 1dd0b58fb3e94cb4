import { applyPatch } from '../apply-patch';
import type { CanonicalRecord } from '../canonical-record';
import { fieldTime, fieldTimes, storedFieldTimes } from './field-times';

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';

const record = (updatedAt: string, attributes: Record<string, unknown>, deleted?: boolean): CanonicalRecord =>
  ({
    source: 'crm',
    externalId: 'c1',
    updatedAt,
    attributes,
    ...(deleted !== undefined ? { deleted } : {}),
  }) as CanonicalRecord;

describe('per-field source times as stored', () => {
  it('stores nothing for a record written by one change', () => {
    const { state } = applyPatch(undefined, record(JAN, { email: 'a@x.io', firstName: 'Ann', jobTitle: null }));
    expect(storedFieldTimes(state.attributes, state.fieldUpdatedAt, state.sourceUpdatedAt)).toEqual({});
  });

  it("stores the fields older than the record's latest change, and the deleted flag's time", () => {
    const first = applyPatch(undefined, record(JAN, { email: 'a@x.io', firstName: 'Ann' })).state;
    const { state } = applyPatch(first, record(FEB, { firstName: 'Anna' }, true));
    const stored = storedFieldTimes(state.attributes, state.fieldUpdatedAt, state.sourceUpdatedAt);
    expect(stored).toEqual({ email: JAN, $deleted: FEB });
    // Read back (the stored document completed in place), the times are those the patch produced.
    expect(fieldTimes(state.attributes, { ...stored }, state.sourceUpdatedAt)).toEqual(state.fieldUpdatedAt);
  });

  it('reads a full map (rows written before compaction) as it is', () => {
    const full = { email: JAN, firstName: FEB };
    expect(fieldTimes({ email: 'a@x.io', firstName: 'Ann' }, { ...full }, FEB)).toEqual(full);
    expect(fieldTime(full, 'email', FEB)).toBe(JAN);
    expect(fieldTime({}, 'email', FEB)).toBe(FEB);
  });

  it("takes the record's time as the database reads it (a Date)", () => {
    expect(fieldTimes({ email: 'a@x.io', firstName: 'Ann' }, { email: JAN }, new Date(FEB))).toEqual({
      email: JAN,
      firstName: FEB,
    });
  });

  it('gives an attribute named like an Object property its own time', () => {
    expect(fieldTimes({ 'custom.x': 1, constructor: 1 } as Record<string, unknown>, {}, FEB)).toEqual({
      'custom.x': FEB,
      constructor: FEB,
    });
  });

  it('leaves a record without a source time as stored', () => {
    expect(fieldTimes({ email: 'a@x.io' }, { email: JAN }, null)).toEqual({ email: JAN });
    expect(fieldTimes({ email: 'a@x.io' }, null, null)).toEqual({});
  });
});
