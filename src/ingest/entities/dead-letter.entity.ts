import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';
/** How the payload arrived. */
export type DeadLetterTransport = 'graphql' | 'http' | 'webhook' | 'file' | 'amqp';

/**
 * An input the hub could not accept, kept exactly as received with a coded reason so that nothing accepted is
 * lost: a steward or operator fixes the cause and replays it (`replayDeadLetters`).
 */
@Entity({ name: 'dead_letter' })
@Check('ck_dead_letter_status', "status IN ('open', 'replayed', 'discarded')")
@Index('ix_dead_letter_status_created_at', ['status', 'createdAt'])
@Index('ix_dead_letter_source_created_at', ['source', 'createdAt'])
@Index('ix_dead_letter_created_at', ['createdAt'])
export class DeadLetter {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_dead_letter' })
  id!: string;

  /** Source key, when it was known (a payload that named no valid source has none). */
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  @Column({ type: 'text' })
  transport!: DeadLetterTransport;

  @Column({ type: 'text', default: 'application/json' })
  contentType!: string;

  /** The payload as received (text, so XML and CSV fit as well as JSON). For batches, the one failing record. */
  @Column({ type: 'text' })
  rawPayload!: string;

  /** Position of the record in its batch or file (0-based), when it came in one. */
  @Column({ type: 'int', nullable: true })
  recordIndex!: number | null;

  /** The record's external id, when it could be read; helps stewards find it. */
  @Column({ type: 'text', nullable: true })
  externalId!: string | null;

  /** Hub error code, e.g. `INVALID_RECORD`. */
  @Column({ type: 'text' })
  errorCode!: string;

  @Column({ type: 'text' })
  errorMessage!: string;

  /** JSON path of the offending value, e.g. `$.attributes.email`. */
  @Column({ type: 'text', nullable: true })
  errorPath!: string | null;

  @Column({ type: 'text', default: 'open' })
  status!: DeadLetterStatus;

  /** Replay attempts so far. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  replayedAt!: Date | null;

  /** Outcome of the last replay (accepted record id, or the new error). */
  @Column({ type: 'jsonb', nullable: true })
  replayResult!: Record<string, unknown> | null;
}
