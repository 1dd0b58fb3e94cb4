import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The feed cursor is `(txid, position)` with `txid` the writing transaction's id (see `ChangeEvent`). Transaction
 * ids belong to a PostgreSQL server, not to a database: a backup restored onto another server (or a new one)
 * carries `txid`s that server has not reached yet, so its new events would sort before the restored ones and the
 * horizon would hide the restored ones. `feed_txid_offset` (one row, 0 until a restore) is added to the server's
 * transaction ids in both `hub_current_txid()` and `hub_feed_horizon()`; `profile-hub restore` raises it so that
 * every new `txid` lies far above every restored one (and above any the old server handed out after the backup) —
 * the clients' cursors stay valid across the restore. It changes only while no hub runs on the database (restore
 * refuses otherwise).
 */
export class FeedTxidOffset1798001500000 implements MigrationInterface {
  name = 'FeedTxidOffset1798001500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE feed_txid_offset (
        singleton   boolean NOT NULL DEFAULT true,
        txid_offset bigint  NOT NULL DEFAULT 0,
        CONSTRAINT pk_feed_txid_offset PRIMARY KEY (singleton),
        CONSTRAINT ck_feed_txid_offset_singleton CHECK (singleton),
        CONSTRAINT ck_feed_txid_offset_non_negative CHECK (txid_offset >= 0)
      )`);
    await queryRunner.query(`INSERT INTO feed_txid_offset DEFAULT VALUES`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION hub_current_txid() RETURNS bigint
        LANGUAGE sql VOLATILE
        AS $$ SELECT pg_current_xact_id()::text::bigint + (SELECT txid_offset FROM feed_txid_offset) $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION hub_feed_horizon() RETURNS bigint
        LANGUAGE sql STABLE
        AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint + (SELECT txid_offset FROM feed_txid_offset) $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION hub_feed_horizon() RETURNS bigint
        LANGUAGE sql STABLE
        AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION hub_current_txid() RETURNS bigint
        LANGUAGE sql VOLATILE
        AS $$ SELECT pg_current_xact_id()::text::bigint $$`);
    await queryRunner.query(`DROP TABLE feed_txid_offset`);
  }
}
