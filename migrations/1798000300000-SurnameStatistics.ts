import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity resolution reads how common a surname is from PostgreSQL's column statistics (most common values):
 * keep the 1,000 commonest surnames instead of the default 100, so the term-frequency adjustment knows every
 * name common enough to matter.
 */
export class SurnameStatistics1798000300000 implements MigrationInterface {
  name = 'SurnameStatistics1798000300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE golden_profile ALTER COLUMN last_name SET STATISTICS 1000`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE golden_profile ALTER COLUMN last_name SET STATISTICS -1`);
  }
}
