import {
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
import { SourceRecord } from './source-record.entity';

/**
 * "This record is the same person as that one", as a source declared it (e.g. a lead converted into a contact).
 * The target is named by source and external id because it may not have arrived yet; `to_source_record_id` is
 * filled in once it does.
 */
@Entity({ name: 'source_record_link' })
@Unique('uq_source_record_link_from_to', ['fromSourceRecordId', 'toSource', 'toExternalId'])
@Index('ix_source_record_link_to_source_external_id', ['toSource', 'toExternalId'])
@Index('ix_source_record_link_to_source_record_id', ['toSourceRecordId'])
export class SourceRecordLink {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_source_record_link',
  })
  id!: string;

  @Column({ type: 'uuid' })
  fromSourceRecordId!: string;

  @ManyToOne(() => SourceRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'from_source_record_id', foreignKeyConstraintName: 'fk_source_record_link_from' })
  fromSourceRecord?: Relation<SourceRecord>;

  @Column({ type: 'text' })
  toSource!: string;

  @Column({ type: 'text' })
  toExternalId!: string;

  /** Set once the target record has arrived. */
  @Column({ type: 'uuid', nullable: true })
  toSourceRecordId!: string | null;

  @ManyToOne(() => SourceRecord, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'to_source_record_id', foreignKeyConstraintName: 'fk_source_record_link_to' })
  toSourceRecord?: Relation<SourceRecord> | null;

  /** How the link was declared: `declared` (the record's `links`), `lead_conversion` … */
  @Column({ type: 'text', default: 'declared' })
  kind!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
