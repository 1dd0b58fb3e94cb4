import type { TxContext } from '../common/context';
import { CHANGE_EVENT_TYPES, isChangeEventType } from '../feed/change-event-types';
import { currentFeedCursor } from '../feed/read-change-events';
import type { WebhookFilter, WebhookSubscriptionStatus } from './entities/webhook-subscription.entity';
import { returnedRows } from '../db/returned-rows';
import { newWebhookSecret } from './webhook-signature';

/** A subscription as services and the API see it: never with its secret. */
export interface WebhookSubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  filter: { sources: string[] | null; segmentKeys: string[] | null };
  targetSource: string | null;
  description: string | null;
  status: WebhookSubscriptionStatus;
  consecutiveFailures: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookSubscriptionInput {
  url: string;
  /** Empty or absent: every event type. */
  eventTypes?: string[] | null;
  filter?: { sources?: string[] | null; segmentKeys?: string[] | null } | null;
  targetSource?: string | null;
  description?: string | null;
}

/** A change to a subscription; absent fields stay as they are, `null` clears the optional ones. */
export interface WebhookSubscriptionPatch extends Omit<Partial<WebhookSubscriptionInput>, 'url'> {
  url?: string | null;
  status?: 'active' | 'paused' | null;
}

export type Refusal = { ok: false; code: string; message: string };
export type Outcome<T> = ({ ok: true } & T) | Refusal;

/** Codes of refused webhook actions (stable; add, never rename). */
export const WebhookRefusal = {
  InvalidUrl: 'INVALID_URL',
  UnknownEventType: 'UNKNOWN_EVENT_TYPE',
  InvalidSource: 'INVALID_SOURCE',
  InvalidSegmentKey: 'INVALID_SEGMENT_KEY',
  InvalidDescription: 'INVALID_DESCRIPTION',
  NotFound: 'NOT_FOUND',
  NotRedeliverable: 'NOT_REDELIVERABLE',
} as const;

const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message });

const SOURCE_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_URL = 2048;
const MAX_LIST = 100;

function checkUrl(raw: string): Refusal | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(WebhookRefusal.InvalidUrl, 'url is not a valid absolute URL; use http://… or https://…');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse(WebhookRefusal.InvalidUrl, `url uses "${url.protocol}", which is not allowed; use http or https`);
  }
  if (raw.length > MAX_URL) return refuse(WebhookRefusal.InvalidUrl, `url is longer than ${MAX_URL} characters`);
  return null;
}

function checkEventTypes(types: string[]): Refusal | null {
  if (types.length > MAX_LIST) return refuse(WebhookRefusal.UnknownEventType, `at most ${MAX_LIST} event types`);
  const unknown = types.find((type) => !isChangeEventType(type));
  if (unknown === undefined) return null;
  return refuse(
    WebhookRefusal.UnknownEventType,
    `"${unknown.slice(0, 80)}" is not an event type; use one of ${Object.keys(CHANGE_EVENT_TYPES).join(', ')}`,
  );
}

function checkSources(sources: string[], what: string): Refusal | null {
  if (sources.length > MAX_LIST) return refuse(WebhookRefusal.InvalidSource, `at most ${MAX_LIST} ${what}`);
  const bad = sources.find((s) => !SOURCE_KEY.test(s));
  if (bad === undefined) return null;
  return refuse(
    WebhookRefusal.InvalidSource,
    `${what}: "${bad.slice(0, 80)}" is not a source key (lower-case letters, digits, - or _, e.g. salesforce)`,
  );
}

function checkSegmentKeys(keys: string[]): Refusal | null {
  if (keys.length > MAX_LIST) return refuse(WebhookRefusal.InvalidSegmentKey, `at most ${MAX_LIST} segment keys`);
  const bad = keys.find((k) => k.trim() === '' || k.length > 200);
  if (bad === undefined) return null;
  return refuse(WebhookRefusal.InvalidSegmentKey, 'segment keys must be non-empty and at most 200 characters');
}

const unique = (values: string[]) => [...new Set(values)];

/** Validates what is given; returns the first refusal or the normalised values. */
function validate(input: WebhookSubscriptionPatch): Outcome<{ values: WebhookSubscriptionPatch }> {
  const values: WebhookSubscriptionPatch = {};
  if (input.url !== undefined) {
    const url = (input.url ?? '').trim();
    const refused = checkUrl(url);
    if (refused) return refused;
    values.url = url;
  }
  if (input.eventTypes !== undefined) {
    const types = unique(input.eventTypes ?? []);
    const refused = checkEventTypes(types);
    if (refused) return refused;
    values.eventTypes = types;
  }
  if (input.filter !== undefined) {
    const sources = input.filter?.sources ? unique(input.filter.sources) : null;
    const segmentKeys = input.filter?.segmentKeys ? unique(input.filter.segmentKeys) : null;
    const refused =
      (sources && checkSources(sources, 'filter.sources')) || (segmentKeys && checkSegmentKeys(segmentKeys));
    if (refused) return refused;
    values.filter = { sources, segmentKeys };
  }
  if (input.targetSource !== undefined) {
    const target = input.targetSource?.trim() || null;
    const refused = target ? checkSources([target], 'targetSource') : null;
    if (refused) return refused;
    values.targetSource = target;
  }
  if (input.description !== undefined) {
    if (input.description && input.description.length > 1000) {
      return refuse(WebhookRefusal.InvalidDescription, 'description is longer than 1000 characters');
    }
    values.description = input.description || null;
  }
  if (input.status !== undefined && input.status !== null) values.status = input.status;
  return { ok: true, values };
}

/** Only the filter keys that are set, so the stored JSON stays small and readable. */
function storedFilter(filter: WebhookSubscriptionPatch['filter']): WebhookFilter {
  const stored: WebhookFilter = {};
  if (filter?.sources) stored.sources = filter.sources;
  if (filter?.segmentKeys) stored.segmentKeys = filter.segmentKeys;
  return stored;
}

const COLUMNS = `id, url, event_types, filter, target_source, description, status, consecutive_failures, created_by,
                 created_at, updated_at`;

function toView(row: Record<string, unknown>): WebhookSubscriptionView {
  const filter = (row.filter ?? {}) as WebhookFilter;
  return {
    id: row.id as string,
    url: row.url as string,
    eventTypes: row.event_types as string[],
    filter: { sources: filter.sources ?? null, segmentKeys: filter.segmentKeys ?? null },
    targetSource: row.target_source as string | null,
    description: row.description as string | null,
    status: row.status as WebhookSubscriptionStatus,
    consecutiveFailures: row.consecutive_failures as number,
    createdBy: row.created_by as string | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

/**
 * Creates a subscription that receives every matching change committed from now on, and returns its signing
 * secret — the only time the secret is shown.
 */
export async function createWebhookSubscription(
  tx: TxContext,
  input: WebhookSubscriptionInput,
): Promise<Outcome<{ subscription: WebhookSubscriptionView; secret: string }>> {
  const checked = validate({
    url: input.url,
    eventTypes: input.eventTypes ?? [],
    filter: input.filter ?? null,
    targetSource: input.targetSource ?? null,
    description: input.description ?? null,
  });
  if (!checked.ok) return checked;
  const { values } = checked;
  const secret = newWebhookSecret();
  const [row] = await tx.manager.query(
    `INSERT INTO webhook_subscription (url, event_types, filter, target_source, description, secret, cursor, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING ${COLUMNS}`,
    [
      values.url,
      values.eventTypes,
      storedFilter(values.filter),
      values.targetSource,
      values.description,
      secret,
      await currentFeedCursor(tx.manager),
      tx.actor,
    ],
  );
  return { ok: true, subscription: toView(row), secret };
}

/** Changes the given fields of a subscription (and pauses or resumes it). */
export async function updateWebhookSubscription(
  tx: TxContext,
  id: string,
  patch: WebhookSubscriptionPatch,
): Promise<Outcome<{ subscription: WebhookSubscriptionView }>> {
  const checked = validate(patch);
  if (!checked.ok) return checked;
  const { values } = checked;
  const [row] = returnedRows(
    await tx.manager.query(
      `UPDATE webhook_subscription
        SET url = coalesce($2, url),
            event_types = coalesce($3, event_types),
            filter = CASE WHEN $4::boolean THEN $5::jsonb ELSE filter END,
            target_source = CASE WHEN $6::boolean THEN $7 ELSE target_source END,
            description = CASE WHEN $8::boolean THEN $9 ELSE description END,
            status = coalesce($10, status),
            -- resuming (or re-enabling) starts a fresh failure count
            consecutive_failures = CASE WHEN $10 = 'active' THEN 0 ELSE consecutive_failures END,
            updated_at = now()
      WHERE id = $1
     RETURNING ${COLUMNS}`,
      [
        id,
        values.url ?? null,
        values.eventTypes ?? null,
        values.filter !== undefined,
        storedFilter(values.filter),
        values.targetSource !== undefined,
        values.targetSource ?? null,
        values.description !== undefined,
        values.description ?? null,
        values.status ?? null,
      ],
    ),
  );
  if (!row) return refuse(WebhookRefusal.NotFound, 'no such webhook subscription');
  if (values.status === 'active') await wakeDispatchers(tx);
  return { ok: true, subscription: toView(row) };
}

/** Deletes a subscription with its deliveries; nothing more is sent to it. */
export async function deleteWebhookSubscription(tx: TxContext, id: string): Promise<Outcome<{ id: string }>> {
  const rows = returnedRows(
    await tx.manager.query(`DELETE FROM webhook_subscription WHERE id = $1 RETURNING id`, [id]),
  );
  if (rows.length === 0) return refuse(WebhookRefusal.NotFound, 'no such webhook subscription');
  return { ok: true, id };
}

/** Every subscription, oldest first (a deployment has a handful). */
export async function listWebhookSubscriptions(
  tx: Pick<TxContext, 'manager'>,
  filter: { id?: string; status?: WebhookSubscriptionStatus } = {},
): Promise<WebhookSubscriptionView[]> {
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `SELECT ${COLUMNS} FROM webhook_subscription
      WHERE ($1::uuid IS NULL OR id = $1) AND ($2::text IS NULL OR status = $2)
      ORDER BY created_at, id`,
    [filter.id ?? null, filter.status ?? null],
  );
  return rows.map(toView);
}

/** Wakes the webhook dispatchers of every hub process once the transaction commits. */
export async function wakeDispatchers(tx: Pick<TxContext, 'manager'>): Promise<void> {
  await tx.manager.query(`SELECT pg_notify('webhook_delivery', '')`);
}
