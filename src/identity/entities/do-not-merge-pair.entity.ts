import {
  Check,
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
import { SourceRecord } from './source-record.entity';

/**
 * Two source records a steward declared to be different people (by rejecting a candidate or unmerging):
 * matching never puts them in one profile again. Kept per source record, not per profile, because profiles
 * come and go with merges. Stored in canonical order (`source_record_a_id < source_record_b_id`, enforced).
 */
@Entity({ name: 'do_not_merge_pair' })
@Check('ck_do_not_merge_pair_order', 'source_record_a_id < source_record_b_id')
@Unique('uq_do_not_merge_pair_a_b', ['sourceRecordAId', 'sourceRecordBId'])
@Index('ix_do_not_merge_pair_b', ['sourceRecordBId'])
export class DoNotMergePair {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_do_not_merge_pair',
  })
  id!: string;

  @Column({ type: 'uuid' })
  sourceRecordAId!: string;

  @ManyToOne(() => SourceRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_record_a_id', foreignKeyConstraintName: 'fk_do_not_merge_pair_source_record_a' })
  sourceRecordA?: Relation<SourceRecord>;

  @Column({ type: 'uuid' })
  sourceRecordBId!: string;

  @ManyToOne(() => SourceRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_record_b_id', foreignKeyConstraintName: 'fk_do_not_merge_pair_source_record_b' })
  sourceRecordB?: Relation<SourceRecord>;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  createdBy!: string;

  /** The rejected merge candidate this came from, if any. */
  @Column({ type: 'uuid', nullable: true })
  mergeCandidateId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
