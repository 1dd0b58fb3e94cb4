import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A big batch is written slice by slice while matching decides the next slice (`WRITE_SLICE`). A later slice can
 * add records to a profile an earlier slice created and wrote, or join two such profiles: the stored result must
 * be the one the batch decided as a whole — the same people, the same golden values, a feed whose last event
 * per profile carries its golden version — with the joining of two written profiles recorded as a merge.
 */
describe('a batch written slice by slice', () => {
  const at = '2026-11-20T09:00:00.000Z';
  const customerNumbers = (...values: string[]) => values.map((value) => ({ type: 'customerNumber', value }));
  const lead = (externalId: string, attributes: Record<string, unknown>, identifiers: object[] = []) => ({
    source: 'ma',
    externalId,
    objectType: 'lead',
    updatedAt: at,
    identifiers,
    attributes,
  });
  const records = [
    // slice 1
    lead(
      'L-A',
      { firstName: 'Ewa', lastName: 'Zielińska', email: 'ewa.zielinska@example.com' },
      customerNumbers('C-1'),
    ),
    // Nothing but the customer number ties this lead to Ewa: a name the CRM does not know.
    lead('L-B', { firstName: 'E.', lastName: 'Zielińska-Wróbel', jobTitle: 'Architect' }, customerNumbers('C-2')),
    // slice 2: the CRM contact joins L-A's profile by email and brings the city …
    {
      source: 'crm',
      externalId: 'C-1',
      updatedAt: at,
      attributes: {
        firstName: 'Ewa',
        lastName: 'Zielińska',
        email: 'ewa.zielinska@example.com',
        address: { city: 'Warszawa', country: 'PL' },
      },
    },
    // … and a lead declaring both customer numbers joins L-A's and L-B's profiles.
    lead('L-C', { firstName: 'Ewa', lastName: 'Zielińska' }, customerNumbers('C-1', 'C-2')),
    // slice 3: somebody else.
    lead('L-D', { firstName: 'Olga', lastName: 'Nowicka', email: 'olga.nowicka@example.com' }),
  ];

  interface Stored {
    outcomes: { externalId: string; profileId: string | null; status: string }[];
    /** External ids per live profile, and that profile's golden values and version. */
    people: { records: string[]; golden: Record<string, unknown>; version: number }[];
    tombstones: { id: string; merged_into_id: string }[];
    merges: { survivor_profile_id: string; absorbed_profile_id: string; trigger: string }[];
    /** Per live profile, its profile.* events in feed order: type and version. */
    feed: Map<string, { type: string; version: number | null }[]>;
  }

  const ingestInto = async (db: TestDatabase, writeSlice?: number): Promise<Stored> => {
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const outcomes = await ingestBatch(ctx, { transport: 'file', records, writeSlice });
    const live: { id: string; version: number; golden: Record<string, unknown>; records: string[] }[] =
      await db.dataSource.query(
        `SELECT g.id, g.version,
                jsonb_build_object('firstName', g.first_name, 'lastName', g.last_name, 'email', g.email,
                                   'city', g.address_city, 'jobTitle', g.job_title) AS golden,
                array_agg(s.source || '/' || s.external_id ORDER BY s.source, s.external_id) AS records
           FROM golden_profile g JOIN source_record s ON s.profile_id = g.id
          WHERE g.status = 'active' GROUP BY g.id ORDER BY min(s.external_id)`,
      );
    const events: { profile_id: string; type: string; version: number | null }[] = await db.dataSource.query(
      `SELECT profile_id, type, (payload ->> 'version')::int AS version FROM change_event
        WHERE type LIKE 'profile.%' AND type <> 'profile.lifecycle_changed' ORDER BY txid, position`,
    );
    const feed = new Map<string, { type: string; version: number | null }[]>();
    for (const e of events)
      feed.set(e.profile_id, [...(feed.get(e.profile_id) ?? []), { type: e.type, version: e.version }]);
    return {
      outcomes: outcomes.map((o) => ({
        externalId: 'externalId' in o ? o.externalId : '',
        profileId: 'profileId' in o ? o.profileId : null,
        status: o.status,
      })),
      people: live.map((p) => ({ records: p.records, golden: p.golden, version: p.version })),
      tombstones: await db.dataSource.query(
        `SELECT id, merged_into_id FROM golden_profile WHERE status <> 'active' ORDER BY id`,
      ),
      merges: await db.dataSource.query(
        `SELECT survivor_profile_id, absorbed_profile_id, trigger FROM merge_event WHERE kind = 'merge'`,
      ),
      feed,
    };
  };

  let whole: TestDatabase;
  let sliced: TestDatabase;
  beforeAll(async () => {
    [whole, sliced] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([whole?.destroy(), sliced?.destroy()]);
  });

  it('stores the people, golden values and feed the batch decided as a whole', async () => {
    const asOne = await ingestInto(whole);
    const inSlices = await ingestInto(sliced, 2);

    const people = [['crm/C-1', 'ma/L-A', 'ma/L-B', 'ma/L-C'], ['ma/L-D']];
    expect(asOne.people.map((p) => p.records)).toEqual(people);
    expect(inSlices.people.map((p) => p.records)).toEqual(people);
    expect(inSlices.people.map((p) => p.golden)).toEqual(asOne.people.map((p) => p.golden));
    expect(inSlices.people[0].golden).toMatchObject({
      email: 'ewa.zielinska@example.com',
      city: 'Warszawa',
      jobTitle: 'Architect',
    });

    // Every record's outcome names the live profile it ended on.
    for (const run of [asOne, inSlices]) {
      const liveOf = new Map(run.people.flatMap((p, i) => p.records.map((r) => [r.split('/')[1], i])));
      const ids = [...new Set(run.outcomes.map((o) => o.profileId))];
      expect(ids).toHaveLength(2);
      expect(run.outcomes.every((o) => o.status === 'CREATED')).toBe(true);
      for (const o of run.outcomes) {
        const sameAs = run.outcomes.filter((p) => liveOf.get(p.externalId) === liveOf.get(o.externalId));
        expect(sameAs.every((p) => p.profileId === o.profileId)).toBe(true);
      }
    }

    // Whole: L-B's profile was created and absorbed before anything was written — it never existed.
    expect(asOne.tombstones).toEqual([]);
    expect(asOne.merges).toEqual([]);
    // Sliced: the first slice wrote it, so joining it is a merge into L-A's profile, with its tombstone.
    const survivor = inSlices.outcomes[0].profileId;
    expect(inSlices.tombstones).toEqual([{ id: expect.any(String), merged_into_id: survivor }]);
    expect(inSlices.merges).toEqual([
      { survivor_profile_id: survivor, absorbed_profile_id: inSlices.tombstones[0].id, trigger: 'transitive' },
    ]);
    expect(inSlices.feed.get(inSlices.tombstones[0].id)!.map((e) => e.type)).toEqual([
      'profile.created',
      'profile.merged',
    ]);

    // The feed's last golden event of each live profile carries the profile's version; a profile that later
    // slices added records to was created with the first slice's values and updated once with the rest.
    for (const run of [asOne, inSlices]) {
      for (const person of run.people) {
        const id = run.outcomes.find((o) => o.externalId === person.records[0].split('/')[1])!.profileId!;
        const golden = run.feed.get(id)!.filter((e) => e.type === 'profile.created' || e.type === 'profile.updated');
        expect(golden.at(-1)!.version).toBe(person.version);
      }
    }
    expect(asOne.feed.get(asOne.outcomes[0].profileId!)!.map((e) => e.type)).toEqual(['profile.created']);
    expect(inSlices.feed.get(survivor!)).toEqual([
      { type: 'profile.created', version: 1 },
      { type: 'profile.updated', version: 2 },
    ]);
  });
});
