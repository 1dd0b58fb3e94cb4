import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `Segment.recentChanges`: a segment's latest entries and exits, newest first, without reading the whole feed. */
export class SegmentChanges1798001100000 implements MigrationInterface {
  name = 'SegmentChanges1798001100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_change_event_segment_key_cursor ON change_event (segment_key, txid, position)
        WHERE segment_key IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_change_event_segment_key_cursor`);
  }
}
