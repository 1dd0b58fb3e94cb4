import fc from 'fast-check';
import { applyPatch, stableJson, type SourceRecordState } from './apply-patch';
import type { CanonicalRecord } from './canonical-record';

const record = (
  updatedAt: string,
  attributes: CanonicalRecord['attributes'],
  extra: Partial<CanonicalRecord> = {},
): CanonicalRecord => ({
  source: 'crm',
  externalId: '1',
  objectType: 'contact',
  updatedAt,
  attributes,
  identifiers: [],
  links: [],
  consents: [],
  events: [],
  ...extra,
});

const fold = (records: CanonicalRecord[]) =>
  records.reduce<SourceRecordState | undefined>((state, r) => applyPatch(state, r).state, undefined)!;

describe('applyPatch', () => {
  it('applies a patch field by field and leaves absent fields alone', () => {
    const first = applyPatch(undefined, record('2026-01-01T00:00:00.000Z', { email: 'a@x.io', firstName: 'Ann' }));
    const second = applyPatch(first.state, record('2026-01-02T00:00:00.000Z', { firstName: null }));
    expect(second.changed).toBe(true);
    expect(second.state.attributes).toEqual({ email: 'a@x.io', firstName: null });
    expect(second.state.fieldUpdatedAt).toEqual({
      email: '2026-01-01T00:00:00.000Z',
      firstName: '2026-01-02T00:00:00.000Z',
    });
  });

  it('never lets an older update overwrite a newer value', () => {
    const newer = applyPatch(undefined, record('2026-01-05T00:00:00.000Z', { lastName: 'New' }));
    const older = applyPatch(newer.state, record('2026-01-01T00:00:00.000Z', { lastName: 'Old', company: 'Acme' }));
    expect(older.state.attributes).toEqual({ lastName: 'New', company: 'Acme' });
    expect(older.changed).toBe(true);
  });

  it('orders equal timestamps by the source sequence, beyond 2^53 exactly', () => {
    const a = record('2026-01-01T00:00:00.000Z', { lastName: 'First' }, { sequence: '9007199254740993' });
    const b = record('2026-01-01T00:00:00.000Z', { lastName: 'Second' }, { sequence: '9007199254740994' });
    expect(fold([a, b]).attributes.lastName).toBe('Second');
    expect(fold([b, a]).attributes.lastName).toBe('Second');
  });

  it('keeps a delete against late and newer plain updates; only an undelete revives', () => {
    const live = record('2026-01-01T00:00:00.000Z', { lastName: 'A' });
    const deleted = record('2026-01-03T00:00:00.000Z', {}, { deleted: true, deleteReason: 'merged' });
    const late = record('2026-01-02T00:00:00.000Z', { lastName: 'B' });
    const newer = record('2026-01-04T00:00:00.000Z', { lastName: 'C' });
    const state = fold([live, deleted, late, newer]);
    expect(state).toMatchObject({ deleted: true, deleteReason: 'merged', attributes: { lastName: 'C' } });
    const undelete = record('2026-01-05T00:00:00.000Z', {}, { deleted: false });
    expect(fold([live, deleted, late, newer, undelete])).toMatchObject({ deleted: false, deleteReason: null });
    const staleUndelete = record('2026-01-02T12:00:00.000Z', {}, { deleted: false });
    expect(fold([live, deleted, staleUndelete]).deleted).toBe(true);
  });

  it('reports no change when values are the same', () => {
    const first = applyPatch(undefined, record('2026-01-01T00:00:00.000Z', { email: 'a@x.io', 'custom.tags': ['x'] }));
    const again = applyPatch(
      first.state,
      record('2026-01-02T00:00:00.000Z', { email: 'a@x.io', 'custom.tags': ['x'] }),
    );
    expect(again.changed).toBe(false);
  });

  it('reaches the same state whatever order, with duplicates, the records arrive in', () => {
    const change = fc.record({
      day: fc.integer({ min: 1, max: 6 }),
      sequence: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), { nil: undefined }),
      attributes: fc.dictionary(
        fc.constantFrom('email', 'firstName', 'lastName', 'custom.tier'),
        fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
        { maxKeys: 3 },
      ),
      deleted: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 12 }), fc.infiniteStream(fc.nat()), (changes, random) => {
        const records = changes.map((c) =>
          record(`2026-01-0${c.day}T00:00:00.000Z`, c.attributes, {
            ...(c.sequence !== undefined ? { sequence: c.sequence } : {}),
            ...(c.deleted !== undefined ? { deleted: c.deleted } : {}),
          }),
        );
        const shuffled = [...records, ...records.slice(0, 3)]
          .map((r) => ({ r, k: random.next().value }))
          .sort((a, b) => a.k - b.k)
          .map(({ r }) => r);
        const inOrder = fold(records);
        const anyOrder = fold(shuffled);
        expect(anyOrder).toEqual(inOrder);
      }),
      { numRuns: 300 },
    );
  });

  it("takes a record's first arrival as the general path takes it onto an empty state", () => {
    const empty: SourceRecordState = {
      attributes: {},
      fieldUpdatedAt: {},
      fieldSequence: {},
      deleted: false,
      deleteReason: null,
      sourceUpdatedAt: null,
      sourceSequence: null,
    };
    const first = fc.record({
      sequence: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), { nil: undefined }),
      attributes: fc.dictionary(
        fc.constantFrom('email', 'firstName', 'address.city', 'custom.tier', 'custom.tags'),
        fc.option(fc.oneof(fc.constantFrom('a', 'b'), fc.constant(['x', 'y'] as string[]), fc.integer()), {
          nil: null,
        }),
        { maxKeys: 5 },
      ),
      deleted: fc.option(fc.boolean(), { nil: undefined }),
      deleteReason: fc.option(fc.constantFrom('merged', 'gdpr'), { nil: undefined }),
    });
    fc.assert(
      fc.property(first, (c) => {
        const r = record('2026-01-03T00:00:00.000Z', c.attributes, {
          ...(c.sequence !== undefined ? { sequence: c.sequence } : {}),
          ...(c.deleted !== undefined ? { deleted: c.deleted } : {}),
          ...(c.deleteReason !== undefined ? { deleteReason: c.deleteReason } : {}),
        });
        const fresh = applyPatch(undefined, r);
        const general = applyPatch(empty, r);
        expect(fresh.state).toEqual(general.state);
        // Same key order too: the state is stored and compared as JSON.
        expect(JSON.stringify(fresh.state)).toBe(JSON.stringify(general.state));
        expect(fresh).toMatchObject({ changed: true, touched: true });
      }),
      { numRuns: 300 },
    );
  });
});

describe('stableJson', () => {
  // The text as first written: entries sorted by key, each element and value in turn.
  const reference = (value: unknown): string => {
    if (value === undefined) return 'undefined';
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  };

  it('writes the same text as sorting the entries, for any JSON value, nested, undefined inside arrays included', () => {
    const key = fc.oneof(fc.constantFrom('city', 'line1', 'a', 'B', 'ą', '"q"', ''), fc.string({ maxLength: 4 }));
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.constant(undefined),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(key, tie('any'), { maxKeys: 6 }),
      ),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        expect(stableJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives equal objects one text whatever the order of their keys', () => {
    expect(stableJson({ city: 'Kraków', line1: 'Długa 12', postalCode: '30-001' })).toBe(
      stableJson({ postalCode: '30-001', city: 'Kraków', line1: 'Długa 12' }),
    );
  });
});
