import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `profiles(filter: { search })` finds active profiles by the beginning of a first or last name, case-insensitive:
 * prefix indexes (`text_pattern_ops`, so `LIKE 'abc%'` uses them whatever the database's collation).
 */
export class ProfileSearch1798001000000 implements MigrationInterface {
  name = 'ProfileSearch1798001000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_golden_profile_last_name_prefix ON golden_profile (lower(last_name) text_pattern_ops)
        WHERE status = 'active'`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_golden_profile_first_name_prefix ON golden_profile (lower(first_name) text_pattern_ops)
        WHERE status = 'active'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_golden_profile_first_name_prefix`);
    await queryRunner.query(`DROP INDEX ix_golden_profile_last_name_prefix`);
  }
}
