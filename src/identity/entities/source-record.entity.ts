import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { GoldenProfile } from './golden-profile.entity';

/**
 * One record as a source system holds it (a Salesforce contact, a HubSpot contact, a Marketo lead), resolved to
 * exactly one golden profile. Attributes are kept per field with the source's own timestamp, so an older
 * update never overwrites a newer value and the same inputs in any order give the same result.
 */
@Entity({ name: 'source_record' })
@Unique('uq_source_record_source_external_id', ['source', 'externalId'])
@Index('ix_source_record_profile_id', ['profileId'])
export class SourceRecord {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_source_record' })
  id!: string;

  /** Source key, e.g. `salesforce`, `hubspot`, `marketo`. */
  @Column({ type: 'text' })
  source!: string;

  /** The record's id in the source system. */
  @Column({ type: 'text' })
  externalId!: string;

  /** e.g. `contact`, `lead`, `account`. */
  @Column({ type: 'text', default: 'contact' })
  objectType!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_source_record_profile' })
  profile?: Relation<GoldenProfile>;

  /** Current canonical attributes by flat path (`email`, `address.city`, `custom.<key>`). */
  @Column({ type: 'jsonb', default: {} })
  attributes!: Record<string, unknown>;

  /** Flat path → ISO timestamp at which the source last set that field (decides per-field recency). */
  @Column({ type: 'jsonb', default: {} })
  fieldUpdatedAt!: Record<string, string>;

  /** Flat path → the source sequence of the change that set the field, where the source has one. */
  @Column({ type: 'jsonb', default: {} })
  fieldSequence!: Record<string, string>;

  /** The last payload as received, for stewards and replays; cleared on erasure. */
  @Column({ type: 'jsonb', nullable: true })
  rawPayload!: unknown;

  /** Deleted at the source: kept as a tombstone so a late update cannot bring it back. */
  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** Why the source deleted it: `deleted`, `merged` (merged away in the source), `privacy_deletion`. */
  @Column({ type: 'text', nullable: true })
  deleteReason!: string | null;

  /** Record-level `updatedAt` from the source. */
  @Column({ type: 'timestamptz', nullable: true })
  sourceUpdatedAt!: Date | null;

  /**
   * A source's own monotonic change counter, when it has one (e.g. Salesforce `commitNumber`, beyond 2^53):
   * breaks ties between updates with the same timestamp. Kept as a decimal string.
   */
  @Column({ type: 'numeric', precision: 39, scale: 0, nullable: true })
  sourceSequence!: string | null;

  /** Idempotency key of the last event applied to this record. */
  @Column({ type: 'text', nullable: true })
  lastEventId!: string | null;

  @Column({ type: 'int', default: 1 })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
