import type { DataSource } from 'typeorm';
import { ErrorCode, HubError } from '../common/hub-error';

export interface TimelineEventView {
  id: string;
  profileId: string;
  source: string;
  externalEventId: string;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
}

export interface TimelineArgs {
  first: number;
  /** Cursor: the `id` (bigint) of the last event seen; the timeline runs newest first. */
  after?: string | null;
  types?: string[] | null;
}

export function decodeTimelineCursor(after: string | null | undefined): string | null {
  if (!after) return null;
  const id = Buffer.from(after, 'base64url').toString('utf8');
  if (!/^\d{1,19}$/.test(id)) throw new HubError(ErrorCode.BadRequest, 'invalid cursor');
  return id;
}

export const encodeTimelineCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

/**
 * The timelines of many profiles with the same page arguments in one query (newest first): one LATERAL
 * look-up per profile on the (profile_id, type, occurred_at) index. Returns `first + 1` events per profile
 * so the caller can tell whether there is a next page.
 */
export async function findTimelines(
  ds: DataSource,
  profileIds: readonly string[],
  args: TimelineArgs,
): Promise<TimelineEventView[][]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT e.id::text AS id, p.id AS profile_id, e.source, e.external_event_id, e.type, e.occurred_at, e.properties
       FROM unnest($1::uuid[]) AS p(id)
       CROSS JOIN LATERAL (
         SELECT * FROM engagement_event e
          WHERE e.profile_id = p.id
            AND ($2::text[] IS NULL OR e.type = ANY($2::text[]))
            AND ($3::bigint IS NULL OR (e.occurred_at, e.id) < (SELECT occurred_at, id FROM engagement_event WHERE id = $3::bigint))
          ORDER BY e.occurred_at DESC, e.id DESC
          LIMIT $4) e`,
    [
      profileIds,
      args.types && args.types.length > 0 ? args.types : null,
      decodeTimelineCursor(args.after),
      args.first + 1,
    ],
  );
  const grouped = new Map<string, TimelineEventView[]>();
  for (const r of rows) {
    const view: TimelineEventView = {
      id: r.id as string,
      profileId: r.profile_id as string,
      source: r.source as string,
      externalEventId: r.external_event_id as string,
      type: r.type as string,
      occurredAt: r.occurred_at as Date,
      properties: r.properties as Record<string, unknown>,
    };
    const list = grouped.get(view.profileId) ?? [];
    list.push(view);
    grouped.set(view.profileId, list);
  }
  return profileIds.map((id) => grouped.get(id) ?? []);
}
