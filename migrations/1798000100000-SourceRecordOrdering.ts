import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-field ordering for source records: a field's value is replaced only by a newer one, where "newer" is the
 * source timestamp, then the source's own sequence (e.g. Salesforce `commitNumber`), so that records arriving
 * in any order converge on one state. Also keeps why a record was deleted (`merged`, `privacy_deletion` …).
 */
export class SourceRecordOrdering1798000100000 implements MigrationInterface {
  name = 'SourceRecordOrdering1798000100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE source_record ADD COLUMN field_sequence jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE source_record ADD COLUMN delete_reason text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE source_record DROP COLUMN delete_reason`);
    await queryRunner.query(`ALTER TABLE source_record DROP COLUMN field_sequence`);
  }
}
