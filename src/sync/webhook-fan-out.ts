import type { DataSource, EntityManager } from 'typeorm';
import { toGlobalId } from '../common/global-id';
import { readChangeEvents, type FeedEvent } from '../feed/read-change-events';
import type { WebhookFilter } from './entities/webhook-subscription.entity';

/** The JSON body a subscriber receives for one change event (stored on the delivery, sent as is on every attempt). */
export interface WebhookBody {
  /** Change event id: the same on every attempt and every duplicate; deduplicate on it. */
  id: string;
  type: string;
  occurredAt: string;
  /** Global id of the profile, as GraphQL answers it (`profile(id:)` takes it); null for events about none. */
  profileId: string | null;
  segmentKey: string | null;
  /** The source whose record caused the change; null for stewards' and the hub's own changes. */
  originSource: string | null;
  /** The event's own payload; golden `profile.created` / `profile.updated` carry `values` of the changed fields. */
  payload: Record<string, unknown>;
}

export function webhookBody(event: FeedEvent): WebhookBody {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    profileId: event.profileId && toGlobalId('Profile', event.profileId),
    segmentKey: event.segmentKey,
    originSource: event.originSource,
    payload: event.payload,
  };
}

interface SubscriptionRow {
  id: string;
  event_types: string[];
  filter: WebhookFilter;
  target_source: string | null;
  cursor: string | null;
}

/** Profiles of `events` that are members of one of `segmentKeys` now. */
async function segmentMembers(
  manager: EntityManager,
  segmentKeys: string[],
  events: FeedEvent[],
): Promise<Set<string>> {
  const profileIds = [...new Set(events.flatMap((e) => (e.profileId ? [e.profileId] : [])))];
  if (profileIds.length === 0) return new Set();
  const rows: { profile_id: string }[] = await manager.query(
    `SELECT DISTINCT m.profile_id
       FROM segment_membership m JOIN segment s ON s.id = m.segment_id
      WHERE s.key = ANY ($1::text[]) AND m.profile_id = ANY ($2::uuid[])`,
    [segmentKeys, profileIds],
  );
  return new Set(rows.map((row) => row.profile_id));
}

/** Which events of a page this subscription receives: its filter, and never a change back to its own source. */
async function selectEvents(manager: EntityManager, sub: SubscriptionRow, events: FeedEvent[]): Promise<FeedEvent[]> {
  const { sources, segmentKeys } = sub.filter ?? {};
  let selected = events.filter(
    (e) =>
      !(sub.target_source && e.originSource === sub.target_source) &&
      (!sources || (e.originSource !== null && sources.includes(e.originSource))),
  );
  if (segmentKeys && selected.length > 0) {
    const members = await segmentMembers(manager, segmentKeys, selected);
    selected = selected.filter(
      (e) => (e.segmentKey !== null && segmentKeys.includes(e.segmentKey)) || (e.profileId && members.has(e.profileId)),
    );
  }
  return selected;
}

/**
 * Turns the next page of change events into deliveries for one subscription and moves its cursor, in one
 * transaction. The subscription row is locked (`SKIP LOCKED`), so one hub process at a time fans out for it and
 * delivery ids follow feed order. Returns whether more events may be waiting.
 */
async function fanOutPage(
  manager: EntityManager,
  subscriptionId: string,
  pageSize: number,
): Promise<{ created: number; more: boolean }> {
  const [sub]: SubscriptionRow[] = await manager.query(
    `SELECT id, event_types, filter, target_source, cursor FROM webhook_subscription
      WHERE id = $1 AND status = 'active'
      FOR UPDATE SKIP LOCKED`,
    [subscriptionId],
  );
  if (!sub) return { created: 0, more: false };
  const page = await readChangeEvents(manager, { after: sub.cursor, limit: pageSize, types: sub.event_types });
  const selected = await selectEvents(manager, sub, page.events);
  let created = 0;
  if (selected.length > 0) {
    const rows: unknown[] = await manager.query(
      `INSERT INTO webhook_delivery (subscription_id, change_event_id, profile_id, request_body)
       SELECT $1, d.event_id, d.profile_id, d.body
         FROM jsonb_to_recordset($2::jsonb) AS d(event_id uuid, profile_id uuid, body jsonb, ord int)
        ORDER BY d.ord
       ON CONFLICT (subscription_id, change_event_id) DO NOTHING
       RETURNING id`,
      [
        sub.id,
        JSON.stringify(
          selected.map((e, ord) => ({ event_id: e.id, profile_id: e.profileId, body: webhookBody(e), ord })),
        ),
      ],
    );
    created = rows.length;
  }
  if (page.cursor !== sub.cursor) {
    await manager.query(`UPDATE webhook_subscription SET cursor = $2 WHERE id = $1`, [sub.id, page.cursor]);
  }
  return { created, more: page.hasMore };
}

/** Fans out new change events to every active subscription; returns how many deliveries it created. */
export async function fanOutChangeEvents(dataSource: DataSource, pageSize = 500): Promise<number> {
  const subscriptions: { id: string }[] = await dataSource.query(
    `SELECT id FROM webhook_subscription WHERE status = 'active' ORDER BY created_at, id`,
  );
  let created = 0;
  for (const { id } of subscriptions) {
    for (let more = true; more;) {
      const page = await dataSource.transaction((manager) => fanOutPage(manager, id, pageSize));
      created += page.created;
      more = page.more;
    }
  }
  return created;
}
