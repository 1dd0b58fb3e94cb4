import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `identifier` rows are derived from their source record, like blocking keys: written by the thousand per ingest
 * batch, moved with their record on merges and splits, removed with it on erasure (`erase-profile.ts` deletes
 * them by profile and by record, before the records). Their two foreign keys checked every inserted row against
 * `source_record` and `golden_profile` — a look-up each, most of the statement's cost — and their cascades never
 * ran: source records are deleted only by erasure, after their identifiers, and golden profiles never. The
 * indexes stay (look-up by value, by profile for merges, uniqueness per record).
 */
export class LeanIdentifiers1798001700000 implements MigrationInterface {
  name = 'LeanIdentifiers1798001700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE identifier DROP CONSTRAINT fk_identifier_source_record, DROP CONSTRAINT fk_identifier_profile`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE identifier
         ADD CONSTRAINT fk_identifier_source_record FOREIGN KEY (source_record_id)
           REFERENCES source_record (id) ON DELETE CASCADE,
         ADD CONSTRAINT fk_identifier_profile FOREIGN KEY (profile_id)
           REFERENCES golden_profile (id) ON DELETE CASCADE`,
    );
  }
}
