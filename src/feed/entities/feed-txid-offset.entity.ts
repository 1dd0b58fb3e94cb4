import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row: what `hub_current_txid()` and `hub_feed_horizon()` add to the server's transaction ids. 0 until the
 * database is restored from a backup; then `profile-hub restore` raises it so that every new event sorts after
 * every restored one — on any server, whatever its transaction ids — and clients' cursors stay valid (see the
 * `FeedTxidOffset` migration). Never changed while a hub runs on the database.
 */
@Entity({ name: 'feed_txid_offset' })
@Check('ck_feed_txid_offset_singleton', 'singleton')
@Check('ck_feed_txid_offset_non_negative', 'txid_offset >= 0')
export class FeedTxidOffset {
  @PrimaryColumn({ type: 'boolean', default: true, primaryKeyConstraintName: 'pk_feed_txid_offset' })
  singleton!: boolean;

  /** bigint, read as a string. */
  @Column({ type: 'bigint', default: 0 })
  txidOffset!: string;
}
