import { FeedFanout } from '../../src/feed/feed-fanout';
import { FeedWakeups } from '../../src/feed/feed-wakeups';
import { currentFeedCursor, readChangeEvents, type FeedEvent } from '../../src/feed/read-change-events';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Takes `n` events from a stream (fails after `ms`). */
async function take(stream: AsyncIterableIterator<FeedEvent>, n: number, ms = 10_000): Promise<FeedEvent[]> {
  const got: FeedEvent[] = [];
  const deadline = setTimeout(() => void stream.return?.(), ms);
  try {
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      got.push(next.value);
      if (got.length === n) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return got;
}

/**
 * Waits for a condition with no deadline of its own (the test's timeout is the bound): on a loaded machine a
 * follower may take longer than any fixed wait to join, and going on before it has would test nothing.
 */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe('FeedFanout (the shared subscription reader)', () => {
  let db: TestDatabase;
  let fanout: FeedFanout;

  beforeAll(async () => {
    db = await createTestDatabase();
    fanout = new FeedFanout(db.dataSource, new FeedWakeups(db.url));
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const insert = (types: string[]) =>
    db.dataSource.query(`INSERT INTO change_event (type) SELECT unnest($1::text[])`, [types]);

  it('reads a transaction of many events in position order (numerically, not as text)', async () => {
    const start = await currentFeedCursor(db.dataSource.manager);
    await insert(Array.from({ length: 12 }, (_, i) => `test.n${i + 1}`));
    let page = await readChangeEvents(db.dataSource.manager, { after: start, limit: 3 });
    const types: string[] = [];
    // Another test file's open transaction can hold the server-wide horizon back for a while: keep reading.
    for (;;) {
      types.push(...page.events.map((e) => e.type));
      if (types.length >= 12) break;
      if (page.events.length === 0) await new Promise((r) => setTimeout(r, 20));
      page = await readChangeEvents(db.dataSource.manager, { after: page.cursor, limit: 3 });
    }
    expect(types).toEqual(Array.from({ length: 12 }, (_, i) => `test.n${i + 1}`));
  });

  it('hands every follower what followed its own cursor: backlog, then live, no gap and no repeat', async () => {
    const start = await currentFeedCursor(db.dataSource.manager);
    await insert(['test.a', 'test.b', 'test.a']);
    const live = fanout.follow({ after: null, types: ['test.a'] }); // from now
    const fromStart = fanout.follow({ after: start, types: ['test.a'] });
    const firstTwo = await take(fromStart, 2);
    expect(firstTwo.map((e) => e.type)).toEqual(['test.a', 'test.a']);
    // Let the live follower join before the next writes (`fromStart` is paused in its backlog, not live).
    const pending = take(live, 11);
    await until(() => fanout.liveFollowers >= 1);
    await insert(Array.from({ length: 11 }, () => 'test.a'));
    const [liveGot, restGot] = await Promise.all([pending, take(fromStart, 11)]);
    expect(liveGot.map((e) => e.id)).toEqual(restGot.map((e) => e.id));
    expect(new Set(liveGot.map((e) => e.id)).size).toBe(11);
    await live.return?.();
    await fromStart.return?.();
  });

  it('ends a waiting follower at once on return(), and stops reading when the last one leaves', async () => {
    const stream = fanout.follow({ after: null, types: ['test.none'] });
    const waiting = stream.next();
    await until(() => fanout.liveFollowers >= 1);
    // (A follower that return() did not end would keep this await — and the test — waiting until it fails.)
    await stream.return?.();
    await expect(waiting).resolves.toMatchObject({ done: true });
    expect(fanout.liveFollowers).toBe(0);
    await fanout.stopped();
    const reads = fanout.reads;
    await new Promise((r) => setTimeout(r, 1200));
    expect(fanout.reads).toBe(reads);
  });

  it('sends a follower that fell far behind back to read on its own, without losing events', async () => {
    const start = await currentFeedCursor(db.dataSource.manager);
    const slow = fanout.follow({ after: start, types: ['test.flood'] });
    const fast = fanout.follow({ after: start, types: ['test.flood'] });
    const first = slow.next();
    await until(() => fanout.liveFollowers >= 1);
    await insert(Array.from({ length: 6000 }, () => 'test.flood')); // more than a live follower may queue
    const overflows = fanout.overflows;
    const fastGot = await take(fast, 6000, 30_000);
    expect(fanout.overflows).toBeGreaterThan(overflows);
    const slowGot = [(await first).value as FeedEvent, ...(await take(slow, 5999, 30_000))];
    expect(slowGot.map((e) => e.id)).toEqual(fastGot.map((e) => e.id));
    await slow.return?.();
    await fast.return?.();
  }, 60_000);
});
