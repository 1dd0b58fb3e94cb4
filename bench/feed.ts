import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { systemContext } from '../src/common/context';
import { createDataSource } from '../src/db/data-source';
import { migrate } from '../src/db/database';
import { ephemeralDataDir, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ChangeNotifier, createHubPubSub } from '../src/feed/change-notifier';
import { ingestBatch } from '../src/ingest/ingest-batch';
import { createLogger } from '../src/logging/logger';
import { startHubProcess } from './hub-process';
import { cpuMs } from './process-cpu';
import { machine, positive } from './bench-options';

/**
 * `npm run bench:feed -- [--subscribers 1000] [--events 200] [--rate 10] [--burst 300] [--burst-batch 10] [--profiles 200] [--json]`
 *
 * One hub process (`profile-hub serve`, a child) on a fresh embedded PostgreSQL; this process holds
 * `--subscribers` graphql-ws connections, each with `subscription { changes(types: ["profile.updated"]) }`, and
 * ingests through the real pipeline (`ingestBatch`, its own pool — like a second hub process or an ingest
 * worker), one record per transaction. Measured in one run:
 *
 * 1. **latency**: `--events` commits at `--rate` per second; for every (event, subscriber) the time from the
 *    ingest commit returning to the event arriving at the subscriber; p50, p99, max.
 * 2. **baseline**: a bare `LISTEN change_event` connection in this process, timed on the same commits — the
 *    floor of any cross-process push (PostgreSQL delivers NOTIFY at commit); ratio hub p99 / baseline p99.
 * 3. **throughput**: `--burst` events (`--burst-batch` per transaction) as fast as one writer goes; events/s
 *    from the first commit until every subscriber has them all.
 * 4. **idle cost**: database transactions per second while all subscribers are connected and nothing happens.
 */

interface Options {
  subscribers: number;
  events: number;
  rate: number;
  burst: number;
  burstBatch: number;
  profiles: number;
  json?: boolean;
}

const TARGET_P99_MS = 100;

function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(options: Options): Promise<void> {
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  log(`bench:feed — ${options.subscribers} subscribers, starting an embedded PostgreSQL …`);
  const embedded = await startEmbeddedPostgres({
    dataDir: await ephemeralDataDir('profile-hub-bench-feed-'),
    ephemeral: true,
  });
  const dataSource = createDataSource({ url: embedded.url, poolSize: 4 });
  let hub: ChildProcess | undefined;
  const clients: WsClient[] = [];
  const listener = new Client({ connectionString: embedded.url });
  try {
    await dataSource.initialize();
    await migrate(dataSource, createLogger('silent'));
    // The commit time is taken in the transaction's first after-commit effect (the outbox's wake-up call).
    let committedAt = 0;
    class CommitClock extends ChangeNotifier {
      override feedCommitted(): void {
        committedAt = performance.now();
        super.feedCommitted();
      }
    }
    const ctx = systemContext(dataSource, createLogger('silent'), new CommitClock(createHubPubSub()), 'bench');
    let seq = 0; // source times only move forward, so every commit changes the profile
    const record = (i: number, firstName: string) => ({
      externalId: `bench-${i % options.profiles}`,
      updatedAt: new Date(Date.UTC(2026, 0, 1) + ++seq * 1000).toISOString(),
      attributes: { firstName },
    });
    const ingest = (i: number, firstName: string) =>
      ingestBatch(ctx, { source: 'salesforce', transport: 'file', records: [record(i, firstName)] });
    await ingestBatch(ctx, {
      source: 'salesforce',
      transport: 'file',
      records: Array.from({ length: options.profiles }, (_, i) => ({
        externalId: `bench-${i}`,
        updatedAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
        attributes: { email: `bench${i}@feed.example`, firstName: 'Start', lastName: `Bench${i}` },
      })),
    });

    const started = await startHubProcess(embedded.url);
    const token = await started.token(['profiles:read', 'pii:read'], 'bench-feed');
    hub = started.child;

    // What each subscriber receives, by the index of the commit that caused it (its firstName `e<index>`).
    const commitAt = new Float64Array(options.events + options.burst + 10_000);
    /** (commit index, arrival time) of every latency-phase delivery; matched with `commitAt` at the end. */
    const arrivals: number[] = [];
    let phase: 'warmup' | 'latency' | 'burst' = 'warmup';
    const warmedUp = new Set<number>();
    let burstReceived = 0;
    let lastBurstArrival = 0;
    for (let s = 0; s < options.subscribers; s++) {
      const client = createClient({
        url: started.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      clients.push(client);
      client.subscribe(
        { query: `subscription { changes(types: ["profile.updated"]) { id cursor payload } }` },
        {
          next: (message) => {
            const arrived = performance.now();
            const change = (message.data as { changes: { payload: { values?: { firstName?: string } } } }).changes;
            const name = change.payload.values?.firstName ?? '';
            if (phase === 'warmup') warmedUp.add(s);
            else if (name.startsWith('e')) arrivals.push(Number(name.slice(1)), arrived);
            else if (name.startsWith('b')) {
              burstReceived++;
              lastBurstArrival = arrived;
            }
          },
          error: (error) => process.stderr.write(`subscription failed: ${JSON.stringify(error)}\n`),
          complete: () => undefined,
        },
      );
    }

    // The subscriptions register asynchronously: change a profile until every subscriber has seen a change.
    for (let w = 0; warmedUp.size < options.subscribers; w++) {
      if (w > 600) throw new Error(`only ${warmedUp.size} subscribers got going`);
      await ingest(10_000 + w, `w${w}`);
      await sleep(100);
    }
    await sleep(500);
    log(`  ${options.subscribers} subscriptions live`);

    // Idle: what 1,000 quiet subscriptions cost the database.
    const stat = async () => {
      const [row]: { n: string }[] = await dataSource.query(
        `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`,
      );
      return Number(row.n);
    };
    const idleFrom = await stat();
    const idleStart = performance.now();
    await sleep(5000);
    const idleTps = ((await stat()) - idleFrom - 1) / ((performance.now() - idleStart) / 1000);

    // Latency, with the bare LISTEN baseline on the same commits.
    await listener.connect();
    const notifyAt: number[] = [];
    listener.on('notification', () => notifyAt.push(performance.now()));
    await listener.query('LISTEN change_event');
    phase = 'latency';
    const hubCpuBefore = cpuMs(hub.pid);
    const baseline: number[] = [];
    const interval = 1000 / options.rate;
    const latencyStart = performance.now();
    for (let i = 0; i < options.events; i++) {
      const due = latencyStart + i * interval;
      if (due > performance.now()) await sleep(due - performance.now());
      await ingest(i, `e${i}`);
      commitAt[i] = committedAt;
    }
    const expected = options.events * options.subscribers;
    for (let t = 0; arrivals.length / 2 < expected && t < 600; t++) await sleep(50);
    const hubCpuLatency = cpuMs(hub.pid) - hubCpuBefore;
    const latencies: number[] = [];
    for (let k = 0; k < arrivals.length; k += 2) latencies.push(arrivals[k + 1] - commitAt[arrivals[k]]);
    // One notification per committing transaction, in commit order (one writer): the i-th is commit i's.
    const notifications = notifyAt.slice(0, options.events);
    notifications.forEach((at, i) => baseline.push(at - commitAt[i]));
    await listener.end();

    // Throughput: one writer as fast as it goes.
    phase = 'burst';
    const burstCpuBefore = cpuMs(hub.pid);
    const burstStart = performance.now();
    committedAt = 0;
    for (let i = 0; i < options.burst; i += options.burstBatch) {
      const size = Math.min(options.burstBatch, options.burst - i);
      const records = Array.from({ length: size }, (_, k) => record(options.events + i + k, `b${i + k}`));
      await ingestBatch(ctx, { source: 'salesforce', transport: 'file', records });
    }
    const burstCommitted = performance.now();
    const burstExpected = options.burst * options.subscribers;
    for (let t = 0; burstReceived < burstExpected && t < 12_000; t++) await sleep(10);
    const burstSeconds = (lastBurstArrival - burstStart) / 1000;
    const hubCpuBurst = cpuMs(hub.pid) - burstCpuBefore;

    const sorted = Float64Array.from(latencies).sort();
    const base = Float64Array.from(baseline).sort();
    const result = {
      subscribers: options.subscribers,
      latency: {
        commits: options.events,
        ratePerSecond: options.rate,
        deliveries: latencies.length,
        missing: expected - latencies.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted[sorted.length - 1],
        hubCpuMicrosecondsPerDelivery: (hubCpuLatency * 1000) / Math.max(1, latencies.length),
      },
      baseline: { what: 'bare LISTEN change_event', p50Ms: percentile(base, 50), p99Ms: percentile(base, 99) },
      ratioP99: percentile(sorted, 99) / percentile(base, 99),
      throughput: {
        events: options.burst,
        eventsPerTransaction: options.burstBatch,
        writerEventsPerSecond: options.burst / ((burstCommitted - burstStart) / 1000),
        deliveredEventsPerSecondPerSubscriber: burstReceived / options.subscribers / burstSeconds,
        deliveriesPerSecond: burstReceived / burstSeconds,
        missing: burstExpected - burstReceived,
        hubCpuMicrosecondsPerDelivery: (hubCpuBurst * 1000) / Math.max(1, burstReceived),
      },
      idleTransactionsPerSecond: idleTps,
      targetP99Ms: TARGET_P99_MS,
      machine: machine(),
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    log(`  latency, commit → subscriber (${options.events} commits at ${options.rate}/s × ${options.subscribers}):`);
    log(
      `    p50 ${ms(result.latency.p50Ms)}, p99 ${ms(result.latency.p99Ms)}, max ${ms(result.latency.maxMs)}` +
        `  (${result.latency.deliveries} deliveries, ${result.latency.missing} missing; target p99 ≤ ${TARGET_P99_MS} ms)`,
    );
    log(`    the hub process used ${result.latency.hubCpuMicrosecondsPerDelivery.toFixed(0)} µs of CPU per delivery`);
    log(`  baseline, commit → bare LISTEN: p50 ${ms(result.baseline.p50Ms)}, p99 ${ms(result.baseline.p99Ms)}`);
    log(`  ratio p99 hub / baseline: ${result.ratioP99.toFixed(1)}`);
    log(
      `  throughput (${options.burst} events, ${options.burstBatch} per transaction, one writer at ${result.throughput.writerEventsPerSecond.toFixed(0)} events/s): ` +
        `${result.throughput.deliveredEventsPerSecondPerSubscriber.toFixed(0)} events/s to each subscriber, ` +
        `${result.throughput.deliveriesPerSecond.toFixed(0)} deliveries/s in all (${result.throughput.missing} missing)`,
    );
    log(
      `    the hub process used ${result.throughput.hubCpuMicrosecondsPerDelivery.toFixed(0)} µs of CPU per delivery`,
    );
    log(`  idle: ${idleTps.toFixed(1)} database transactions/s with ${options.subscribers} subscribers connected`);
    log(
      `  machine: ${result.machine.cores} cores, ${result.machine.cpu}, ${result.machine.memoryGb} GB, Node ${process.version}`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    if (hub && hub.exitCode === null) {
      hub.kill('SIGTERM');
      await new Promise((resolve) => hub!.once('exit', resolve));
    }
    await listener.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded.stop();
  }
}

const program = new Command()
  .name('bench:feed')
  .option('--subscribers <n>', 'graphql-ws subscribers', positive, 1000)
  .option('--events <n>', 'commits in the latency phase', positive, 200)
  .option('--rate <n>', 'commits per second in the latency phase', positive, 5)
  .option('--burst <n>', 'commits in the throughput phase', positive, 300)
  .option('--burst-batch <n>', 'records (events) per transaction in the throughput phase', positive, 10)
  .option('--profiles <n>', 'profiles the commits update', positive, 200)
  .option('--json', 'print one JSON object');
program.parse();
main(program.opts<Options>()).catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
