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
} from 'typeorm';
import { GoldenProfile } from './golden-profile.entity';

export type ConflictStatus = 'open' | 'resolved' | 'closed';
/** `concurrent_edit`: sources changed the field at the same instant; `undecidable`: the rules could not choose. */
export type ConflictReason = 'concurrent_edit' | 'undecidable';

/** One competing value of a conflicting field, with where it came from. */
export interface ConflictCandidate {
  value: unknown;
  source: string | null;
  sourceRecordId: string | null;
  updatedAt: string | null;
  [key: string]: unknown;
}

/**
 * A golden field survivorship could not settle on its own, waiting for a steward. At most one open conflict per
 * profile and field (partial unique index); resolved and closed ones remain as history.
 */
@Entity({ name: 'conflict' })
@Check('ck_conflict_status', "status IN ('open', 'resolved', 'closed')")
@Index('uq_conflict_open_profile_field', ['profileId', 'field'], { unique: true, where: "status = 'open'" })
@Index('ix_conflict_status_created_at', ['status', 'createdAt'])
@Index('ix_conflict_profile_id', ['profileId'])
export class Conflict {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_conflict' })
  id!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_conflict_profile' })
  profile?: Relation<GoldenProfile>;

  /** Field path, e.g. `email`, `address.city`, `custom.tier`. */
  @Column({ type: 'text' })
  field!: string;

  @Column({ type: 'text', default: 'open' })
  status!: ConflictStatus;

  @Column({ type: 'text' })
  reason!: ConflictReason;

  @Column({ type: 'jsonb', default: [] })
  candidates!: ConflictCandidate[];

  /** How it was resolved: the chosen value and whether it was pinned. */
  @Column({ type: 'jsonb', nullable: true })
  resolution!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  resolvedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
