import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Idempotency keys of inputs already applied, per source: a replayed webhook or re-imported record with the same
 * event id is a no-op.
 */
@Entity({ name: 'processed_event' })
export class ProcessedEvent {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_processed_event' })
  source!: string;

  /** The canonical record's `eventId` (or a webhook's delivery id). */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_processed_event' })
  eventId!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  /** The source record the event was applied to, if any. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;
}
