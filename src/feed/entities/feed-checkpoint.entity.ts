import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How far a named server-side consumer of the change feed (broker publisher, webhook dispatcher) has got. */
@Entity({ name: 'feed_checkpoint' })
export class FeedCheckpoint {
  /** Consumer name, e.g. `amqp-publisher`, `webhook-dispatcher`. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_feed_checkpoint' })
  consumer!: string;

  /** Opaque feed cursor (encodes `(txid, position)`), the last event the consumer has fully handled. */
  @Column({ type: 'text' })
  cursor!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
