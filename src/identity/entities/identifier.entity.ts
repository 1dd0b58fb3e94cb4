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
 * A normalised identifier a source record carries (`email`, `phone`, `customerNumber` …): the deterministic
 * matching keys and the index behind `profileByIdentifier(type, value)`. `profile_id` is a denormalised copy
 * of the source record's profile so that look-ups need no join; it moves with the record on merge/unmerge.
 */
@Entity({ name: 'identifier' })
@Unique('uq_identifier_source_record_type_value', ['sourceRecordId', 'type', 'value'])
@Index('ix_identifier_type_value', ['type', 'value'])
@Index('ix_identifier_profile_id', ['profileId'])
export class Identifier {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_identifier',
  })
  id!: string;

  /** e.g. `email`, `phone`, `customerNumber`. */
  @Column({ type: 'text' })
  type!: string;

  /** Normalised value (lower-cased email, E.164 phone …). */
  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'uuid' })
  sourceRecordId!: string;

  @ManyToOne(() => SourceRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_record_id', foreignKeyConstraintName: 'fk_identifier_source_record' })
  sourceRecord?: Relation<SourceRecord>;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_identifier_profile' })
  profile?: Relation<GoldenProfile>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
