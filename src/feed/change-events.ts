import type { TxContext } from '../common/context';
import { newRowId } from '../common/row-id';
import { isoTimeSql } from '../db/iso-time-sql';
import { TupleSet } from '../db/tuple-set';
import type { StatementChain } from '../db/statement-chain';
import { storedPayload } from './stored-payload';

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

/** An event to append with its new id and its place in the statement (`ord`, the order positions follow). */
interface EventWrite {
  event: NewChangeEvent;
  id: string;
  ord: number;
}

const EVENT_ROWS = new TupleSet<EventWrite>({
  id: { type: 'uuid', value: (w) => w.id },
  type: { type: 'text', value: (w) => w.event.type },
  profile_id: { type: 'uuid', value: (w) => w.event.profileId },
  segment_key: { type: 'text', value: (w) => w.event.segmentKey },
  origin_source: { type: 'text', value: (w) => w.event.originSource },
  payload: { type: 'jsonb', value: (w) => storedPayload(w.event.type, w.event.profileId, w.event.payload) },
  ord: { type: 'int', value: (w) => w.ord },
});

/**
 * The transaction's feed id (`hub_current_txid()`, the column's default) is read once per statement, as an
 * uncorrelated sub-select: as the default it ran once per row, and the function — SQL with a sub-query, which
 * PostgreSQL cannot inline — cost ~8 µs each time (change-event inserts 357 → 219 ms in a 20,000-record import,
 * `pg_stat_statements`). Every row of a transaction gets the same value either way. The bulk writers of events
 * (here and `segments/membership.ts`) do the same.
 */
const INSERT_EVENT_ROWS = `INSERT INTO change_event (id, type, profile_id, segment_key, origin_source, payload, txid)
     SELECT e.id, e.type, e.profile_id, e.segment_key, e.origin_source, e.payload, (SELECT hub_current_txid())
       FROM ${EVENT_ROWS.sql('$1')} AS e
      ORDER BY e.ord`;

const INSERT_CHANGE_EVENTS = `${INSERT_EVENT_ROWS}
     RETURNING id, position::text AS position, ${isoTimeSql('occurred_at')} AS occurred_at`;

/**
 * The events inserted, counted: a bulk import's tens of thousands of events were read back row by row to be
 * counted, and for ids and times that nothing on that path reads.
 */
const INSERT_CHANGE_EVENTS_COUNTED = `WITH appended AS (${INSERT_EVENT_ROWS} RETURNING 1)
     SELECT count(*)::int AS appended FROM appended`;

/** An appended row, its time as ISO text formatted by PostgreSQL (`isoTimeSql`). */
type InsertedRow = { id: string; position: string; occurred_at: string };

/** The events with their new ids, and the statement's parameter. */
function eventRows(events: NewChangeEvent[]) {
  const ids = events.map(() => newRowId());
  return { ids, parameter: EVENT_ROWS.encode(events.map((event, ord) => ({ event, id: ids[ord], ord }))) };
}

/** Appends change events in one statement inside the caller's transaction (the outbox). */
export async function appendChangeEvents(tx: TxContext, events: NewChangeEvent[]): Promise<AppendedChangeEvent[]> {
  if (events.length === 0) return [];
  const { ids, parameter } = eventRows(events);
  const rows: InsertedRow[] = await tx.manager.query(INSERT_CHANGE_EVENTS, [parameter]);
  tx.afterCommit(() => tx.notifier.feedCommitted());
  // Each appended event is the caller's event with its id, position and time, copied once (a copy with the id and
  // its order, then one without the order through a rest pattern, cost ~5 µs an event).
  const byId = new Map(rows.map((row) => [row.id, row]));
  return events.map((event, ord) => {
    const row = byId.get(ids[ord])!;
    return { ...event, id: ids[ord], position: row.position, occurredAt: row.occurred_at };
  });
}

/**
 * `appendChangeEvents` on a statement chain, for a writer that reads nothing back: returns once the statement is
 * sent; the statement checks, when it answers, that every event was appended.
 */
export async function sendChangeEvents(tx: TxContext, events: NewChangeEvent[], chain: StatementChain): Promise<void> {
  if (events.length === 0) return;
  await chain.send<{ appended: number }[]>(INSERT_CHANGE_EVENTS_COUNTED, [eventRows(events).parameter], ([row]) => {
    if (row.appended !== events.length) throw new Error(`change events: appended ${row.appended} of ${events.length}`);
  });
  tx.afterCommit(() => tx.notifier.feedCommitted());
}
