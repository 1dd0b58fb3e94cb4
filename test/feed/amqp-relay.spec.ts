import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { inTransaction, systemContext } from '../../src/common/context';
import { appendChangeEvents, type NewChangeEvent } from '../../src/feed/change-events';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { AmqpFeedRelay, feedRoutingKey, type AmqpFeedRelayOptions } from '../../src/feed/amqp-relay';
import { decodeFeedCursor } from '../../src/feed/read-change-events';
import { createDataSource } from '../../src/db/data-source';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const AMQP_URL = process.env.HUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const EXCHANGE = `phtest-${process.pid}-${randomBytes(3).toString('hex')}.changes`;
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

interface Received {
  routingKey: string;
  messageId: string;
  body: Record<string, any>;
}

let db: TestDatabase;
let broker: ChannelModel;
let channel: Channel;
const relays: AmqpFeedRelay[] = [];
const queues: Record<string, Received[]> = {};

async function bind(name: string, pattern: string): Promise<Received[]> {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, EXCHANGE, pattern);
  const list: Received[] = (queues[name] = []);
  await channel.consume(
    queue,
    (message: ConsumeMessage | null) => {
      if (!message) return;
      list.push({
        routingKey: message.fields.routingKey,
        messageId: message.properties.messageId as string,
        body: JSON.parse(message.content.toString('utf8')),
      });
      channel.ack(message);
    },
    { noAck: false },
  );
  return list;
}

function relay(options: Partial<AmqpFeedRelayOptions> = {}): AmqpFeedRelay {
  const r = new AmqpFeedRelay({
    url: AMQP_URL,
    dataSource: db.dataSource,
    logger,
    exchange: EXCHANGE,
    standbyRetryMs: 200,
    pollMs: 500,
    ...options,
  }).start();
  relays.push(r);
  return r;
}

const append = (events: NewChangeEvent[]) =>
  inTransaction(systemContext(db.dataSource, logger, new ChangeNotifier(createHubPubSub())), (tx) =>
    appendChangeEvents(tx, events),
  );

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const feedOrder = (list: Received[]) =>
  list
    .map((m) => decodeFeedCursor(m.body.cursor))
    .every((p, i, all) => {
      const q = all[i - 1];
      return !q || p.txid > q.txid || (p.txid === q.txid && p.position > q.position);
    });

beforeAll(async () => {
  db = await createTestDatabase();
  broker = await connect(AMQP_URL);
  channel = await broker.createChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  await bind('all', '#');
  await bind('vip', 'segment.*.vip');
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  if (broker) {
    const cleanup = await broker.createChannel();
    await cleanup.deleteExchange(EXCHANGE);
    await broker.close();
  }
  await db?.destroy();
});

describe('broker relay: the outbox to a RabbitMQ topic exchange', () => {
  it('routes by type and segment key', () => {
    expect(feedRoutingKey({ type: 'profile.updated', segmentKey: null })).toBe('profile.updated');
    expect(feedRoutingKey({ type: 'segment.entered', segmentKey: 'vip' })).toBe('segment.entered.vip');
  });

  it('publishes every event in feed order, persistent, and checkpoints only what the broker confirmed', async () => {
    const ann = randomUUID();
    await append([
      { type: 'profile.created', profileId: ann, payload: { version: 1 } },
      { type: 'segment.entered', profileId: ann, segmentKey: 'vip', payload: { version: 1 } },
    ]);
    await append([{ type: 'segment.exited', profileId: ann, segmentKey: 'other', payload: {} }]);
    const r = relay();
    await waitFor('3 messages', () => queues.all.length >= 3);
    expect(queues.all.map((m) => m.routingKey)).toEqual([
      'profile.created',
      'segment.entered.vip',
      'segment.exited.other',
    ]);
    expect(queues.vip.map((m) => m.routingKey)).toEqual(['segment.entered.vip']);
    expect(queues.all[1]).toMatchObject({
      body: { type: 'segment.entered', segmentKey: 'vip', payload: { version: 1 }, cursor: expect.any(String) },
    });
    expect(queues.all[1].messageId).toBe(queues.all[1].body.id);
    await waitFor('the checkpoint', async () => {
      const [row] = await db.dataSource.query(`SELECT cursor FROM feed_checkpoint WHERE consumer = 'amqp-relay'`);
      return row?.cursor === queues.all[2].body.cursor;
    });
    expect(r.state).toBe('active');

    // Live: an event committed now is relayed too (its latency is measured by bench:feed, not asserted here).
    await append([{ type: 'profile.updated', profileId: ann, payload: { version: 2 } }]);
    await waitFor('the live event', () => queues.all.length >= 4);
    await r.stop();
  });

  it('resumes from its position after a restart: nothing lost, nothing repeated, nothing reordered', async () => {
    const before = queues.all.length;
    const profile = randomUUID();
    for (let v = 1; v <= 30; v++)
      await append([{ type: 'profile.updated', profileId: profile, payload: { version: v } }]);
    relay();
    await waitFor('30 more', () => queues.all.length >= before + 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = queues.all.slice(before);
    expect(after.map((m) => m.body.payload.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(feedOrder(queues.all)).toBe(true);
    expect(new Set(queues.all.map((m) => m.messageId)).size).toBe(queues.all.length);
  });

  it('moves its position only for what a broker confirmed: with the broker unreachable nothing is skipped', async () => {
    await Promise.all(relays.map((r) => r.stop()));
    const checkpoint = async () =>
      (await db.dataSource.query(`SELECT cursor FROM feed_checkpoint WHERE consumer = 'amqp-relay'`))[0].cursor;
    const stored = await checkpoint();
    const before = queues.all.length;
    const down = relay({ url: 'amqp://guest:guest@127.0.0.1:1', backoffMs: { initial: 50, max: 100 } });
    await append([{ type: 'profile.updated', profileId: randomUUID(), payload: { version: 1 } }]);
    await waitFor('a failed attempt', () => down.state === 'retrying');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await checkpoint()).toBe(stored);
    await down.stop();
    relay();
    await waitFor('the held-back event', () => queues.all.length >= before + 1);
    expect(queues.all[before].body.payload).toEqual({ version: 1 });
  });

  it('runs one active relay across processes; a standby takes over when the active one stops', async () => {
    await Promise.all(relays.map((r) => r.stop()));
    const before = queues.all.length;
    const second = createDataSource({ url: db.url, poolSize: 2 }); // another hub process
    await second.initialize();
    try {
      const a = relay();
      const b = relay({ dataSource: second });
      await waitFor('one active', () => [a.state, b.state].includes('active'));
      await waitFor('one standby', () => [a.state, b.state].includes('standby'));
      const [active, standby] = a.state === 'active' ? [a, b] : [b, a];
      const profile = randomUUID();
      for (let v = 1; v <= 20; v++)
        await append([{ type: 'profile.updated', profileId: profile, payload: { version: v } }]);
      await waitFor('20 more', () => queues.all.length >= before + 20);
      await active.stop();
      for (let v = 21; v <= 40; v++)
        await append([{ type: 'profile.updated', profileId: profile, payload: { version: v } }]);
      await waitFor('the standby takes over', () => standby.state === 'active', 10_000);
      await waitFor('40 in all', () => queues.all.length >= before + 40);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const got = queues.all.slice(before);
      expect(got.map((m) => m.body.payload.version)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(feedOrder(queues.all)).toBe(true);
      expect(active.published + standby.published).toBe(40);
      await standby.stop();
    } finally {
      await second.destroy();
    }
  });
});
