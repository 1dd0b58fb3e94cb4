import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

export type SegmentStatus = 'active' | 'computing' | 'deleted';

/**
 * A named segment: a rule tree (data, never code: validated and compiled to parameterised SQL) and its
 * membership in `segment_membership`. Deleting a segment marks it `deleted` so that exits can still be emitted.
 */
@Entity({ name: 'segment' })
@Check('ck_segment_status', "status IN ('active', 'computing', 'deleted')")
@Unique('uq_segment_key', ['key'])
export class Segment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_segment' })
  id!: string;

  /** Stable public key, e.g. `high-value-leads`; what feeds and webhooks filter on. */
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** The current rule tree. */
  @Column({ type: 'jsonb' })
  rule!: Record<string, unknown>;

  /** Current rule version; each redefinition adds a `segment_version` row. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  @Column({ type: 'text', default: 'active' })
  status!: SegmentStatus;

  @Column({ type: 'text', nullable: true })
  createdBy!: string | null;

  /** When membership was last fully recomputed. */
  @Column({ type: 'timestamptz', nullable: true })
  computedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
