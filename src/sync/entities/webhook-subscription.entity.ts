import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type WebhookSubscriptionStatus = 'active' | 'paused' | 'disabled';

/** Which change events a subscription wants beyond their type. */
export interface WebhookFilter {
  segmentKeys?: string[];
  /** Only changes caused by these sources. */
  sources?: string[];
  [key: string]: unknown;
}

/** An outbound webhook: where to POST which change events, signed with the subscription's secret. */
@Entity({ name: 'webhook_subscription' })
@Check('ck_webhook_subscription_status', "status IN ('active', 'paused', 'disabled')")
export class WebhookSubscription {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_subscription' })
  id!: string;

  @Column({ type: 'text' })
  url!: string;

  /** Change event types to deliver, e.g. `segment.entered`; empty = all types. */
  @Column({ type: 'text', array: true, default: [] })
  eventTypes!: string[];

  @Column({ type: 'jsonb', default: {} })
  filter!: WebhookFilter;

  /**
   * The source system this subscription feeds (e.g. `salesforce`): changes whose `origin_source` is this source
   * are never delivered to it, so CRM → hub → CRM does not echo.
   */
  @Column({ type: 'text', nullable: true })
  targetSource!: string | null;

  /** HMAC signing secret. Stored retrievably by design: the hub must sign with it. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'text', default: 'active' })
  status!: WebhookSubscriptionStatus;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Feed cursor of the last change event turned into a delivery for this subscription. */
  @Column({ type: 'text', nullable: true })
  cursor!: string | null;

  /** Reset on success; the dispatcher disables the subscription past a threshold. */
  @Column({ type: 'int', default: 0 })
  consecutiveFailures!: number;

  @Column({ type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
