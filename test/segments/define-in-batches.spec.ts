import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { defineSegment } from '../../src/segments/segments';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('defineSegment computes a large membership in batches', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(
      `INSERT INTO golden_profile (id, address_country, lead_score)
       SELECT gen_random_uuid(), CASE WHEN i % 3 = 0 THEN 'PL' ELSE 'DE' END, i FROM generate_series(1, 50) AS i`,
    );
  });
  afterAll(async () => db.destroy());

  it('ends with the same members and one event each, however the batches fall, and then reads active', async () => {
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const first = await defineSegment(
      ctx,
      { key: 'pl', name: 'PL', rule: { field: 'address.country', op: 'eq', value: 'PL' } },
      7,
    );
    expect(first).toMatchObject({ ok: true, version: 1, entered: 16, exited: 0 });
    // A new version over other batch bounds: members of the old rule that the new one drops exit.
    const second = await defineSegment(
      ctx,
      {
        key: 'pl',
        name: 'PL',
        rule: {
          and: [
            { field: 'address.country', op: 'eq', value: 'PL' },
            { field: 'leadScore', op: 'gt', value: 30 },
          ],
        },
      },
      4,
    );
    expect(second).toMatchObject({ ok: true, version: 2, entered: 0, exited: 10 });
    const [{ members, status }] = await db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM segment_membership m WHERE m.segment_id = s.id) AS members, s.status
         FROM segment s WHERE s.key = 'pl'`,
    );
    expect({ members, status }).toEqual({ members: 6, status: 'active' });
    const events = await db.dataSource.query(
      `SELECT type, count(*)::int AS n FROM change_event WHERE segment_key = 'pl' GROUP BY type ORDER BY type`,
    );
    expect(events).toEqual([
      { type: 'segment.defined', n: 2 },
      { type: 'segment.entered', n: 16 },
      { type: 'segment.exited', n: 10 },
    ]);
  });
});
