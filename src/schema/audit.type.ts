import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { PageInfo } from './connection.type';

@ObjectType({ description: 'One entry of the append-only, hash-chained audit trail.' })
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field({ description: 'Position in the chain, from 1 (a decimal number).' }) seq!: string;
  @Field({ description: 'When the entry was appended; grows with `seq`.' }) occurredAt!: Date;
  @Field({ description: 'Token subject, `cli` or `system`.' }) actor!: string;
  @Field(() => [String], { nullable: true, description: "The caller's scopes; null for the hub itself." })
  scopes!: string[] | null;
  @Field({ description: 'e.g. `profile.erase`, `records.ingest`, `pii.read`, `profile.pin`.' }) action!: string;
  @Field(() => String, { nullable: true, description: 'GraphQL field, HTTP route or command.' })
  operation!: string | null;
  @Field({ description: 'e.g. `golden_profile`, `merge_candidate`, `segment`, `source`.' }) targetType!: string;
  @Field(() => String, { nullable: true, description: 'The target as stored (a profile UUID, a segment key …).' })
  targetId!: string | null;
  @Field(() => GraphQLJSONObject, {
    description: 'Outcome, counts, ids and field names — never personal values. Erasure replaces them.',
  })
  details!: Record<string, unknown>;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => Date, { nullable: true, description: 'When erasure scrubbed the details (the chain still verifies).' })
  redactedAt!: Date | null;
  @Field({ description: 'SHA-256 of the previous hash and this entry (hex); see `profile-hub audit verify`.' })
  hash!: string;
}

@ObjectType()
export class AuditEntryEdge {
  @Field() cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
