import { inTransaction, systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { mergeProfilesBySteward, unmergeSourceRecord } from '../../src/identity/merge/steward-actions';
import { identityKeys } from '../../src/identity/resolution/identity-keys';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The rows the pipeline derives from a source record — identifiers and blocking keys — always match the record's
 * current state and profile, whether a change touches them (a new email, a tombstone, an undelete) or not (a new
 * job title leaves them as they were).
 */
describe('identifiers and blocking keys follow their source record', () => {
  let db: TestDatabase;
  let at = 0;
  const ingest = async (attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const [outcome] = await ingestBatch(ctx, {
      source: 'salesforce',
      transport: 'file',
      records: [
        {
          externalId: '003-derived',
          updatedAt: new Date(Date.parse('2026-11-01T10:00:00Z') + ++at * 60_000).toISOString(),
          attributes,
          ...extra,
        },
      ],
    });
    expect(outcome.status).not.toBe('REJECTED');
    return outcome;
  };
  const rows = async () => {
    const [record] = await db.dataSource.query(
      `SELECT id, profile_id, attributes, deleted FROM source_record WHERE external_id = '003-derived'`,
    );
    const identifiers: { type: string; value: string; profile_id: string }[] = await db.dataSource.query(
      `SELECT type, value, profile_id FROM identifier WHERE source_record_id = $1 ORDER BY type, value`,
      [record.id],
    );
    const keys: { key: string; profile_id: string }[] = await db.dataSource.query(
      `SELECT key, profile_id FROM blocking_key WHERE source_record_id = $1 ORDER BY key`,
      [record.id],
    );
    return { record, identifiers, keys };
  };
  /** What the rows must be for the record as stored now. */
  const expectInStep = async () => {
    const { record, identifiers, keys } = await rows();
    const expectedIdentifiers = record.deleted
      ? []
      : (['email', 'phone'] as const)
          .filter((type) => typeof record.attributes[type] === 'string')
          .map((type): { type: string; value: unknown; profile_id: unknown } => ({
            type,
            value: record.attributes[type],
            profile_id: record.profile_id,
          }))
          .concat([{ type: 'customerNumber', value: 'C-1', profile_id: record.profile_id }])
          .sort((a, b) => (a.type + a.value < b.type + b.value ? -1 : 1));
    expect(identifiers).toEqual(expectedIdentifiers);
    const expectedKeys = record.deleted ? [] : [...identityKeys(record.attributes, []).blockingKeys].sort();
    expect(keys.map((k) => k.key)).toEqual(expectedKeys);
    expect(keys.every((k) => k.profile_id === record.profile_id)).toBe(true);
    return { identifiers, keys };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('keeps them in step through creation, unrelated and related updates, a tombstone and an undelete', async () => {
    const person = {
      email: 'ann.kowalska@example.com',
      phone: '+48600700800',
      firstName: 'Ann',
      lastName: 'Kowalska',
      birthDate: '1980-03-05',
      address: { line1: 'Floriańska 5', city: 'Kraków', postalCode: '30-001', country: 'PL' },
    };
    const identifiers = [{ type: 'customerNumber', value: 'C-1' }];
    await ingest(person, { identifiers });
    const created = await expectInStep();
    expect(created.keys.length).toBeGreaterThan(3);

    // Nothing identity resolution reads changes: the rows stay as they were.
    expect((await ingest({ jobTitle: 'CTO' }, { identifiers })).status).toBe('UPDATED');
    expect(await expectInStep()).toEqual(created);

    // A new email and surname: the contact point and the keys that hold them follow.
    expect((await ingest({ email: 'ann.nowak@example.com', lastName: 'Nowak' }, { identifiers })).status).toBe(
      'UPDATED',
    );
    const moved = await expectInStep();
    expect(moved.identifiers.map((i) => i.value)).toContain('ann.nowak@example.com');
    expect(moved.identifiers.map((i) => i.value)).not.toContain('ann.kowalska@example.com');
    expect(moved.keys).not.toEqual(created.keys);

    // A cleared phone goes.
    await ingest({ phone: null }, { identifiers });
    expect((await expectInStep()).identifiers.map((i) => i.type)).not.toContain('phone');

    // A tombstone holds nothing that matches; an undelete brings it all back.
    await ingest({}, { deleted: true });
    expect(await expectInStep()).toEqual({ identifiers: [], keys: [] });
    await ingest({ jobTitle: 'CEO' }, { deleted: false, identifiers });
    expect((await expectInStep()).keys.length).toBeGreaterThan(3);
  });

  it('move with their records when a steward merges two profiles and splits one out again', async () => {
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    // Two people the matcher keeps apart (nothing in common), each with two records.
    const people = [
      { firstName: 'Olga', lastName: 'Wrona', birthDate: '1971-02-11', email: 'olga.w@example.org' },
      { firstName: 'Piotr', lastName: 'Sikora', birthDate: '1990-09-30', email: 'psikora@example.net' },
    ];
    for (const [i, attributes] of people.entries()) {
      for (const source of ['salesforce', 'hubspot']) {
        await ingestBatch(ctx, {
          source,
          transport: 'file',
          records: [{ externalId: `move-${i}`, updatedAt: '2026-11-02T10:00:00Z', attributes }],
        });
      }
    }
    const keysByProfile = async () => {
      const found: { profile_id: string; record_profile: string; n: number }[] = await db.dataSource.query(
        `SELECT b.profile_id, s.profile_id AS record_profile, count(*)::int AS n
           FROM blocking_key b JOIN source_record s ON s.id = b.source_record_id
          WHERE s.external_id LIKE 'move-%' GROUP BY 1, 2 ORDER BY 3, 1`,
      );
      return found;
    };
    const before = await keysByProfile();
    expect(before).toHaveLength(2);
    expect(before.every((row) => row.profile_id === row.record_profile)).toBe(true);
    const keyCount = before.reduce((sum, row) => sum + row.n, 0);

    const merged = await inTransaction(ctx, (tx) =>
      mergeProfilesBySteward(tx, { profileIds: [before[0].profile_id, before[1].profile_id] }),
    );
    if (!merged.ok) throw new Error(merged.message);
    expect(await keysByProfile()).toEqual([
      { profile_id: merged.survivorId, record_profile: merged.survivorId, n: keyCount },
    ]);

    const [record] = await db.dataSource.query(
      `SELECT id FROM source_record WHERE external_id = 'move-0' AND source = 'hubspot'`,
    );
    const split = await inTransaction(ctx, (tx) => unmergeSourceRecord(tx, { sourceRecordId: record.id }));
    if (!split.ok) throw new Error(split.message);
    const after = await keysByProfile();
    expect(after).toHaveLength(2);
    expect(after.every((row) => row.profile_id === row.record_profile)).toBe(true);
    expect(after.map((row) => row.profile_id).sort()).toEqual([merged.survivorId, split.toProfileId].sort());
  });
});
