import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { GoldenProfile } from '../../identity/entities/golden-profile.entity';
import { ConsentStatement, type ConsentStatus } from './consent-statement.entity';

/**
 * The current consent per profile, purpose, channel and contact point, derived from `consent_statement`
 * (the statement with the latest `captured_at` wins). What segments and sync read.
 */
@Entity({ name: 'consent_current' })
@Index('ix_consent_current_purpose_channel_status', ['purpose', 'channel', 'status'])
@Index('ix_consent_current_statement_id', ['statementId'])
export class ConsentCurrent {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_consent_current' })
  profileId!: string;

  @ManyToOne(() => GoldenProfile, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id', foreignKeyConstraintName: 'fk_consent_current_profile' })
  profile?: Relation<GoldenProfile>;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_consent_current' })
  purpose!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_consent_current' })
  channel!: string;

  /** `''` means any contact point. */
  @PrimaryColumn({ type: 'text', default: '', primaryKeyConstraintName: 'pk_consent_current' })
  contactPoint!: string;

  @Column({ type: 'text' })
  status!: ConsentStatus;

  @Column({ type: 'text', nullable: true })
  legalBasis!: string | null;

  @Column({ type: 'text' })
  source!: string;

  /** The statement this state comes from. */
  @Column({ type: 'bigint' })
  statementId!: string;

  @ManyToOne(() => ConsentStatement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'statement_id', foreignKeyConstraintName: 'fk_consent_current_statement' })
  statement?: Relation<ConsentStatement>;

  @Column({ type: 'timestamptz' })
  capturedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
