import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocking keys are derived data the ingest pipeline writes by the thousand per batch and maintains itself
 * (replaced with their record, moved on merges, deleted on erasure): foreign-key checks on every row cost more
 * than they protect.
 */
export class LeanBlockingKeys1798000200000 implements MigrationInterface {
  name = 'LeanBlockingKeys1798000200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE blocking_key DROP CONSTRAINT fk_blocking_key_profile`);
    await queryRunner.query(`ALTER TABLE blocking_key DROP CONSTRAINT fk_blocking_key_source_record`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE blocking_key ADD CONSTRAINT fk_blocking_key_source_record FOREIGN KEY (source_record_id)
         REFERENCES source_record (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE blocking_key ADD CONSTRAINT fk_blocking_key_profile FOREIGN KEY (profile_id)
         REFERENCES golden_profile (id) ON DELETE CASCADE`,
    );
  }
}
