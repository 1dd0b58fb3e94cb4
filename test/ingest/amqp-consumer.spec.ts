import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { DataSource } from 'typeorm';
import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import type { IngestOutcome } from '../../src/ingest/ingest-records';
import {
  AmqpHeader,
  DEAD_REASON_MAX_ATTEMPTS,
  ingestTopology,
  publishMessages,
  publishRecords,
  startAmqpConsumer,
  type AmqpConsumerOptions,
  type AmqpIngestConsumer,
  type IngestFunction,
} from '../../src/ingest/transports/amqp-consumer';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const AMQP_URL = process.env.HUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ROOT = path.resolve(__dirname, '../..');
const WORKER = path.join(ROOT, 'dist/src/ingest/transports/amqp-worker.js');
const PREFIX = `phtest-${process.pid}-${randomBytes(3).toString('hex')}`;
const SOURCES = ['salesforce', 'hubspot', 'dynamics', 'marketo', 'mailchimp', 'sendgrid', 'zendesk'];
const topology = ingestTopology(PREFIX);
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const notifier = new ChangeNotifier(createHubPubSub());
const run = promisify(execFile);

let db: TestDatabase;
let broker: ChannelModel;
let admin: Channel;
const consumers: AmqpIngestConsumer[] = [];

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function count(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM (${sql}) AS q`, params);
  return row.n;
}

const ready = async (queue: string) => (await admin.checkQueue(queue)).messageCount;

function consume(options: Partial<AmqpConsumerOptions> & { sources: string[] }): AmqpIngestConsumer {
  const consumer = startAmqpConsumer({
    url: AMQP_URL,
    prefix: PREFIX,
    dataSource: db.dataSource,
    logger,
    notifier,
    ...options,
  });
  consumers.push(consumer);
  return consumer;
}

beforeAll(async () => {
  broker = await connect(AMQP_URL);
  admin = await broker.createChannel();
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  if (broker) {
    const cleanup = await broker.createChannel(); // the admin channel may have died with a failed test
    for (const source of SOURCES) {
      await cleanup.deleteQueue(topology.queue(source));
      await cleanup.deleteQueue(topology.deadQueue(source));
    }
    await cleanup.deleteExchange(topology.exchange);
    await broker.close();
  }
  await db?.destroy();
});

const publish = (source: string, records: unknown[], options: Parameters<typeof publishRecords>[3] = {}) =>
  publishRecords(AMQP_URL, source, records, { prefix: PREFIX, ...options });

const record = (externalId: string, attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  externalId,
  updatedAt: '2026-11-01T10:00:00Z',
  attributes,
  ...extra,
});

describe('RabbitMQ ingest transport', () => {
  it('turns published records (object, array, NDJSON) into source records and golden profiles, and acks them', async () => {
    await publish('salesforce', [record('sf-1', { email: 'ann@example.com', firstName: 'Ann' })]);
    await publish(
      'salesforce',
      [
        record('sf-2', { email: 'bob@example.com', firstName: 'Bob' }),
        record('sf-3', { email: 'cy@example.com', firstName: 'Cy' }),
      ],
      { recordsPerMessage: 10 },
    );
    await publish(
      'salesforce',
      [record('sf-4', { email: 'dee@example.com', firstName: 'Dee' }), record('sf-5', { email: 'not-an-email' })],
      { recordsPerMessage: 10, format: 'ndjson' },
    );
    // No content type at all, too.
    await publishMessages(AMQP_URL, 'salesforce', [JSON.stringify(record('sf-6', { firstName: 'Eve' }))], {
      prefix: PREFIX,
    });

    const consumer = consume({ sources: ['salesforce'] });
    await consumer.whenConsuming();
    await waitFor('the records', async () => {
      const records = await count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'salesforce'`);
      const letters = await count(db.dataSource, `SELECT 1 FROM dead_letter WHERE source = 'salesforce'`);
      return records === 5 && letters === 1;
    });
    await consumer.stop();

    const profiles = await db.dataSource.query(
      `SELECT s.external_id, g.email, g.first_name
         FROM source_record s JOIN golden_profile g ON g.id = s.profile_id
        WHERE s.source = 'salesforce' ORDER BY s.external_id`,
    );
    expect(profiles).toEqual([
      { external_id: 'sf-1', email: 'ann@example.com', first_name: 'Ann' },
      { external_id: 'sf-2', email: 'bob@example.com', first_name: 'Bob' },
      { external_id: 'sf-3', email: 'cy@example.com', first_name: 'Cy' },
      { external_id: 'sf-4', email: 'dee@example.com', first_name: 'Dee' },
      { external_id: 'sf-6', email: null, first_name: 'Eve' },
    ]);
    // A validation rejection is no failure: dead-lettered by the pipeline, and the message is acknowledged.
    const [letter] = await db.dataSource.query(
      `SELECT transport, error_code, error_path FROM dead_letter WHERE source = 'salesforce'`,
    );
    expect(letter).toEqual({ transport: 'amqp', error_code: 'INVALID_EMAIL', error_path: '$.attributes.email' });
    expect(await ready(topology.queue('salesforce'))).toBe(0);
    expect(await ready(topology.deadQueue('salesforce'))).toBe(0);
  });

  it('applies every record exactly once in effect across a consumer crash (SIGKILL mid-stream)', async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` (npm test does it first)`);
    for (const file of ['amqp-worker', 'amqp-consumer', 'amqp-topology']) {
      const compiled = path.join(ROOT, 'dist/src/ingest/transports', `${file}.js`);
      if (statSync(path.join(ROOT, 'src/ingest/transports', `${file}.ts`)).mtimeMs > statSync(compiled).mtimeMs)
        throw new Error(`${compiled} is older than its source: run \`npm run build\``);
    }
    const crashDb = await createTestDatabase();
    const expectedDb = await createTestDatabase();
    try {
      // 3,000 updates of 1,000 people in three rounds, each newer than the last and each with its own event id.
      const ids = 1000;
      const rounds = 3;
      const records = [];
      for (let round = 1; round <= rounds; round++) {
        for (let i = 0; i < ids; i++) {
          records.push({
            externalId: `hs-${i}`,
            eventId: `ev-${round}-${i}`,
            updatedAt: `2026-11-0${round}T10:00:00Z`,
            attributes: {
              email: `person${i}@example.com`,
              firstName: `First${i}-${round}`,
              jobTitle: `Title ${round}`,
            },
          });
        }
      }

      // What an in-order run gives: the same records, in order, straight through ingestBatch.
      const expectation = (async () => {
        const ctx = systemContext(expectedDb.dataSource, logger, notifier);
        for (let i = 0; i < records.length; i += 500)
          await ingestBatch(ctx, { source: 'hubspot', records: records.slice(i, i + 500), transport: 'amqp' });
      })();
      // One unreadable message among them, at 1,050: its dead letter is written after the batch's records have
      // committed, so holding a lock on dead_letter freezes the worker exactly between commit and acknowledgement.
      const poisonAt = 1050;
      await publish('hubspot', records.slice(0, poisonAt));
      await publishMessages(AMQP_URL, 'hubspot', ['{"externalId": "hs-x", oops'], { prefix: PREFIX });
      await publish('hubspot', records.slice(poisonAt));
      await expectation;

      const locker = crashDb.dataSource.createQueryRunner();
      await locker.connect();
      await locker.startTransaction();
      await locker.query('LOCK TABLE dead_letter IN SHARE MODE');

      // The first consumer runs in its own process and is killed without warning part-way through.
      const processed = () => count(crashDb.dataSource, 'SELECT 1 FROM processed_event');
      const blocked = () =>
        count(
          crashDb.dataSource,
          `SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'dead_letter'::regclass
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
      let output = '';
      const child = spawn(process.execPath, [WORKER, '--prefix', PREFIX], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: crashDb.url,
          AMQP_URL,
          AMQP_SOURCES: 'hubspot',
          AMQP_PREFETCH: '100',
          DB_POOL_SIZE: '3',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      try {
        await waitFor('the worker to commit a batch it cannot acknowledge', async () => (await blocked()) > 0);
      } catch (error) {
        child.kill('SIGKILL');
        throw new Error(`${(error as Error).message}; worker output:\n${output}`);
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await locker.rollbackTransaction();
      await locker.release();
      const atCrash = await processed();
      expect(atCrash).toBeGreaterThan(poisonAt - 100);
      expect(atCrash).toBeLessThan(records.length);

      // A new consumer drains the rest, including whatever the dead one had taken but not acknowledged.
      const seen: IngestOutcome[] = [];
      const tally: IngestFunction = async (ctx, batch) => {
        const outcomes = await ingestBatch(ctx, batch);
        seen.push(...outcomes);
        return outcomes;
      };
      const consumer = consume({ sources: ['hubspot'], dataSource: crashDb.dataSource, prefetch: 100, ingest: tally });
      await waitFor(
        'the queue to drain',
        async () => (await processed()) === records.length && (await ready(topology.queue('hubspot'))) === 0,
        40_000,
      );
      await consumer.stop();
      expect(await ready(topology.queue('hubspot'))).toBe(0); // nothing left unacknowledged either
      expect(seen.length).toBeGreaterThanOrEqual(records.length - atCrash);
      expect(seen.filter((o) => o.status === 'REJECTED')).toEqual([]);
      // The batch that committed but was never acknowledged came back, and changed nothing.
      expect(seen.filter((o) => o.status === 'DUPLICATE').length).toBeGreaterThan(0);

      // Exactly once in effect: the same final state and the same number of changes as the in-order run.
      expect(await processed()).toBe(records.length);
      const finalState = (dataSource: DataSource) =>
        dataSource.query(
          `SELECT s.external_id, s.attributes, s.source_updated_at, g.email, g.first_name, g.job_title, g.version
             FROM source_record s JOIN golden_profile g ON g.id = s.profile_id
            WHERE s.source = 'hubspot' ORDER BY s.external_id`,
        );
      const actual = await finalState(crashDb.dataSource);
      expect(actual).toHaveLength(ids);
      for (const row of actual) {
        const i = Number(row.external_id.slice(3));
        expect(row).toMatchObject({ first_name: `First${i}-${rounds}`, job_title: `Title ${rounds}` });
      }
      expect(actual).toEqual(await finalState(expectedDb.dataSource));
      const changes = 'SELECT type, count(*)::int AS n FROM change_event GROUP BY type ORDER BY type';
      const expectedChanges = await expectedDb.dataSource.query(changes);
      expect(await crashDb.dataSource.query(changes)).toEqual(expectedChanges);
      expect(await count(crashDb.dataSource, 'SELECT 1 FROM golden_profile')).toBe(ids);
      const letters = await crashDb.dataSource.query('SELECT error_code, raw_payload FROM dead_letter');
      expect(letters).toEqual([{ error_code: 'MALFORMED_PAYLOAD', raw_payload: '{"externalId": "hs-x", oops' }]);
    } finally {
      await crashDb.destroy();
      await expectedDb.destroy();
    }
  }, 60_000);

  it('keeps a body that is not JSON as a dead letter with its raw body, and drains the queue', async () => {
    const bodies = ['{"externalId": "d-1", oops', 'not json at all', ''];
    await publishMessages(AMQP_URL, 'dynamics', bodies, { prefix: PREFIX, contentType: 'application/json' });
    await publishMessages(AMQP_URL, 'dynamics', [Buffer.from([0xff, 0x00, 0x7b])], { prefix: PREFIX });
    await publishMessages(
      AMQP_URL,
      'dynamics',
      [`${JSON.stringify(record('d-2', { firstName: 'Dora' }))}\n{"broken": \n`],
      { prefix: PREFIX, contentType: 'application/x-ndjson' },
    );
    await publish('dynamics', [record('d-3', { firstName: 'Dan' })]);

    const consumer = consume({ sources: ['dynamics'] });
    await waitFor(
      'the dead letters',
      async () =>
        (await count(db.dataSource, `SELECT 1 FROM dead_letter WHERE source = 'dynamics'`)) === 5 &&
        (await count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'dynamics'`)) === 2,
    );
    await consumer.stop();

    const letters = await db.dataSource.query(
      `SELECT transport, content_type, raw_payload, record_index, error_code
         FROM dead_letter WHERE source = 'dynamics' ORDER BY raw_payload`,
    );
    expect(letters).toEqual(
      [
        {
          transport: 'amqp',
          content_type: 'application/json',
          raw_payload: '',
          record_index: null,
          error_code: 'MALFORMED_PAYLOAD',
        },
        {
          transport: 'amqp',
          content_type: 'application/json',
          raw_payload: bodies[0],
          record_index: null,
          error_code: 'MALFORMED_PAYLOAD',
        },
        {
          transport: 'amqp',
          content_type: 'application/json',
          raw_payload: bodies[1],
          record_index: null,
          error_code: 'MALFORMED_PAYLOAD',
        },
        {
          transport: 'amqp',
          content_type: 'application/octet-stream; encoding=base64',
          raw_payload: Buffer.from([0xff, 0x00, 0x7b]).toString('base64'),
          record_index: null,
          error_code: 'MALFORMED_PAYLOAD',
        },
        {
          transport: 'amqp',
          content_type: 'application/x-ndjson',
          raw_payload: '{"broken": ',
          record_index: 1,
          error_code: 'MALFORMED_JSON',
        },
      ].sort((a, b) => (a.raw_payload < b.raw_payload ? -1 : 1)),
    );
    expect(await ready(topology.queue('dynamics'))).toBe(0);
    expect(await ready(topology.deadQueue('dynamics'))).toBe(0);
  });

  it('moves a message that always fails to the .dead queue after maxAttempts, and lets the others through', async () => {
    const maxAttempts = 3;
    const calls = { alone: 0, inBatch: 0 };
    const failing: IngestFunction = async (ctx, batch) => {
      if (batch.records.some((r) => (r as { externalId?: string }).externalId === 'mk-poison')) {
        if (batch.records.length === 1) calls.alone++;
        else calls.inBatch++;
        throw new Error('simulated pipeline failure');
      }
      return ingestBatch(ctx, batch);
    };
    const records = Array.from({ length: 20 }, (_, i) =>
      record(i === 7 ? 'mk-poison' : `mk-${i}`, { firstName: `Mark${i}` }),
    );
    await publish('marketo', records);

    const consumer = consume({ sources: ['marketo'], maxAttempts, ingest: failing });
    await waitFor(
      'the poison message to be parked',
      async () =>
        (await ready(topology.deadQueue('marketo'))) === 1 &&
        (await count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'marketo'`)) === 19,
    );
    await consumer.stop();

    expect(calls).toEqual({ alone: maxAttempts, inBatch: 1 });
    expect(await ready(topology.queue('marketo'))).toBe(0);
    const dead = await admin.get(topology.deadQueue('marketo'), { noAck: true });
    expect(dead).not.toBe(false);
    if (dead === false) return;
    expect(JSON.parse(dead.content.toString())).toMatchObject({ externalId: 'mk-poison' });
    expect(dead.properties.headers).toMatchObject({
      [AmqpHeader.Attempts]: maxAttempts,
      [AmqpHeader.DeadReason]: DEAD_REASON_MAX_ATTEMPTS,
    });
    expect(String(dead.properties.headers![AmqpHeader.LastError])).toContain('simulated pipeline failure');
    expect(dead.properties.deliveryMode).toBe(2);
  });

  it('reconnects when the broker closes its connection, and consumes what is published afterwards', async () => {
    const connectionName = `${PREFIX} reconnect test`;
    const consumer = consume({ sources: ['mailchimp'], connectionName });
    await consumer.whenConsuming();
    const stored = (id: string) =>
      count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'mailchimp' AND external_id = $1`, [id]);
    await publish('mailchimp', [record('mc-1', { firstName: 'Mia' })]);
    await waitFor('mc-1', async () => (await stored('mc-1')) === 1);

    // Close it from the broker's side, as a broker restart or an operator would.
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
    const pids = stdout
      .split('\n')
      .filter((line) => line.includes(connectionName))
      .map((line) => line.split('\t')[0]);
    expect(pids).toHaveLength(1);
    await run('rabbitmqctl', ['-q', 'close_connection', pids[0], 'profile-hub test: simulated connection loss']);
    await publish('mailchimp', [record('mc-2', { firstName: 'Max' })]);

    await waitFor('the reconnect', async () => consumer.state.connects === 2 && consumer.state.consuming);
    await publish('mailchimp', [record('mc-3', { firstName: 'Moe' })]);
    await waitFor('mc-2 and mc-3', async () => (await stored('mc-2')) === 1 && (await stored('mc-3')) === 1);
    await consumer.stop();
    expect(await ready(topology.queue('mailchimp'))).toBe(0);
  });

  it('stop() lets the in-flight batch commit and be acknowledged before it closes', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const slow: IngestFunction = async (ctx, batch) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return ingestBatch(ctx, batch);
    };
    await publish(
      'sendgrid',
      Array.from({ length: 5 }, (_, i) => record(`sg-${i}`, { firstName: `Sam${i}` })),
      { recordsPerMessage: 5 },
    );
    const consumer = consume({ sources: ['sendgrid'], ingest: slow });
    await inFlight;
    await consumer.stop();
    expect(await count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'sendgrid'`)).toBe(5);
    expect(await ready(topology.queue('sendgrid'))).toBe(0);
  });

  it('counts no attempt while the database does not answer: an outage parks nothing in the .dead queue', async () => {
    // The database "is down" until the consumer has found it unreachable three times.
    let down = true;
    let failures = 0;
    let probes = 0;
    const query = db.dataSource.query.bind(db.dataSource);
    const probe = jest.spyOn(db.dataSource, 'query').mockImplementation((sql, ...rest) => {
      if (!down || sql !== 'SELECT 1') return query(sql, ...rest);
      if (++probes === 3) down = false;
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    });
    const outage: IngestFunction = async (ctx, batch) => {
      if (down) {
        failures++;
        throw new Error('Connection terminated unexpectedly');
      }
      return ingestBatch(ctx, batch);
    };
    try {
      await publish('zendesk', [record('zd-1', { firstName: 'Zoe' })]);
      const consumer = consume({
        sources: ['zendesk'],
        maxAttempts: 1,
        ingest: outage,
        backoffMs: { initial: 20, max: 100 },
      });
      await waitFor(
        'zd-1',
        async () => (await count(db.dataSource, `SELECT 1 FROM source_record WHERE source = 'zendesk'`)) === 1,
      );
      await consumer.stop();
    } finally {
      probe.mockRestore();
    }
    expect(failures).toBe(3);
    expect(await ready(topology.deadQueue('zendesk'))).toBe(0);
    expect(await ready(topology.queue('zendesk'))).toBe(0);
  });
});
