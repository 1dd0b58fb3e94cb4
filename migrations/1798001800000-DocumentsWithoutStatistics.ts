import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The JSON documents no statement filters by: their statistics would only cost every ANALYZE sampling time. */
const DOCUMENTS: Record<string, string[]> = {
  source_record: ['attributes', 'field_updated_at', 'field_sequence', 'raw_payload'],
  golden_profile: ['lineage', 'custom'],
  change_event: ['payload'],
};

/**
 * No statistics for the JSON documents of source records, golden profiles and change events. Nothing the hub runs
 * filters or joins by a whole document (custom fields are read through `->>`, whose estimates never use a column's
 * statistics), yet every ANALYZE — autovacuum's during a long import too — sorted a sample of each: the
 * `source_record` ANALYZE at 17,000 records took ~260 ms with them, ~122 ms without. Set back with `-1` (the
 * server's default target).
 */
export class DocumentsWithoutStatistics1798001800000 implements MigrationInterface {
  name = 'DocumentsWithoutStatistics1798001800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.target(queryRunner, 0);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.target(queryRunner, -1);
  }

  private async target(queryRunner: QueryRunner, target: number): Promise<void> {
    for (const [table, columns] of Object.entries(DOCUMENTS)) {
      const clauses = columns.map((column) => `ALTER COLUMN ${column} SET STATISTICS ${target}`);
      await queryRunner.query(`ALTER TABLE ${table} ${clauses.join(', ')}`);
    }
  }
}
