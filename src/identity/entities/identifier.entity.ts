import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A normalised identifier a source record carries (`email`, `phone`, `customerNumber` …): the deterministic
 * matching keys and the index behind `profileByIdentifier(type, value)`. `profile_id` is a denormalised copy
 * of the source record's profile so that look-ups need no join; it moves with the record on merge/unmerge.
 * No foreign keys (migration LeanIdentifiers): derived data, maintained by the code that owns it — replaced with
 * its record's attributes, moved on merges and splits, removed on erasure.
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

  @Column({ type: 'uuid' })
  profileId!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
