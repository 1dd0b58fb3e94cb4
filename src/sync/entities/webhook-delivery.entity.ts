import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { WebhookSubscription } from './webhook-subscription.entity';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

/**
 * One change event to deliver to one subscription, with its retry state. `failed` is retried at
 * `next_attempt_at` with back-off; `dead` has run out of attempts. At most one delivery per event and
 * subscription. While an attempt is in flight, `next_attempt_at` is its lease: another hub process takes the
 * delivery over only once the lease has run out (the sender crashed).
 */
@Entity({ name: 'webhook_delivery' })
@Check('ck_webhook_delivery_status', "status IN ('pending', 'delivered', 'failed', 'dead')")
@Unique('uq_webhook_delivery_subscription_change_event', ['subscriptionId', 'changeEventId'])
@Index('ix_webhook_delivery_status_next_attempt_at', ['status', 'nextAttemptAt'])
@Index('ix_webhook_delivery_open_profile', ['subscriptionId', 'profileId', 'id'], {
  where: "status IN ('pending', 'failed')",
})
@Index('ix_webhook_delivery_subscription_id_id', ['subscriptionId', 'id'])
@Index('ix_webhook_delivery_change_event_id', ['changeEventId'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_webhook_delivery',
  })
  id!: string;

  @Column({ type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id', foreignKeyConstraintName: 'fk_webhook_delivery_subscription' })
  subscription?: Relation<WebhookSubscription>;

  /** Public id of the change event (`change_event.id`); no foreign key, the outbox may be pruned first. */
  @Column({ type: 'uuid' })
  changeEventId!: string;

  /** Profile the event is about (null for events about no profile): deliveries per profile go out in order. */
  @Column({ type: 'uuid', nullable: true })
  profileId!: string | null;

  @Column({ type: 'text', default: 'pending' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  /** HTTP status of the last attempt; null when it failed before a response (timeout, DNS …). */
  @Column({ type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  /** The JSON body every attempt sends (signed per attempt), fixed when the delivery is created. */
  @Column({ type: 'jsonb' })
  requestBody!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
