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
import { GoldenProfile } from './golden-profile.entity';

/**
 * A golden field a steward pinned: survivorship keeps this value whatever the sources send, until unpinned.
 */
@Entity({ name: 'pinned_value' })
@Unique('uq_pinned_value_profile_field', ['profileId', 'field'])
export class PinnedValue {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_pinned_value',
  })
  id!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_pinned_value_profile' })
  profile?: Relation<GoldenProfile>;

  /** Field path, e.g. `email`, `address.city`, `custom.tier`. */
  @Column({ type: 'text' })
  field!: string;

  /** The pinned value (JSON); null pins the field empty. */
  @Column({ type: 'jsonb', nullable: true })
  value!: unknown;

  /** The source record whose value was pinned, when the steward picked a source's value. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;

  @Column({ type: 'text' })
  pinnedBy!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The conflict whose resolution created the pin, if any. */
  @Column({ type: 'uuid', nullable: true })
  conflictId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
