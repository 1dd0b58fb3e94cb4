import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * An identifier of an erased person, kept only as a keyed HMAC so that the hub can refuse to re-create the
 * person from a late or replayed record without storing the identifier itself.
 */
@Entity({ name: 'suppression_entry' })
@Unique('uq_suppression_entry_type_hmac', ['identifierType', 'valueHmac'])
export class SuppressionEntry {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_suppression_entry',
  })
  id!: string;

  /** e.g. `email`, `phone`, `source_record` (for `source:externalId`). */
  @Column({ type: 'text' })
  identifierType!: string;

  /** Hex HMAC-SHA-256 of the normalised value under the hub's suppression key; never the value. */
  @Column({ type: 'text' })
  valueHmac!: string;

  @Column({ type: 'text' })
  reason!: string;

  /** Id of the erased profile's tombstone. */
  @Column({ type: 'uuid', nullable: true })
  erasedProfileId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
