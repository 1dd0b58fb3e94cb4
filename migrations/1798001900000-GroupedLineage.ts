import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Golden lineage grouped by source record and rule (`StoredLineage` in `stored-lineage.ts`):
 * `{ "<record id>": { "<rule>": [fields] }, "steward": { "<pinned at>": [fields] } }` instead of one
 * `{ r, rule, pinned?, at? }` entry per field. A record id and a rule were written once per field, and that lineage
 * was ~1,100 of a golden row's ~1,350 bytes: the largest part of every row the ingest pipeline wrote, parsed,
 * stored and compared. `hub_lineage_fields(lineage)` gives statements one row per field again.
 * Rewrites every golden row that has lineage, once.
 */
export class GroupedLineage1798001900000 implements MigrationInterface {
  name = 'GroupedLineage1798001900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION hub_lineage_fields(lineage jsonb)
        RETURNS TABLE (field text, source_record_id uuid, rule text, pinned_at text)
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT f.field, CASE WHEN r.key = 'steward' THEN NULL ELSE r.key::uuid END,
                 CASE WHEN r.key = 'steward' THEN 'pin' ELSE g.key END,
                 CASE WHEN r.key = 'steward' THEN g.key END
            FROM jsonb_each(lineage) AS r
           CROSS JOIN LATERAL jsonb_each(r.value) AS g
           CROSS JOIN LATERAL jsonb_array_elements_text(g.value) AS f(field)
        $$`);
    await queryRunner.query(`
      UPDATE golden_profile g SET lineage = x.lineage
        FROM (SELECT id, jsonb_object_agg(key, groups) AS lineage
                FROM (SELECT id, key, jsonb_object_agg(grp, fields) AS groups
                        FROM (SELECT g.id, coalesce(l.value->>'r', 'steward') AS key,
                                     CASE WHEN l.value->>'r' IS NULL THEN coalesce(l.value->>'at', '')
                                          ELSE l.value->>'rule' END AS grp,
                                     jsonb_agg(l.key ORDER BY l.key) AS fields
                                FROM golden_profile g CROSS JOIN LATERAL jsonb_each(g.lineage) AS l
                               GROUP BY 1, 2, 3) AS per_group
                       GROUP BY id, key) AS per_key
               GROUP BY id) AS x
       WHERE g.id = x.id`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE golden_profile g SET lineage = (
        SELECT jsonb_object_agg(f.field, CASE
                 WHEN f.source_record_id IS NULL
                   THEN jsonb_build_object('r', NULL, 'rule', 'pin', 'pinned', true, 'at', f.pinned_at)
                 WHEN f.rule = 'pin' THEN jsonb_build_object('r', f.source_record_id, 'rule', 'pin', 'pinned', true)
                 ELSE jsonb_build_object('r', f.source_record_id, 'rule', f.rule) END)
          FROM hub_lineage_fields(g.lineage) AS f)
       WHERE g.lineage <> '{}'`);
    await queryRunner.query(`DROP FUNCTION hub_lineage_fields(jsonb)`);
  }
}
