import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access, erasure and retention:
 * - `privacy_key`: the generated suppression HMAC key of a deployment without `PRIVACY_HMAC_KEY` (development
 *   and tests only; production requires the variable). One row, so every hub process on the database shares it.
 * - `change_event.redacted_at`: when erasure or retention scrubbed the event's payload (the row and its cursor
 *   stay, so the feed never skips); the partial index lets retention find what is still to scrub.
 * - indexes for retention (oldest first) and for scrubbing the webhook deliveries of an event.
 */
export class Privacy1798000800000 implements MigrationInterface {
  name = 'Privacy1798000800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE privacy_key (
        id         smallint    NOT NULL DEFAULT 1,
        hmac_key   text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_privacy_key PRIMARY KEY (id),
        CONSTRAINT ck_privacy_key_single_row CHECK (id = 1)
      )`);
    await queryRunner.query(`ALTER TABLE change_event ADD COLUMN redacted_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX ix_change_event_unredacted_occurred_at ON change_event (occurred_at) WHERE redacted_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX ix_engagement_event_occurred_at ON engagement_event (occurred_at)`);
    await queryRunner.query(`CREATE INDEX ix_dead_letter_created_at ON dead_letter (created_at)`);
    await queryRunner.query(`CREATE INDEX ix_webhook_delivery_change_event_id ON webhook_delivery (change_event_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_webhook_delivery_change_event_id`);
    await queryRunner.query(`DROP INDEX ix_dead_letter_created_at`);
    await queryRunner.query(`DROP INDEX ix_engagement_event_occurred_at`);
    await queryRunner.query(`DROP INDEX ix_change_event_unredacted_occurred_at`);
    await queryRunner.query(`ALTER TABLE change_event DROP COLUMN redacted_at`);
    await queryRunner.query(`DROP TABLE privacy_key`);
  }
}
