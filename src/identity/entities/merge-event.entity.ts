import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, type ValueTransformer } from 'typeorm';

export type MergeEventKind = 'merge' | 'unmerge';
/** What caused it: automatic match, a data steward, a merge implied by another merge, a declared link. */
export type MergeTrigger = 'auto' | 'steward' | 'transitive' | 'link';

/** One weighted comparison behind a match score, e.g. `{ field: 'email', method: 'exact', weight: 4.2 }`. */
export interface MatchEvidence {
  comparisons?: { field: string; method: string; weight: number; [key: string]: unknown }[];
  total?: number;
  [key: string]: unknown;
}

const decimal: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * The merge history, append-only, with the evidence for each decision. A `merge` absorbs
 * `absorbed_profile_id` into `survivor_profile_id`; an `unmerge` splits `source_record_id` out of
 * `survivor_profile_id` into `target_profile_id`. There are deliberately no foreign keys: the history must
 * outlive the profiles it mentions (erasure removes their PII, not the fact that a merge happened).
 */
@Entity({ name: 'merge_event' })
@Check('ck_merge_event_kind', "kind IN ('merge', 'unmerge')")
@Index('ix_merge_event_survivor_profile_id', ['survivorProfileId'])
@Index('ix_merge_event_absorbed_profile_id', ['absorbedProfileId'])
@Index('ix_merge_event_source_record_id', ['sourceRecordId'])
@Index('ix_merge_event_created_at', ['createdAt'])
export class MergeEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_merge_event' })
  id!: string;

  @Column({ type: 'text' })
  kind!: MergeEventKind;

  /** merge: the profile that lives on; unmerge: the profile the record was split out of. */
  @Column({ type: 'uuid' })
  survivorProfileId!: string;

  /** merge only: the profile that became a `merged` tombstone. */
  @Column({ type: 'uuid', nullable: true })
  absorbedProfileId!: string | null;

  /** unmerge only: the source record that was split out. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;

  /** unmerge only: the profile the split record now belongs to. */
  @Column({ type: 'uuid', nullable: true })
  targetProfileId!: string | null;

  @Column({ type: 'text' })
  trigger!: MergeTrigger;

  /** Token subject, `system` or `cli`. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** Match score for automatic and candidate-based merges. */
  @Column({ type: 'numeric', precision: 8, scale: 3, nullable: true, transformer: decimal })
  score!: number | null;

  @Column({ type: 'jsonb', default: {} })
  evidence!: MatchEvidence;

  /** The merge candidate a steward approved, when there was one. */
  @Column({ type: 'uuid', nullable: true })
  mergeCandidateId!: string | null;

  /** Set on a merge once an unmerge has undone it. */
  @Column({ type: 'uuid', nullable: true })
  revertedByEventId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
