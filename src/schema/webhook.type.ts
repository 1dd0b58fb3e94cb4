import { GraphQLJSON } from 'graphql-scalars';
import { createUnionType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PiiJson } from '../auth/pii-mask';
import { PageInfo } from './connection.type';
import { ActionRefused } from './merge.type';

export enum WebhookSubscriptionStatus {
  ACTIVE = 'active',
  PAUSED = 'paused',
  DISABLED = 'disabled',
}
registerEnumType(WebhookSubscriptionStatus, {
  name: 'WebhookSubscriptionStatus',
  valuesConfig: {
    ACTIVE: { description: 'Receives deliveries.' },
    PAUSED: { description: 'Nothing is sent; on resume it catches up on what changed meanwhile.' },
    DISABLED: { description: 'Switched off by an operator.' },
  },
});

/** What `updateWebhookSubscription` may set the status to. */
export enum WebhookSubscriptionTargetStatus {
  ACTIVE = 'active',
  PAUSED = 'paused',
}
registerEnumType(WebhookSubscriptionTargetStatus, { name: 'WebhookSubscriptionTargetStatus' });

export enum WebhookDeliveryStatus {
  PENDING = 'pending',
  DELIVERED = 'delivered',
  FAILED = 'failed',
  DEAD = 'dead',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'Waiting for its first attempt (or in flight).' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'The last attempt failed; retried at `nextAttemptAt`.' },
    DEAD: { description: 'Out of attempts; `redeliverWebhook` puts it back in line.' },
  },
});

@ObjectType({ description: 'Which change events a subscription wants beyond their type; unset = all.' })
export class WebhookFilter {
  @Field(() => [String], { nullable: true, description: 'Only changes caused by these sources.' })
  sources!: string[] | null;
  @Field(() => [String], {
    nullable: true,
    description: 'Only events about these segments or about profiles that are members of them.',
  })
  segmentKeys!: string[] | null;
}

@ObjectType({ description: 'An outbound webhook: signed POSTs of change events to a URL (two-way sync).' })
export class WebhookSubscription {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field(() => [String], { description: 'Change event types delivered; empty = every type.' })
  eventTypes!: string[];
  @Field(() => WebhookFilter) filter!: WebhookFilter;
  @Field(() => String, {
    nullable: true,
    description: 'The source system this subscription feeds: changes that came from it are never sent back to it.',
  })
  targetSource!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => WebhookSubscriptionStatus) status!: WebhookSubscriptionStatus;
  @Field(() => Int, { description: 'Failed attempts since the last success.' }) consecutiveFailures!: number;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType({ description: 'A new subscription and its signing secret, shown only this once.' })
export class WebhookSubscriptionCreated {
  @Field(() => WebhookSubscription) subscription!: WebhookSubscription;
  @Field({ description: 'HMAC-SHA256 key of the `X-Hub-Signature` header; store it now, it is not shown again.' })
  secret!: string;
}

@ObjectType({ description: 'The subscription and its deliveries are gone.' })
export class WebhookSubscriptionDeleted {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: 'One change event to send to one subscription, with its attempts.' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) subscriptionId!: string;
  @Field(() => ID, { description: 'The change event id (`X-Hub-Event-Id`, `id` in the body).' }) eventId!: string;
  @Field() eventType!: string;
  @Field(() => ID, { nullable: true }) profileId!: string | null;
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field() nextAttemptAt!: Date;
  @Field(() => Date, { nullable: true }) lastAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when none came back.' })
  lastStatusCode!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => GraphQLJSON, { description: 'The JSON body every attempt sends.' })
  @PiiJson()
  requestBody!: unknown;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) deliveredAt!: Date | null;
}

@ObjectType()
export class WebhookDeliveryEdge {
  @Field() cursor!: string;
  @Field(() => WebhookDelivery) node!: WebhookDelivery;
}

@ObjectType()
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge]) edges!: WebhookDeliveryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'Dead deliveries put back in line.' })
export class WebhooksRedelivered {
  @Field(() => Int) count!: number;
}

@InputType()
export class WebhookFilterInput {
  @Field(() => [String], { nullable: true, description: 'Only changes caused by these sources.' })
  sources?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only events about these segments or their members.' })
  segmentKeys?: string[] | null;
}

@InputType()
export class CreateWebhookSubscriptionInput {
  @Field({ description: 'http:// or https:// URL the hub POSTs to.' }) url!: string;
  @Field(() => [String], {
    nullable: true,
    description: 'Event types to deliver, e.g. `profile.updated`; default all.',
  })
  eventTypes?: string[] | null;
  @Field(() => WebhookFilterInput, { nullable: true }) filter?: WebhookFilterInput | null;
  @Field(() => String, {
    nullable: true,
    description: 'The source system this URL belongs to (e.g. `salesforce`): its own changes are not sent back.',
  })
  targetSource?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: 'Fields to change; absent ones stay, `null` clears the optional ones.' })
export class UpdateWebhookSubscriptionInput {
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [String], { nullable: true }) eventTypes?: string[] | null;
  @Field(() => WebhookFilterInput, { nullable: true }) filter?: WebhookFilterInput | null;
  @Field(() => String, { nullable: true }) targetSource?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => WebhookSubscriptionTargetStatus, { nullable: true }) status?: WebhookSubscriptionTargetStatus | null;
}

const isRefusal = (value: object) => 'code' in value && 'message' in value;

export const CreateWebhookSubscriptionResult = createUnionType({
  name: 'CreateWebhookSubscriptionResult',
  types: () => [WebhookSubscriptionCreated, ActionRefused] as const,
  resolveType: (value) => (isRefusal(value) ? ActionRefused : WebhookSubscriptionCreated),
});

export const WebhookSubscriptionResult = createUnionType({
  name: 'WebhookSubscriptionResult',
  types: () => [WebhookSubscription, ActionRefused] as const,
  resolveType: (value) => (isRefusal(value) ? ActionRefused : WebhookSubscription),
});

export const DeleteWebhookSubscriptionResult = createUnionType({
  name: 'DeleteWebhookSubscriptionResult',
  types: () => [WebhookSubscriptionDeleted, ActionRefused] as const,
  resolveType: (value) => (isRefusal(value) ? ActionRefused : WebhookSubscriptionDeleted),
});

export const RedeliverWebhookResult = createUnionType({
  name: 'RedeliverWebhookResult',
  types: () => [WebhookDelivery, ActionRefused] as const,
  resolveType: (value) => (isRefusal(value) ? ActionRefused : WebhookDelivery),
});

export const RedeliverDeadWebhooksResult = createUnionType({
  name: 'RedeliverDeadWebhooksResult',
  types: () => [WebhooksRedelivered, ActionRefused] as const,
  resolveType: (value) => (isRefusal(value) ? ActionRefused : WebhooksRedelivered),
});
