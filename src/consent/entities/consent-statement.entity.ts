import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { GoldenProfile } from '../../identity/entities/golden-profile.entity';
import { SourceRecord } from '../../identity/entities/source-record.entity';

export type ConsentStatus = 'granted' | 'denied' | 'withdrawn' | 'pending';

/**
 * One consent statement as it was captured, with its evidence. Append-only: the history privacy officers
 * need; `consent_current` holds the state derived from it.
 */
@Entity({ name: 'consent_statement' })
@Check('ck_consent_statement_status', "status IN ('granted', 'denied', 'withdrawn', 'pending')")
@Index('ix_consent_statement_profile_scope_captured_at', [
  'profileId',
  'purpose',
  'channel',
  'contactPoint',
  'capturedAt',
])
@Index('ix_consent_statement_source_record_id', ['sourceRecordId'])
export class ConsentStatement {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_consent_statement',
  })
  id!: string;

  @Column({ type: 'uuid' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_consent_statement_profile' })
  profile?: Relation<GoldenProfile>;

  /** The source record that carried the statement; null when set through the API. */
  @Column({ type: 'uuid', nullable: true })
  sourceRecordId!: string | null;

  @ManyToOne(() => SourceRecord, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'source_record_id', foreignKeyConstraintName: 'fk_consent_statement_source_record' })
  sourceRecord?: Relation<SourceRecord> | null;

  /** e.g. `email_marketing`, `profiling`. */
  @Column({ type: 'text' })
  purpose!: string;

  /** e.g. `email`, `sms`, `phone`, `post`. */
  @Column({ type: 'text' })
  channel!: string;

  /** The address the statement is about (an email address, a phone number); `''` means any contact point. */
  @Column({ type: 'text', default: '' })
  contactPoint!: string;

  @Column({ type: 'text' })
  status!: ConsentStatus;

  /** GDPR art. 6 basis, e.g. `consent`, `legitimate_interest`. */
  @Column({ type: 'text', nullable: true })
  legalBasis!: string | null;

  /** Source key, or `api` for statements set through `setConsent`. */
  @Column({ type: 'text' })
  source!: string;

  /** When the person gave or withdrew consent (not when the hub heard of it). */
  @Column({ type: 'timestamptz' })
  capturedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Proof: form id, IP, wording version, double opt-in confirmation … */
  @Column({ type: 'jsonb', default: {} })
  evidence!: Record<string, unknown>;

  /** Actor who recorded it through the API, if any. */
  @Column({ type: 'text', nullable: true })
  recordedBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
