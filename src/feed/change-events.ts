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

export interface AppendedChangeEvent extends NewChangeEvent, SentChangeEvent {
  position: string;
}

/** What is known of an appended event without reading its row back: what live subscribers are told of it. */
export interface SentChangeEvent {
  id: string;
  type: string;
  /** The transaction's time (`now()`, the column's default), as ISO text. */
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
 * The events inserted, counted, with the transaction's time once: every row's `occurred_at` is that time (the
 * column's default, `now()`), and the ids are the hub's own. A bulk import's tens of thousands of events were read
 * back row by row for nothing but those.
 */
const INSERT_CHANGE_EVENTS_COUNTED = `WITH appended AS (${INSERT_EVENT_ROWS} RETURNING 1)
     SELECT count(*)::int AS appended, ${isoTimeSql('now()')} AS occurred_at FROM appended`;

/** An appended row, its time as ISO text formatted by PostgreSQL (`isoTimeSql`). */
type InsertedRow = { id: string; position: string; occurred_at: string };

/** The events with their new ids, and the statement's parameter. */
function eventRows(events: NewChangeEvent[]) {
  const ids = events.map(() => newRowId());
  const parameter = EVENT_ROWS.encode(events.map((event, ord) => ({ event, id: ids[ord], ord })));
  // Each appended event is the caller's event with its id, position and time, copied once (a copy with the id and
  // its order, then one without the order through a rest pattern, cost ~5 µs an event).
  const appended = (rows: InsertedRow[]): AppendedChangeEvent[] => {
    const byId = new Map(rows.map((row) => [row.id, row]));
    return events.map((event, ord) => {
      const row = byId.get(ids[ord])!;
      return { ...event, id: ids[ord], position: row.position, occurredAt: row.occurred_at };
    });
  };
  return { ids, parameter, appended };
}

/** Appends change events in one statement inside the caller's transaction (the outbox). */
export async function appendChangeEvents(tx: TxContext, events: NewChangeEvent[]): Promise<AppendedChangeEvent[]> {
  if (events.length === 0) return [];
  const { parameter, appended } = eventRows(events);
  const rows: InsertedRow[] = await tx.manager.query(INSERT_CHANGE_EVENTS, [parameter]);
  tx.afterCommit(() => tx.notifier.feedCommitted());
  return appended(rows);
}

/**
 * `appendChangeEvents` on a statement chain: returns once the statement is sent; the events as sent (ids and time,
 * no positions) are read from the returned function once the chain is idle.
 */
export async function sendChangeEvents(
  tx: TxContext,
  events: NewChangeEvent[],
  chain: StatementChain,
): Promise<() => SentChangeEvent[]> {
  if (events.length === 0) return () => [];
  const { ids, parameter } = eventRows(events);
  let occurredAt: string | undefined;
  await chain.send<{ appended: number; occurred_at: string }[]>(INSERT_CHANGE_EVENTS_COUNTED, [parameter], ([row]) => {
    if (row.appended !== events.length) throw new Error(`change events: appended ${row.appended} of ${events.length}`);
    occurredAt = row.occurred_at;
  });
  tx.afterCommit(() => tx.notifier.feedCommitted());
  return () => {
    if (occurredAt === undefined) throw new Error('change events read before their statement answered');
    return events.map((event, i) => ({ id: ids[i], type: event.type, occurredAt: occurredAt! }));
  };
}
