import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { GoldenProfile } from '../../identity/entities/golden-profile.entity';
import { SourceRecord } from '../../identity/entities/source-record.entity';

/**
 * Something a person did, as a source reported it (`email_opened`, `email_clicked`, `form_submitted`,
 * `page_viewed` …): the profile timeline and the input of scores and behavioural segment rules. Idempotent per
 * source and the source's event id.
 */
@Entity({ name: 'engagement_event' })
@Unique('uq_engagement_event_source_external_event_id', ['source', 'externalEventId'])
@Index('ix_engagement_event_profile_type_occurred_at', ['profileId', 'type', 'occurredAt'])
@Index('ix_engagement_event_type_occurred_at', ['type', 'occurredAt'])
@Index('ix_engagement_event_source_record_id', ['sourceRecordId'])
@Index('ix_engagement_event_occurred_at', ['occurredAt'])
export class EngagementEvent {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_engagement_event',
  })
  id!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_engagement_event_profile' })
  profile?: Relation<GoldenProfile>;

  /** The source record the event was reported with, if any. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;

  @ManyToOne(() => SourceRecord, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'source_record_id', foreignKeyConstraintName: 'fk_engagement_event_source_record' })
  sourceRecord?: Relation<SourceRecord> | null;

  @Column({ type: 'text' })
  source!: string;

  /** The event's id at its source (idempotency key). */
  @Column({ type: 'text' })
  externalEventId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'jsonb', default: {} })
  properties!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
