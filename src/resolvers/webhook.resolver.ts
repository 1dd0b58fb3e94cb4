import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { inTransaction } from '../common/context';
import { fromGlobalId } from '../common/global-id';
import { clampFirst } from '../schema/connection.type';
import { refused, toWebhookDelivery, toWebhookSubscription, webhookDeliveryId } from '../schema/webhook.mapper';
import {
  CreateWebhookSubscriptionInput,
  CreateWebhookSubscriptionResult,
  DeleteWebhookSubscriptionResult,
  RedeliverDeadWebhooksResult,
  RedeliverWebhookResult,
  UpdateWebhookSubscriptionInput,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhooksRedelivered,
  WebhookSubscription,
  WebhookSubscriptionCreated,
  WebhookSubscriptionDeleted,
  WebhookSubscriptionResult,
  WebhookSubscriptionStatus,
} from '../schema/webhook.type';
import type { GraphQLContext } from '../server/context';
import { listWebhookDeliveries, redeliverDeadWebhooks, redeliverWebhook } from '../sync/webhook-deliveries';
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  listWebhookSubscriptions,
  updateWebhookSubscription,
  type WebhookSubscriptionPatch,
} from '../sync/webhook-subscriptions';

const subscriptionId = (id: string) => fromGlobalId('WebhookSubscription', id);

@Resolver(() => WebhookSubscription)
export class WebhookResolver {
  @Authorized(Scope.Admin)
  @Query(() => [WebhookSubscription], { description: 'Outbound webhook subscriptions, oldest first (no secrets).' })
  async webhookSubscriptions(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => WebhookSubscriptionStatus, { nullable: true }) status: WebhookSubscriptionStatus | null,
  ): Promise<WebhookSubscription[]> {
    const views = await listWebhookSubscriptions({ manager: ctx.dataSource.manager }, { status: status ?? undefined });
    return views.map(toWebhookSubscription);
  }

  @Authorized(Scope.Admin)
  @Query(() => WebhookDeliveryConnection, { description: 'Webhook deliveries with their attempts, oldest first.' })
  async webhookDeliveries(
    @Ctx() ctx: GraphQLContext,
    @Arg('subscriptionId', () => ID, { nullable: true }) subscription: string | null,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<WebhookDeliveryConnection> {
    const page = await listWebhookDeliveries(
      ctx.dataSource.manager,
      { subscriptionId: subscription ? subscriptionId(subscription) : null, status },
      clampFirst(first),
      after,
    );
    return {
      edges: page.items.map((item, i) => ({ cursor: page.cursors[i], node: toWebhookDelivery(item) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
      totalCount: page.totalCount,
    };
  }

  @Authorized(Scope.Admin)
  @Mutation(() => CreateWebhookSubscriptionResult, {
    description:
      'Subscribes a URL to change events committed from now on; returns the signing secret, shown only this once.',
  })
  async createWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateWebhookSubscriptionInput) input: CreateWebhookSubscriptionInput,
  ): Promise<typeof CreateWebhookSubscriptionResult> {
    const outcome = await inTransaction(ctx, (tx) => createWebhookSubscription(tx, input));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new WebhookSubscriptionCreated(), {
      subscription: toWebhookSubscription(outcome.subscription),
      secret: outcome.secret,
    });
  }

  @Authorized(Scope.Admin)
  @Mutation(() => WebhookSubscriptionResult, { description: 'Changes a subscription; `status` pauses or resumes it.' })
  async updateWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookSubscriptionInput) input: UpdateWebhookSubscriptionInput,
  ): Promise<typeof WebhookSubscriptionResult> {
    const { status, ...rest } = input;
    return this.update(ctx, id, { ...rest, status: status ?? undefined });
  }

  @Authorized(Scope.Admin)
  @Mutation(() => WebhookSubscriptionResult, { description: 'Stops sending; deliveries wait until it is resumed.' })
  async pauseWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
  ): Promise<typeof WebhookSubscriptionResult> {
    return this.update(ctx, id, { status: 'paused' });
  }

  @Authorized(Scope.Admin)
  @Mutation(() => WebhookSubscriptionResult, {
    description: 'Sends again, starting with what changed while the subscription was paused.',
  })
  async resumeWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
  ): Promise<typeof WebhookSubscriptionResult> {
    return this.update(ctx, id, { status: 'active' });
  }

  @Authorized(Scope.Admin)
  @Mutation(() => DeleteWebhookSubscriptionResult, { description: 'Deletes a subscription and its deliveries.' })
  async deleteWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
  ): Promise<typeof DeleteWebhookSubscriptionResult> {
    const outcome = await inTransaction(ctx, (tx) => deleteWebhookSubscription(tx, subscriptionId(id)));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new WebhookSubscriptionDeleted(), { id });
  }

  @Authorized(Scope.Admin)
  @Mutation(() => RedeliverWebhookResult, {
    description: 'Puts a dead or failed delivery back in line (pending, attempts from zero, due now).',
  })
  async redeliverWebhook(
    @Ctx() ctx: GraphQLContext,
    @Arg('deliveryId', () => ID) deliveryId: string,
  ): Promise<typeof RedeliverWebhookResult> {
    const outcome = await inTransaction(ctx, (tx) => redeliverWebhook(tx, webhookDeliveryId(deliveryId)));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return toWebhookDelivery(outcome.delivery);
  }

  @Authorized(Scope.Admin)
  @Mutation(() => RedeliverDeadWebhooksResult, {
    description: 'Puts every dead delivery of a subscription back in line.',
  })
  async redeliverDeadWebhooks(
    @Ctx() ctx: GraphQLContext,
    @Arg('subscriptionId', () => ID) id: string,
  ): Promise<typeof RedeliverDeadWebhooksResult> {
    const outcome = await inTransaction(ctx, (tx) => redeliverDeadWebhooks(tx, subscriptionId(id)));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new WebhooksRedelivered(), { count: outcome.count });
  }

  private async update(
    ctx: GraphQLContext,
    id: string,
    patch: WebhookSubscriptionPatch,
  ): Promise<typeof WebhookSubscriptionResult> {
    const outcome = await inTransaction(ctx, (tx) => updateWebhookSubscription(tx, subscriptionId(id), patch));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return toWebhookSubscription(outcome.subscription);
  }
}
