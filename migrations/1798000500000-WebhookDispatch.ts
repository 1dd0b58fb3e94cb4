import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the webhook dispatcher needs beyond the initial tables: the source system a subscription stands for
 * (changes from that source are never sent back to it), and the profile of each delivery, so deliveries for one
 * subscription and profile go out in order while other profiles pass them.
 */
export class WebhookDispatch1798000500000 implements MigrationInterface {
  name = 'WebhookDispatch1798000500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_subscription ADD COLUMN target_source text`);
    await queryRunner.query(`ALTER TABLE webhook_delivery ADD COLUMN profile_id uuid`);
    // The ordering check ("is an earlier delivery for this profile still open?") reads only open deliveries.
    await queryRunner.query(
      `CREATE INDEX ix_webhook_delivery_open_profile ON webhook_delivery (subscription_id, profile_id, id)
        WHERE status IN ('pending', 'failed')`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_webhook_delivery_subscription_id_id ON webhook_delivery (subscription_id, id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_webhook_delivery_subscription_id_id`);
    await queryRunner.query(`DROP INDEX ix_webhook_delivery_open_profile`);
    await queryRunner.query(`ALTER TABLE webhook_delivery DROP COLUMN profile_id`);
    await queryRunner.query(`ALTER TABLE webhook_subscription DROP COLUMN target_source`);
  }
}
