import type { EntityManager } from 'typeorm';
import type { TxContext } from '../common/context';
import { ErrorCode, HubError } from '../common/hub-error';
import type { WebhookDeliveryStatus } from './entities/webhook-delivery.entity';
import { pageWithTotal } from '../db/page-with-total';
import { returnedRows } from '../db/returned-rows';
import { wakeDispatchers, WebhookRefusal, type Outcome } from './webhook-subscriptions';

export interface WebhookDeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  profileId: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  requestBody: Record<string, unknown>;
  createdAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `id::text AS id, subscription_id, change_event_id, profile_id, status, attempts, next_attempt_at,
                 last_attempt_at, last_status_code, last_error, request_body, created_at, delivered_at`;

function toView(row: Record<string, unknown>): WebhookDeliveryView {
  const body = row.request_body as Record<string, unknown>;
  return {
    id: row.id as string,
    subscriptionId: row.subscription_id as string,
    eventId: row.change_event_id as string,
    eventType: String(body.type ?? ''),
    profileId: row.profile_id as string | null,
    status: row.status as WebhookDeliveryStatus,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as Date,
    lastAttemptAt: row.last_attempt_at as Date | null,
    lastStatusCode: row.last_status_code as number | null,
    lastError: row.last_error as string | null,
    requestBody: body,
    createdAt: row.created_at as Date,
    deliveredAt: row.delivered_at as Date | null,
  };
}

/** Opaque page cursor over delivery ids (they grow in feed order per subscription). */
export function encodeDeliveryCursor(id: string): string {
  return Buffer.from(`d:${id}`, 'utf8').toString('base64url');
}

function decodeDeliveryCursor(cursor: string): string {
  const match = /^d:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new HubError(ErrorCode.BadRequest, 'invalid cursor');
  return match[1];
}

/** Deliveries, oldest first, a page at a time; the total counts the whole filter. */
export async function listWebhookDeliveries(
  manager: EntityManager,
  filter: { subscriptionId?: string | null; status?: WebhookDeliveryStatus | null },
  first: number,
  after?: string | null,
): Promise<{ items: WebhookDeliveryView[]; cursors: string[]; hasNextPage: boolean; totalCount: number }> {
  const afterId = after ? decodeDeliveryCursor(after) : null;
  const params = [filter.subscriptionId ?? null, filter.status ?? null];
  const where = `($1::uuid IS NULL OR subscription_id = $1) AND ($2::text IS NULL OR status = $2)`;
  const { rows, total: count } = await pageWithTotal(
    manager,
    {
      total: `SELECT count(*) FROM webhook_delivery WHERE ${where}`,
      page: `SELECT ${COLUMNS} FROM webhook_delivery
              WHERE ${where} AND ($3::bigint IS NULL OR id > $3::bigint)
              ORDER BY id
              LIMIT $4`,
      order: 'p.id::bigint',
    },
    [...params, afterId, first + 1],
  );
  const page = rows.slice(0, first).map(toView);
  return {
    items: page,
    cursors: page.map((item) => encodeDeliveryCursor(item.id)),
    hasNextPage: rows.length > first,
    totalCount: count,
  };
}

/** Puts a `dead` or `failed` delivery back in line: pending, a fresh attempt count, due now. */
export async function redeliverWebhook(
  tx: TxContext,
  deliveryId: string,
): Promise<Outcome<{ delivery: WebhookDeliveryView }>> {
  const [row] = returnedRows(
    await tx.manager.query(
      `UPDATE webhook_delivery
          SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE id = $1 AND status IN ('dead', 'failed')
       RETURNING ${COLUMNS}`,
      [deliveryId],
    ),
  );
  if (!row) {
    const [current] = await tx.manager.query(`SELECT status FROM webhook_delivery WHERE id = $1`, [deliveryId]);
    if (!current) return { ok: false, code: WebhookRefusal.NotFound, message: 'no such webhook delivery' };
    return {
      ok: false,
      code: WebhookRefusal.NotRedeliverable,
      message: `the delivery is ${current.status}; only dead or failed deliveries can be redelivered`,
    };
  }
  await wakeDispatchers(tx);
  return { ok: true, delivery: toView(row) };
}

/** Puts every dead delivery of a subscription back in line; returns how many. */
export async function redeliverDeadWebhooks(
  tx: TxContext,
  subscriptionId: string,
): Promise<Outcome<{ count: number }>> {
  const [subscription] = await tx.manager.query(`SELECT id FROM webhook_subscription WHERE id = $1`, [subscriptionId]);
  if (!subscription) return { ok: false, code: WebhookRefusal.NotFound, message: 'no such webhook subscription' };
  const rows = returnedRows(
    await tx.manager.query(
      `UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE subscription_id = $1 AND status = 'dead'
       RETURNING id`,
      [subscriptionId],
    ),
  );
  if (rows.length > 0) await wakeDispatchers(tx);
  return { ok: true, count: rows.length };
}
