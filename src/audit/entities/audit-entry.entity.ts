import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what to which object, for every steward, privacy and administrative action (merges, pins, consent
 * changes, erasures, exports, replays). Append-only; details never hold an erased person's PII.
 */
@Entity({ name: 'audit_entry' })
@Index('ix_audit_entry_target_occurred_at', ['targetType', 'targetId', 'occurredAt'])
@Index('ix_audit_entry_occurred_at', ['occurredAt'])
@Index('ix_audit_entry_actor_occurred_at', ['actor', 'occurredAt'])
export class AuditEntry {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_audit_entry',
  })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  /** Token subject, `system` or `cli`. */
  @Column({ type: 'text' })
  actor!: string;

  /** e.g. `profile.merge`, `profile.erase`, `consent.set`, `dead_letter.replay`. */
  @Column({ type: 'text' })
  action!: string;

  /** e.g. `golden_profile`, `merge_candidate`, `segment`. */
  @Column({ type: 'text' })
  targetType!: string;

  @Column({ type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', default: {} })
  details!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  requestId!: string | null;
}
