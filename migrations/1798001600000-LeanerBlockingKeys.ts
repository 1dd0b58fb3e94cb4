import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `blocking_key` is the table the ingest pipeline writes most (five to six rows per source record) and, at a
 * million profiles, the largest after `source_record`. Each row paid for four index entries; two bought nothing:
 * - the surrogate `id` (and `created_at`): nothing reads them; `(source_record_id, key)` is the row's identity and
 *   becomes the primary key (it was already unique, and it serves "replace this record's keys");
 * - the index on `profile_id`: merges and erasure now find a profile's keys through its source records, like
 *   unmerging always did. Its entries, in random uuid order, were the costliest to insert once the index outgrew
 *   memory (26,000 keys into 11 million rows: ~950 ms with it, ~690 ms without).
 * Dropping the columns rewrites nothing; building the primary key reads the table once.
 */
export class LeanerBlockingKeys1798001600000 implements MigrationInterface {
  name = 'LeanerBlockingKeys1798001600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_blocking_key_profile_id`);
    await queryRunner.query(`ALTER TABLE blocking_key DROP CONSTRAINT pk_blocking_key`);
    await queryRunner.query(`ALTER TABLE blocking_key DROP COLUMN id, DROP COLUMN created_at`);
    await queryRunner.query(
      `ALTER TABLE blocking_key DROP CONSTRAINT uq_blocking_key_source_record_key,
         ADD CONSTRAINT pk_blocking_key PRIMARY KEY (source_record_id, key)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE blocking_key DROP CONSTRAINT pk_blocking_key,
         ADD CONSTRAINT uq_blocking_key_source_record_key UNIQUE (source_record_id, key)`,
    );
    await queryRunner.query(
      `ALTER TABLE blocking_key ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
         ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`ALTER TABLE blocking_key ADD CONSTRAINT pk_blocking_key PRIMARY KEY (id)`);
    await queryRunner.query(`CREATE INDEX ix_blocking_key_profile_id ON blocking_key (profile_id)`);
  }
}
