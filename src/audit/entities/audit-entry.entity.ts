import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what to which object: every write (mutations, ingest batches, steward decisions, erasures, exports,
 * replays) and every read of unmasked PII. Append-only and hash-chained by database triggers (migration
 * AuditChain; written through `appendAudit`, src/audit/audit-trail.ts); details never hold personal data.
 */
@Entity({ name: 'audit_entry' })
@Index('uq_audit_entry_seq', ['seq'], { unique: true })
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

  /** Position in the chain, from 1, without gaps; set by the insert trigger. */
  @Column({ type: 'bigint' })
  seq!: string;

  /** When the entry was appended (the trigger's clock time, so it grows with `seq`). */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  /** Token subject, `system` or `cli`. */
  @Column({ type: 'text' })
  actor!: string;

  /** The caller's token scopes; null for the process itself (CLI, jobs, broker consumer). */
  @Column({ type: 'text', array: true, nullable: true })
  scopes!: string[] | null;

  /** e.g. `profile.merge`, `profile.erase`, `consent.set`, `dead_letter.replay`. */
  @Column({ type: 'text' })
  action!: string;

  /** The GraphQL field (`eraseProfile`), HTTP route (`POST /ingest/:source`) or command (`import`). */
  @Column({ type: 'text', nullable: true })
  operation!: string | null;

  /** e.g. `golden_profile`, `merge_candidate`, `segment`. */
  @Column({ type: 'text' })
  targetType!: string;

  @Column({ type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', default: {} })
  details!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  requestId!: string | null;

  /** SHA-256 of the details as first written: what the chain covers, so a later scrub does not break it. */
  @Column({ type: 'bytea' })
  detailsDigest!: Buffer;

  /** The previous entry's `hash` (32 zero bytes before the first). */
  @Column({ type: 'bytea' })
  prevHash!: Buffer;

  /** SHA-256 of `prevHash` and this entry's content (see `hub_audit_entry_hash`). */
  @Column({ type: 'bytea' })
  hash!: Buffer;

  /** When erasure scrubbed `details`; null otherwise. */
  @Column({ type: 'timestamptz', nullable: true })
  redactedAt!: Date | null;
}
