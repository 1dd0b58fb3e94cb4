import { noteRecordsWritten } from '../../src/db/table-statistics';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The statistics a bulk load keeps up to date itself: the look-up tables' early (they only choose plans),
 * `golden_profile`'s late (its surname statistics are matching's term frequencies, which small loads must not
 * see change under them).
 */
describe('statistics of the matching tables during a bulk load (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  const analysed = async (): Promise<string[]> => {
    const rows: { relname: string }[] = await db.dataSource.query(
      `SELECT relname FROM pg_stat_user_tables
        WHERE relname IN ('source_record', 'identifier', 'blocking_key', 'golden_profile') AND last_analyze IS NOT NULL
        ORDER BY relname`,
    );
    return rows.map((r) => r.relname);
  };

  it('analyses the look-up tables from 1,000 written records, golden_profile from 20,000, each again at twice', async () => {
    const logger = createLogger('silent');
    await noteRecordsWritten(db.dataSource, logger, 999);
    expect(await analysed()).toEqual([]);

    await noteRecordsWritten(db.dataSource, logger, 1);
    expect(await analysed()).toEqual(['blocking_key', 'identifier', 'source_record']);
    const [{ at }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS at FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );

    await noteRecordsWritten(db.dataSource, logger, 999); // 1,999: the look-up tables wait for 2,000
    expect(await analysed()).toEqual(['blocking_key', 'identifier', 'source_record']);
    const [{ again }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS again FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );
    expect(again).toBe(at);

    await noteRecordsWritten(db.dataSource, logger, 18_001); // 20,000
    expect(await analysed()).toEqual(['blocking_key', 'golden_profile', 'identifier', 'source_record']);
    const [{ latest }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS latest FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );
    expect(latest).not.toBe(at);
  });
});

/** Which columns have statistics: what a plan (or matching's term frequency) can go by. */
describe('what the statistics cover (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // A few hundred profiles, each with a record, its identifier and keys, and an event: every column has values.
    await db.dataSource.query(
      `WITH g AS (
         INSERT INTO golden_profile (first_name, last_name, email, custom, lineage)
         SELECT 'Anna' || n % 7, 'Nowak' || n % 11, 'anna' || n || '@example.com', jsonb_build_object('score', n),
                jsonb_build_object(gen_random_uuid()::text, jsonb_build_object('mostRecent', jsonb_build_array('email')))
           FROM generate_series(1, 300) AS n
         RETURNING id, email),
       s AS (
         INSERT INTO source_record (source, external_id, profile_id, attributes, field_updated_at, field_sequence,
                                    raw_payload, source_updated_at)
         SELECT 'crm', g.email, g.id, jsonb_build_object('email', g.email), '{"email": "2026-01-01"}',
                '{"email": "1"}', jsonb_build_object('Email', g.email), now()
           FROM g
         RETURNING id, profile_id, external_id),
       i AS (
         INSERT INTO identifier (source_record_id, profile_id, type, value)
         SELECT id, profile_id, 'email', external_id FROM s),
       k AS (
         INSERT INTO blocking_key (key, profile_id, source_record_id)
         SELECT 'e:' || external_id, profile_id, id FROM s)
       INSERT INTO change_event (type, profile_id, payload)
       SELECT 'profile.created', profile_id, jsonb_build_object('email', external_id) FROM s`,
    );
  });
  afterAll(async () => db.destroy());

  const withStatistics = async (): Promise<string[]> => {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT tablename || '.' || attname AS name FROM pg_stats
        WHERE schemaname = current_schema()
          AND tablename IN ('source_record', 'identifier', 'blocking_key', 'golden_profile', 'change_event')
        ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  };

  it('a bulk load analyses the columns it looks profiles up by, and the surnames', async () => {
    await noteRecordsWritten(db.dataSource, createLogger('silent'), 20_000);
    expect(await withStatistics()).toEqual([
      'blocking_key.key',
      'blocking_key.profile_id',
      'blocking_key.source_record_id',
      'golden_profile.id',
      'golden_profile.last_name',
      'golden_profile.merged_into_id',
      'golden_profile.status',
      'identifier.profile_id',
      'identifier.source_record_id',
      'identifier.type',
      'identifier.value',
      'source_record.deleted',
      'source_record.external_id',
      'source_record.id',
      'source_record.profile_id',
      'source_record.source',
    ]);
  });

  it('a plain ANALYZE (autovacuum’s) covers every column but the JSON documents', async () => {
    await db.dataSource.query(`ANALYZE source_record, golden_profile, change_event`);
    const names = await withStatistics();
    expect(names).toEqual(
      expect.arrayContaining(['source_record.source_updated_at', 'golden_profile.email', 'change_event.type']),
    );
    for (const document of [
      'source_record.attributes',
      'source_record.field_updated_at',
      'source_record.field_sequence',
      'source_record.raw_payload',
      'golden_profile.lineage',
      'golden_profile.custom',
      'change_event.payload',
    ]) {
      expect(names).not.toContain(document);
    }
  });
});
