import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The suppression HMAC key a development or test deployment generated for itself (one row). Production sets
 * `PRIVACY_HMAC_KEY` instead and never reads this table. Never logged, never served.
 */
@Entity({ name: 'privacy_key' })
@Check('ck_privacy_key_single_row', 'id = 1')
export class PrivacyKey {
  @PrimaryColumn({ type: 'smallint', default: 1, primaryKeyConstraintName: 'pk_privacy_key' })
  id!: number;

  /** 32 random bytes, hex. */
  @Column({ type: 'text' })
  hmacKey!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
