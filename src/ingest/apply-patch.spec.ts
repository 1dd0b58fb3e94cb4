import { applyPatch } from './apply-patch';
import type { CanonicalRecord } from './canonical-record';

const record = (updatedAt: string, attributes: CanonicalRecord['attributes'], deleted = false): CanonicalRecord => ({
  source: 'crm',
  externalId: '1',
  objectType: 'contact',
  updatedAt,
  deleted,
  attributes,
  identifiers: [],
  links: [],
});

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

  it('does not undo a delete with a late update, but a newer one revives the record', () => {
    const live = applyPatch(undefined, record('2026-01-01T00:00:00.000Z', { lastName: 'A' }));
    const deleted = applyPatch(live.state, record('2026-01-03T00:00:00.000Z', {}, true));
    expect(deleted.state.deleted).toBe(true);
    const late = applyPatch(deleted.state, record('2026-01-02T00:00:00.000Z', { lastName: 'B' }));
    expect(late).toEqual({ state: deleted.state, changed: false });
    const revived = applyPatch(deleted.state, record('2026-01-04T00:00:00.000Z', { lastName: 'C' }));
    expect(revived.state).toMatchObject({ deleted: false, attributes: { lastName: 'C' } });
  });

  it('reports no change when values are the same', () => {
    const first = applyPatch(
      undefined,
      record('2026-01-01T00:00:00.000Z', { email: 'a@x.io', 'custom.tags': ['x', 'y'] }),
    );
    const again = applyPatch(
      first.state,
      record('2026-01-02T00:00:00.000Z', { email: 'a@x.io', 'custom.tags': ['x', 'y'] }),
    );
    expect(again.changed).toBe(false);
  });
});
