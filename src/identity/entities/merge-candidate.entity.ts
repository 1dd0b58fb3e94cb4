import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
  type ValueTransformer,
} from 'typeorm';
import { GoldenProfile } from './golden-profile.entity';
import type { MatchEvidence } from './merge-event.entity';

export type MergeCandidateStatus = 'open' | 'approved' | 'rejected' | 'superseded';
/** `review`: the score fell between the thresholds; `guardrail`: it was high enough but a guardrail blocked it. */
export type MergeCandidateBand = 'review' | 'guardrail';

const decimal: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * A possible match that was not merged automatically and waits in the stewards' review queue, with the evidence.
 * The pair is stored in canonical order (`profile_a_id < profile_b_id`, enforced) so that one open candidate
 * exists per pair at most (partial unique index).
 */
@Entity({ name: 'merge_candidate' })
@Check('ck_merge_candidate_status', "status IN ('open', 'approved', 'rejected', 'superseded')")
@Check('ck_merge_candidate_pair_order', 'profile_a_id < profile_b_id')
@Index('uq_merge_candidate_open_pair', ['profileAId', 'profileBId'], { unique: true, where: "status = 'open'" })
@Index('ix_merge_candidate_status_created_at', ['status', 'createdAt'])
@Index('ix_merge_candidate_profile_a_id', ['profileAId'])
@Index('ix_merge_candidate_profile_b_id', ['profileBId'])
export class MergeCandidate {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_merge_candidate' })
  id!: string;

  @Column({ type: 'uuid' })
  profileAId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_a_id', foreignKeyConstraintName: 'fk_merge_candidate_profile_a' })
  profileA?: Relation<GoldenProfile>;

  @Column({ type: 'uuid' })
  profileBId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_b_id', foreignKeyConstraintName: 'fk_merge_candidate_profile_b' })
  profileB?: Relation<GoldenProfile>;

  /** The incoming source record whose match produced the candidate, if any. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;

  @Column({ type: 'numeric', precision: 8, scale: 3, transformer: decimal })
  score!: number;

  @Column({ type: 'text' })
  band!: MergeCandidateBand;

  /** Why it was not merged automatically, e.g. a guardrail code such as `conflicting_birth_date`. */
  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'jsonb', default: {} })
  evidence!: MatchEvidence;

  @Column({ type: 'text', default: 'open' })
  status!: MergeCandidateStatus;

  @Column({ type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  decisionNote!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
