import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A blocking key of a source record for probabilistic matching: records that share a key are compared, all
 * others are not, which keeps matching far below O(n²). Recomputed whenever the record's attributes change.
 * The primary key leads with `source_record_id` so that it also serves "replace this record's keys" and finds a
 * profile's keys through its records (merges, erasure). No foreign keys, no surrogate id, no index on
 * `profile_id` (migrations LeanBlockingKeys, LeanerBlockingKeys): derived data, written by the thousand per batch
 * and maintained by the code that owns it — replaced with their record, moved on merges, removed on erasure.
 * The look-up index by key is a hash index (migration HashBlockingKeyIndex: matching asks only `key = …`), which
 * TypeORM cannot declare: `synchronize: false`, so the schema comparison leaves it alone and reports it if missing.
 */
@Entity({ name: 'blocking_key' })
@Index('ix_blocking_key_key', { synchronize: false })
export class BlockingKey {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_blocking_key' })
  sourceRecordId!: string;

  /** Kind and value, e.g. `n:KFLSK:1980-03-05` (surname code and birth date); see `blockingKeys()`. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_blocking_key' })
  key!: string;

  /** The profile of the record (moved with it on merges and splits). */
  @Column({ type: 'uuid' })
  profileId!: string;
}
