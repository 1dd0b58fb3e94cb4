import { toGlobalId } from '../common/global-id';
import { ErrorCode, HubError } from '../common/hub-error';
import type { WebhookDeliveryView } from '../sync/webhook-deliveries';
import type { WebhookSubscriptionView } from '../sync/webhook-subscriptions';
import { ActionRefused } from './merge.type';
import { profileGlobalId } from './profile.mapper';
import { WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription, WebhookSubscriptionStatus } from './webhook.type';

export const refused = (code: string, message: string) => Object.assign(new ActionRefused(), { code, message });

export const webhookSubscriptionGlobalId = (id: string) => toGlobalId('WebhookSubscription', id);

export function toWebhookSubscription(view: WebhookSubscriptionView): WebhookSubscription {
  return Object.assign(new WebhookSubscription(), {
    ...view,
    id: webhookSubscriptionGlobalId(view.id),
    status: view.status as WebhookSubscriptionStatus,
  });
}

export function toWebhookDelivery(view: WebhookDeliveryView): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    ...view,
    id: toGlobalId('WebhookDelivery', view.id),
    subscriptionId: webhookSubscriptionGlobalId(view.subscriptionId),
    profileId: view.profileId && profileGlobalId(view.profileId),
    status: view.status as WebhookDeliveryStatus,
  });
}

/** Delivery ids are numbers: a global id `WebhookDelivery:<n>`, or the bare number. */
export function webhookDeliveryId(id: string): string {
  if (/^\d{1,19}$/.test(id)) return id;
  const match = /^WebhookDelivery:(\d{1,19})$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (!match) throw new HubError(ErrorCode.InvalidId, `"${id.slice(0, 80)}" is not a WebhookDelivery id`);
  return match[1];
}
