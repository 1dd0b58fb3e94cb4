import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { PiiJson } from '../auth/pii-mask';
import { PageInfo } from './connection.type';

@ObjectType({ description: 'One engagement event on the profile timeline (email opened, page visited …).' })
export class TimelineEvent {
  @Field(() => ID) id!: string;
  @Field() source!: string;
  @Field({ description: "The source's own id of the event." }) externalEventId!: string;
  @Field({ description: 'Normalised type, e.g. `email_clicked`, `web_visit`, `form_submitted`.' }) type!: string;
  @Field() occurredAt!: Date;
  @Field(() => GraphQLJSONObject)
  @PiiJson()
  properties!: Record<string, unknown>;
}

@ObjectType()
export class TimelineEdge {
  @Field() cursor!: string;
  @Field(() => TimelineEvent) node!: TimelineEvent;
}

@ObjectType()
export class TimelineConnection {
  @Field(() => [TimelineEdge]) edges!: TimelineEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Events on this page.' }) count!: number;
}
