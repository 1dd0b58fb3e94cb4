import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PiiJson } from '../auth/pii-mask';
import { PageInfo } from './connection.type';

@ObjectType('ChangeEvent', {
  description:
    'One event of the durable change feed (the outbox). Delivered at least once: deduplicate by `id`; resume after a disconnect with the `cursor` of the last event you handled.',
})
export class ChangeEventNode {
  @Field(() => ID, { description: 'Stable event id: the same on every delivery of this event.' }) id!: string;
  @Field({ description: 'Opaque feed cursor of this event: pass it as `after` to get what follows.' }) cursor!: string;
  @Field({ description: '`profile.updated`, `segment.entered`, `consent.changed` … (see the README).' }) type!: string;
  @Field(() => ID, { nullable: true, description: 'Global id of the profile the event is about.' })
  profileId!: string | null;
  @Field(() => String, { nullable: true, description: 'Key of the segment, for `segment.*` events.' })
  segmentKey!: string | null;
  @Field(() => String, { nullable: true, description: 'The source whose record caused the change.' })
  originSource!: string | null;
  @Field(() => GraphQLJSON, { description: 'What the event carries (raw profile ids inside); by type.' })
  @PiiJson()
  payload!: Record<string, unknown>;
  @Field() occurredAt!: Date;
}

@ObjectType()
export class ChangeEventEdge {
  @Field() cursor!: string;
  @Field(() => ChangeEventNode) node!: ChangeEventNode;
}

@ObjectType({ description: 'A page of the change feed in feed order.' })
export class ChangeEventConnection {
  @Field(() => [ChangeEventEdge]) edges!: ChangeEventEdge[];
  @Field(() => PageInfo, {
    description:
      '`endCursor` is where to resume: past the last edge, or past everything readable now when the page is not full (so a filter that matched nothing still moves on). Never null.',
  })
  pageInfo!: PageInfo;
}

export enum SegmentChangeType {
  ENTERED = 'ENTERED',
  EXITED = 'EXITED',
}
registerEnumType(SegmentChangeType, { name: 'SegmentChangeType' });

@ObjectType({ description: 'A profile entered or left a segment (from the durable change feed).' })
export class SegmentMembershipChange {
  @Field(() => ID, { description: 'Stable event id (deduplicate by it).' }) eventId!: string;
  @Field({ description: 'Pass as `after` to resume right after this change.' }) cursor!: string;
  @Field(() => SegmentChangeType) type!: SegmentChangeType;
  @Field() segmentKey!: string;
  @Field(() => ID) profileId!: string;
  @Field(() => Int, { nullable: true, description: 'The `version` the event carries, when it carries one.' })
  version!: number | null;
  @Field() occurredAt!: Date;
}
