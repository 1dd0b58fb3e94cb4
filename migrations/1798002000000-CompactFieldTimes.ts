import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `source_updated_at` as the ISO 8601 text the per-field times are kept in (`Date.toISOString`). */
const RECORD_TIME = `to_char(s.source_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `source_record.field_updated_at` keeps only the times that differ from the record's `source_updated_at`
 * (`src/ingest/store/field-times.ts`): an attribute without an entry has the record's time. Most records are written
 * by one change, and the full map repeated its time once per field — ~580 bytes of a ~1,600-byte row. Readers
 * accept both forms (an entry always wins), so this only makes existing rows as small as new ones; it rewrites
 * every source record once. Down writes every attribute's time again.
 */
export class CompactFieldTimes1798002000000 implements MigrationInterface {
  name = 'CompactFieldTimes1798002000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE source_record s SET field_updated_at = (
        SELECT coalesce(jsonb_object_agg(t.key, t.value), '{}')
          FROM jsonb_each(s.field_updated_at) AS t
         WHERE NOT (s.attributes ? t.key AND t.value = to_jsonb(${RECORD_TIME})))
       WHERE s.source_updated_at IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE source_record s SET field_updated_at = (
        SELECT coalesce(jsonb_object_agg(a.key, to_jsonb(${RECORD_TIME})), '{}')
          FROM jsonb_object_keys(s.attributes) AS a(key)) || s.field_updated_at
       WHERE s.source_updated_at IS NOT NULL`);
  }
}
