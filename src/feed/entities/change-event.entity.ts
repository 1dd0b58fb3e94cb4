import { Column, Entity, Generated, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * The outbox: every state change writes its change event in the same transaction, and the change feed
 * (GraphQL subscriptions, webhooks, the broker) reads only from here.
 *
 * Why the cursor is `(txid, position)` and not `position` alone: `position` comes from a sequence, so it is
 * handed out at insert time, but transactions commit in any order. A reader that had already seen position 11
 * could later see a transaction commit its position 10 and, resuming "after 11", skip it forever. Instead each
 * row records the id of the transaction that wrote it (`txid`, default `hub_current_txid()`, which is
 * `pg_current_xact_id()::text::bigint` plus `feed_txid_offset`, 0 until a restore — see `FeedTxidOffset`), and the
 * feed reads
 *
 *   WHERE (txid, position) > (:cursorTxid, :cursorPosition)
 *     AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
 *   ORDER BY txid, position
 *
 * The second condition only admits transactions older than every transaction still running, i.e. ones that
 * have committed or rolled back for good; no transaction can later appear below that horizon. So the order
 * `(txid, position)` never gains a row behind a cursor that was already handed out, and the feed never skips
 * an event however transactions interleave. `hub_feed_horizon()` returns that snapshot horizon as a bigint.
 * The price: an event becomes visible only once every older transaction on the whole PostgreSQL server has
 * ended (snapshots are server-wide), so keep transactions short and watch for idle-in-transaction sessions.
 *
 * Expected write pattern: `INSERT INTO change_event (type, profile_id, …)` inside the state change's
 * transaction, leaving `position`, `txid`, `id` and `occurred_at` to their defaults (an explicit `id` is fine).
 * An insert also fires `NOTIFY change_event` (statement trigger), which is only a wake-up: delivery at commit.
 */
@Entity({ name: 'change_event' })
@Unique('uq_change_event_id', ['id'])
@Index('uq_change_event_cursor', ['txid', 'position'], { unique: true })
@Index('ix_change_event_profile_id_position', ['profileId', 'position'])
@Index('ix_change_event_type_position', ['type', 'position'])
@Index('ix_change_event_unredacted_occurred_at', ['occurredAt'], { where: 'redacted_at IS NULL' })
@Index('ix_change_event_segment_key_cursor', ['segmentKey', 'txid', 'position'], { where: 'segment_key IS NOT NULL' })
export class ChangeEvent {
  /** Insert order (identity). Meaningful only together with `txid`; see the class comment. */
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_change_event',
  })
  position!: string;

  /** Id of the transaction that wrote the event (64-bit, epoch-extended, so it never wraps). */
  @Column({ type: 'bigint', default: () => 'hub_current_txid()' })
  txid!: string;

  /** Public event id (`gen_random_uuid()` unless the writer supplies one). */
  @Column({ type: 'uuid' })
  @Generated('uuid')
  id!: string;

  /** e.g. `profile.updated`, `profile.merged`, `segment.entered`, `consent.changed`. */
  @Column({ type: 'text' })
  type!: string;

  /** No foreign key on purpose: events outlive the profiles they are about. */
  @Column({ type: 'uuid', nullable: true })
  profileId!: string | null;

  @Column({ type: 'text', nullable: true })
  segmentKey!: string | null;

  /** The source whose record caused the change: sync does not echo a change back to where it came from. */
  @Column({ type: 'text', nullable: true })
  originSource!: string | null;

  @Column({ type: 'jsonb', default: {} })
  payload!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  /**
   * When erasure or retention replaced the payload with `{ "redacted": "erasure" | "retention" }`; the row and its
   * cursor stay, so the feed never skips.
   */
  @Column({ type: 'timestamptz', nullable: true })
  redactedAt!: Date | null;
}
