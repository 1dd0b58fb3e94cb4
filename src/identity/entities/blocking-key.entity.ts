import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A blocking key of a source record for probabilistic matching: records that share a key are compared, all
 * others are not, which keeps matching far below O(n²). Recomputed whenever the record's attributes change.
 * The unique constraint leads with `source_record_id` so that it also serves "replace this record's keys".
 * No foreign keys (migration LeanBlockingKeys): derived data, written by the thousand per batch and maintained
 * by the code that owns it — replaced with their record, moved on merges, removed on erasure.
 */
@Entity({ name: 'blocking_key' })
@Unique('uq_blocking_key_source_record_key', ['sourceRecordId', 'key'])
@Index('ix_blocking_key_key', ['key'])
@Index('ix_blocking_key_profile_id', ['profileId'])
export class BlockingKey {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_blocking_key',
  })
  id!: string;

  /** Kind and value, e.g. `n:KFLSK:1980-03-05` (surname code and birth date); see `blockingKeys()`. */
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @Column({ type: 'uuid' })
  sourceRecordId!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
