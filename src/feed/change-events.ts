import type { TxContext } from '../common/context';
import { newRowId } from '../common/row-id';

/** A change event to append to the outbox in the caller's transaction. */
export interface NewChangeEvent {
  type: string;
  profileId?: string | null;
  segmentKey?: string | null;
  /** The source whose record caused the change, so sync can skip echoing it back there. */
  originSource?: string | null;
  payload: Record<string, unknown>;
}

export interface AppendedChangeEvent extends NewChangeEvent {
  id: string;
  position: string;
  occurredAt: string;
}

/** Appends change events in one statement inside the caller's transaction (the outbox). */
export async function appendChangeEvents(tx: TxContext, events: NewChangeEvent[]): Promise<AppendedChangeEvent[]> {
  if (events.length === 0) return [];
  const withIds = events.map((event, ord) => ({ ...event, id: newRowId(), ord }));
  const rows: { id: string; position: string; occurred_at: Date }[] = await tx.manager.query(
    `INSERT INTO change_event (id, type, profile_id, segment_key, origin_source, payload)
     SELECT e.id, e.type, e.profile_id, e.segment_key, e.origin_source, e.payload
       FROM jsonb_to_recordset($1::jsonb)
            AS e(id uuid, type text, profile_id uuid, segment_key text, origin_source text, payload jsonb, ord int)
      ORDER BY e.ord
     RETURNING id, position, occurred_at`,
    [
      JSON.stringify(
        withIds.map((e) => ({
          id: e.id,
          type: e.type,
          profile_id: e.profileId ?? null,
          segment_key: e.segmentKey ?? null,
          origin_source: e.originSource ?? null,
          payload: e.payload,
          ord: e.ord,
        })),
      ),
    ],
  );
  tx.afterCommit(() => tx.notifier.feedCommitted());
  const byId = new Map(rows.map((row) => [row.id, row]));
  return withIds.map(({ ord: _ord, ...event }) => {
    const row = byId.get(event.id)!;
    return { ...event, position: String(row.position), occurredAt: row.occurred_at.toISOString() };
  });
}
