import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { GoldenProfile } from './golden-profile.entity';
import { SourceRecord } from './source-record.entity';

/**
 * A blocking key of a source record for probabilistic matching: records that share a key are compared, all
 * others are not, which keeps matching far below O(n²). Recomputed whenever the record's attributes change.
 * The unique constraint leads with `source_record_id` so that it also serves "replace this record's keys" and
 * the cascade from `source_record`.
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

  /** Blocking function and value, e.g. `ln_sx:S530|by:1980` (Soundex of last name and birth year). */
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_blocking_key_profile' })
  profile?: Relation<GoldenProfile>;

  @Column({ type: 'uuid' })
  sourceRecordId!: string;

  @ManyToOne(() => SourceRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_record_id', foreignKeyConstraintName: 'fk_blocking_key_source_record' })
  sourceRecord?: Relation<SourceRecord>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
