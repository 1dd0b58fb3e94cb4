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
import type { StoredLineage } from '../survivorship/stored-lineage';

export type GoldenProfileStatus = 'active' | 'merged' | 'erased';

/** numeric → number; a numeric(10,2) score fits a double without loss. */
const decimal: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * One person: the golden record built from every source record resolved to them, by per-field survivorship.
 * A profile that was absorbed by a merge stays as a `merged` tombstone pointing at its survivor, so old ids
 * still resolve; an erased profile keeps only its id, status and `erased_at`.
 *
 * Expression indexes that entities cannot express live in the migration and are declared here with
 * `synchronize: false` so the schema comparison leaves them alone:
 * - `ix_golden_profile_email_lower` on `lower(email)`
 * - `ix_golden_profile_name_lower` on `(lower(last_name), lower(first_name))`
 */
@Entity({ name: 'golden_profile' })
@Check('ck_golden_profile_status', "status IN ('active', 'merged', 'erased')")
@Index('ix_golden_profile_status', ['status'])
@Index('ix_golden_profile_merged_into_id', ['mergedIntoId'])
@Index('ix_golden_profile_updated_at', ['updatedAt'])
@Index('ix_golden_profile_email_lower', { synchronize: false })
@Index('ix_golden_profile_name_lower', { synchronize: false })
@Index('ix_golden_profile_last_name_prefix', { synchronize: false })
@Index('ix_golden_profile_first_name_prefix', { synchronize: false })
export class GoldenProfile {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_golden_profile' })
  id!: string;

  @Column({ type: 'text', default: 'active' })
  status!: GoldenProfileStatus;

  /** For a `merged` profile: the survivor it was merged into (follow the chain to the live profile). */
  @Column({ type: 'uuid', nullable: true })
  mergedIntoId!: string | null;

  @ManyToOne(() => GoldenProfile, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'merged_into_id', foreignKeyConstraintName: 'fk_golden_profile_merged_into' })
  mergedInto?: Relation<GoldenProfile> | null;

  /** Bumped on every change; optimistic concurrency and the `version` in change events. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  /** E.164 when the source gave a parseable number. */
  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Column({ type: 'text', nullable: true })
  firstName!: string | null;

  @Column({ type: 'text', nullable: true })
  lastName!: string | null;

  /** ISO date `YYYY-MM-DD`. */
  @Column({ type: 'date', nullable: true })
  birthDate!: string | null;

  @Column({ type: 'text', nullable: true })
  company!: string | null;

  @Column({ type: 'text', nullable: true })
  jobTitle!: string | null;

  @Column({ type: 'text', nullable: true })
  addressLine1!: string | null;

  @Column({ type: 'text', nullable: true })
  addressLine2!: string | null;

  @Column({ type: 'text', nullable: true })
  addressCity!: string | null;

  @Column({ type: 'text', nullable: true })
  addressPostalCode!: string | null;

  @Column({ type: 'text', nullable: true })
  addressRegion!: string | null;

  /** ISO 3166-1 alpha-2. */
  @Column({ type: 'varchar', length: 2, nullable: true })
  addressCountry!: string | null;

  /** Golden values of custom attributes: key → value. */
  @Column({ type: 'jsonb', default: {} })
  custom!: Record<string, unknown>;

  /**
   * Where each golden value came from and which rule chose it, grouped by source record and rule (`StoredLineage`);
   * `findProfilesByIds` reads it as lineage per field path.
   */
  @Column({ type: 'jsonb', default: {} })
  lineage!: StoredLineage;

  @Column({ type: 'numeric', precision: 10, scale: 2, default: 0, transformer: decimal })
  leadScore!: number;

  @Column({ type: 'text', nullable: true })
  lifecycleStage!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;
}
