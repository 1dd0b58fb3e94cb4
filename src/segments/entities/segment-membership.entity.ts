import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { GoldenProfile } from '../../identity/entities/golden-profile.entity';
import { Segment } from './segment.entity';

/** A profile currently in a segment. Entries and exits are change events; this table is the present state. */
@Entity({ name: 'segment_membership' })
@Index('ix_segment_membership_profile_id', ['profileId'])
export class SegmentMembership {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_segment_membership' })
  segmentId!: string;

  @ManyToOne(() => Segment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'segment_id', foreignKeyConstraintName: 'fk_segment_membership_segment' })
  segment?: Relation<Segment>;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_segment_membership' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_segment_membership_profile' })
  profile?: Relation<GoldenProfile>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  enteredAt!: Date;

  /** The segment's rule version that put the profile in. */
  @Column({ type: 'int' })
  segmentVersion!: number;
}
