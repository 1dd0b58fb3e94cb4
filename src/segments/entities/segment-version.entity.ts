import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { Segment } from './segment.entity';

/** Every rule a segment has had, by version: which rule put a profile in a segment stays answerable. */
@Entity({ name: 'segment_version' })
@Unique('uq_segment_version_segment_version', ['segmentId', 'version'])
export class SegmentVersion {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_segment_version',
  })
  id!: string;

  @Column({ type: 'uuid' })
  segmentId!: string;

  @ManyToOne(() => Segment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'segment_id', foreignKeyConstraintName: 'fk_segment_version_segment' })
  segment?: Relation<Segment>;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'jsonb' })
  rule!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
