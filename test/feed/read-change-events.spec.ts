import type { DataSource } from 'typeorm';
import { inTransaction, systemContext } from '../../src/common/context';
import { appendChangeEvents, sendChangeEvents } from '../../src/feed/change-events';
import { StatementChain } from '../../src/db/statement-chain';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { currentFeedCursor, decodeFeedCursor, readChangeEvents } from '../../src/feed/read-change-events';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Reads from `after` until `expected` events have arrived (the horizon is server-wide: other files' open transactions hold it back briefly). */
async function readUntil(ds: DataSource, after: string | null, expected: number, types?: string[]) {
  const events: { type: string; id: string }[] = [];
  let cursor = after;
  for (let attempt = 0; attempt < 300 && events.length < expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const page = await readChangeEvents(ds.manager, { after: cursor, limit: 2, types });
    events.push(...page.events);
    cursor = page.cursor;
  }
  return { events, cursor };
}

describe('readChangeEvents (the outbox reader)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('never skips an event of a transaction that commits after a later-started one', async () => {
    const ds = db.dataSource;
    const start = await currentFeedCursor(ds.manager);
    const slow = ds.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    try {
      // The slow transaction takes the smaller position and txid, but commits last.
      await slow.query(`INSERT INTO change_event (type) VALUES ('test.slow')`);
      await ds.query(`INSERT INTO change_event (type) VALUES ('test.fast')`);

      // While the slow one is open, the fast one is held back too: handing it out would move the cursor past
      // the slow one's place.
      const early = await readChangeEvents(ds.manager, { after: start, limit: 100 });
      expect(early.events.map((e) => e.type)).not.toContain('test.fast');
      expect(early.events.map((e) => e.type)).not.toContain('test.slow');
      await slow.commitTransaction();

      const { events } = await readUntil(ds, early.cursor, 2);
      expect(events.map((e) => e.type)).toEqual(['test.slow', 'test.fast']);
    } finally {
      await slow.release();
    }
  });

  it('pages with a cursor, filters by type and moves the cursor on past events it filtered out', async () => {
    const ds = db.dataSource;
    const start = await currentFeedCursor(ds.manager);
    await ds.query(`INSERT INTO change_event (type) VALUES ('test.a'), ('test.b'), ('test.a'), ('test.b'), ('test.a')`);
    const all = await readUntil(ds, start, 5);
    expect(all.events.map((e) => e.type)).toEqual(['test.a', 'test.b', 'test.a', 'test.b', 'test.a']);
    expect(new Set(all.events.map((e) => e.id)).size).toBe(5);

    const onlyB = await readUntil(ds, start, 2, ['test.b']);
    expect(onlyB.events.map((e) => e.type)).toEqual(['test.b', 'test.b']);
    const after = await readChangeEvents(ds.manager, { after: onlyB.cursor, limit: 10, types: ['test.b'] });
    expect(after.events).toEqual([]);
    // The cursor of a page that found nothing is not behind where the reader was.
    const position = decodeFeedCursor(after.cursor);
    const previous = decodeFeedCursor(onlyB.cursor!);
    expect(position.txid > previous.txid || position.position >= previous.position).toBe(true);
  });

  it("stamps every appended event with its transaction's feed id, the restore offset included", async () => {
    const ds = db.dataSource;
    const ctx = systemContext(ds, createLogger('silent'), new ChangeNotifier(createHubPubSub()));
    const stamp = (offset: number) =>
      inTransaction(ctx, async (tx) => {
        // As after a restore onto another server (`profile-hub restore`); rolled back below with the events.
        await tx.manager.query(`UPDATE feed_txid_offset SET txid_offset = $1`, [offset]);
        const events = await appendChangeEvents(
          tx,
          [1, 2, 3].map((n) => ({ type: 'test.stamped', payload: { n } })),
        );
        const [{ txid: own }] = await tx.manager.query(`SELECT pg_current_xact_id()::text AS txid`);
        const rows: { txid: string }[] = await tx.manager.query(
          `SELECT txid::text FROM change_event WHERE id = ANY($1::uuid[])`,
          [events.map((e) => e.id)],
        );
        throw Object.assign(new Error('roll back'), { rows, own: BigInt(own) });
      }).catch((error: { rows: { txid: string }[]; own: bigint }) => error);
    const plain = await stamp(0);
    const restored = await stamp(1_000_000_000);
    expect(plain.rows.map((r) => BigInt(r.txid))).toEqual([plain.own, plain.own, plain.own]);
    expect(restored.rows.map((r) => BigInt(r.txid))).toEqual(Array(3).fill(restored.own + 1_000_000_000n));
  });

  it("sends events on a statement chain in order, each row at the transaction's time", async () => {
    const ds = db.dataSource;
    const ctx = systemContext(ds, createLogger('silent'), new ChangeNotifier(createHubPubSub()));
    const { rows, now } = await inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      await sendChangeEvents(
        tx,
        ['a', 'b', 'c'].map((n) => ({ type: `test.sent.${n}`, payload: { n } })),
        chain,
      );
      await sendChangeEvents(tx, [{ type: 'test.sent.d', payload: {} }], chain);
      await chain.idle();
      const rows: { type: string; payload: unknown; occurred_at: Date }[] = await tx.manager.query(
        `SELECT type, payload, occurred_at FROM change_event WHERE type LIKE 'test.sent.%' ORDER BY position`,
      );
      const [{ now }]: { now: Date }[] = await tx.manager.query(`SELECT now()`);
      return { rows, now };
    });
    expect(rows.map((r) => [r.type, r.payload])).toEqual([
      ['test.sent.a', { n: 'a' }],
      ['test.sent.b', { n: 'b' }],
      ['test.sent.c', { n: 'c' }],
      ['test.sent.d', {}],
    ]);
    for (const row of rows) expect(row.occurred_at.toISOString()).toBe(now.toISOString());
  });

  it('refuses a cursor it did not make with a coded error', async () => {
    await expect(readChangeEvents(db.dataSource.manager, { after: 'not-a-cursor', limit: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
