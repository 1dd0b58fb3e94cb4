import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Client, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { systemContext } from '../src/common/context';
import { tuneJitForBulkIngest } from '../src/common/jit-tuning';
import { createDataSource } from '../src/db/data-source';
import { migrate } from '../src/db/database';
import { ephemeralDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres';
import { ChangeNotifier, createHubPubSub } from '../src/feed/change-notifier';
import { ingestBatch, summarise } from '../src/ingest/ingest-batch';
import { prepareRecords, type IngestBatch, type IngestOutcome } from '../src/ingest/ingest-records';
import { DEFAULT_IMPORT_BATCH_SIZE } from '../src/ingest/transports/file-import';
import { createLogger } from '../src/logging/logger';
import { syntheticRecords, type SyntheticRecord } from './synthetic-records';
import { machine, positive } from './bench-options';
import { cpuBetween, serverCpu, threadCpuMs } from './process-cpu';
import { BackendStates, type BackendStateShares } from './backend-states';
import { WireBytes, wireBetween } from './wire-bytes';

/**
 * `npm run bench:ingest -- --records 20000 [--batch-size 5000] [--seed 42] [--json] [--profile] [--explain]`
 *
 * Measures, in one run on one fresh database, the full ingest pipeline (`ingestBatch`) against a baseline of
 * plain multi-row INSERTs of the same records into one unindexed table. `--profile` adds where the
 * pipeline's time goes, statement by statement; `--explain` adds EXPLAIN ANALYZE of every statement of one
 * batch from the middle of the run.
 */

interface BenchOptions {
  records: number;
  batchSize: number;
  concurrency: number;
  seed: number;
  json?: boolean;
  profile?: boolean;
  explain?: boolean;
  waits?: boolean;
}

const TARGET_RECORDS_PER_SECOND = 5000;
/** The benchmark's connections' application name (`--waits` samples the backends by it). */
const APPLICATION = 'profile-hub-bench';

/** A fresh database: a new one on DATABASE_URL's server, else a throw-away embedded PostgreSQL. */
async function freshDatabase(): Promise<{
  url: string;
  description: string;
  /** The server runs on this machine (its processes' CPU can be read from /proc). */
  local: boolean;
  dispose(): Promise<void>;
}> {
  if (process.env.DATABASE_URL) {
    const admin = new URL(process.env.DATABASE_URL);
    admin.pathname = '/postgres';
    const name = `hub_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    const withAdmin = async (sql: string) => {
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await withAdmin(`CREATE DATABASE ${name}`);
    const url = new URL(admin.toString());
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      description: `database ${name} on DATABASE_URL's server`,
      local: ['localhost', '127.0.0.1', '[::1]'].includes(admin.hostname),
      dispose: () => withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const embedded: EmbeddedDatabase = await startEmbeddedPostgres({
    dataDir: await ephemeralDataDir('profile-hub-bench-'),
    ephemeral: true,
  });
  return {
    url: embedded.url,
    description:
      'embedded PostgreSQL, ephemeral (fsync, synchronous_commit and full_page_writes off; malloc keeps freed memory)',
    local: true,
    dispose: () => embedded.stop(),
  };
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ── statement profile (bench only): times every query the pg driver sends ───────────────────────────────────

interface StatementStats {
  statement: string;
  calls: number;
  ms: number;
  /** Bytes of parameters sent (the JSON documents most statements take). */
  sent: number;
}

type QueryFn = (this: Client, ...args: unknown[]) => unknown;

function statementKey(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 107)}…` : flat;
}

/**
 * Wraps `pg.Client#query` to time each statement; with `explainBatch`, also runs EXPLAIN ANALYZE of each
 * statement of that batch inside a savepoint that is rolled back, before running it for real.
 */
function instrumentQueries() {
  const proto = Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  const stats = new Map<string, StatementStats>();
  const plans: { statement: string; plan: string }[] = [];
  let recording = false;
  let explaining = false;
  proto.query = function (this: Client, ...args: unknown[]) {
    const [sql, params, callback] = args;
    if (!recording || typeof sql !== 'string' || typeof callback === 'function' || typeof params === 'function') {
      return original.apply(this, args);
    }
    const key = statementKey(sql);
    const run = async () => {
      if (explaining && /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(sql)) {
        await original.call(this, 'SAVEPOINT bench_explain');
        const result = (await original.call(this, `EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as {
          rows: Record<string, string>[];
        };
        await original.call(this, 'ROLLBACK TO SAVEPOINT bench_explain');
        plans.push({ statement: key, plan: result.rows.map((r) => r['QUERY PLAN']).join('\n') });
      }
      const started = performance.now();
      try {
        return await (original.apply(this, args) as Promise<unknown>);
      } finally {
        const entry = stats.get(key) ?? { statement: key, calls: 0, ms: 0, sent: 0 };
        entry.calls++;
        if (Array.isArray(params)) {
          for (const p of params)
            entry.sent +=
              typeof p === 'string'
                ? Buffer.byteLength(p)
                : Buffer.isBuffer(p)
                  ? p.length
                  : JSON.stringify(p ?? null).length;
        }
        entry.ms += performance.now() - started;
        stats.set(key, entry);
      }
    };
    return run();
  };
  return {
    start: () => void (recording = true),
    stop: () => void (recording = false),
    explain: (on: boolean) => void (explaining = on),
    restore: () => void (proto.query = original),
    stats: () => [...stats.values()].sort((a, b) => b.ms - a.ms),
    plans: () => plans,
  };
}

// ── CPU split (bench only): Node.js from process.cpuUsage, PostgreSQL from /proc when the server is local ──────

// ── the two measurements ─────────────────────────────────────────────────────────────────────────────────────

async function baseline(dataSource: DataSource, records: SyntheticRecord[], batchSize: number): Promise<number> {
  await dataSource.query(`CREATE TABLE bench_baseline (source text, external_id text, attributes jsonb)`);
  const started = performance.now();
  for (const batch of batches(records, batchSize)) {
    await dataSource.query(
      `INSERT INTO bench_baseline (source, external_id, attributes)
       SELECT r.source, r.external_id, r.attributes
         FROM jsonb_to_recordset($1::jsonb) AS r(source text, external_id text, attributes jsonb)`,
      [JSON.stringify(batch.map((r) => ({ source: r.source, external_id: r.externalId, attributes: r.attributes })))],
    );
  }
  return performance.now() - started;
}

async function pipeline(
  dataSource: DataSource,
  records: SyntheticRecord[],
  batchSize: number,
  onBatch: (index: number, total: number) => void,
  concurrency = 1,
): Promise<{
  ms: number;
  nodeCpuMs: number;
  /** Of `nodeCpuMs`, the main thread's (NaN where /proc cannot tell); the rest is V8's helpers and libuv's pool. */
  mainThreadCpuMs: number;
  /** Share of the time the main thread's event loop was busy (running or waiting for a core), not idle. */
  eventLoopUtilization: number;
  outcomes: Record<IngestOutcome['status'], number>;
  rejections: Map<string, number>;
}> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'silent', { command: 'bench' });
  const ctx = systemContext(dataSource, logger, new ChangeNotifier(createHubPubSub()), 'bench');
  const totals = { CREATED: 0, UPDATED: 0, UNCHANGED: 0, DUPLICATE: 0, REJECTED: 0 };
  const rejections = new Map<string, number>();
  const all = batches(records, batchSize);
  const cpu = process.cpuUsage();
  const mainCpu = threadCpuMs();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  const count = (outcomes: IngestOutcome[]) => {
    const counts = summarise(outcomes);
    for (const status of Object.keys(totals) as (keyof typeof totals)[]) totals[status] += counts[status];
    for (const o of outcomes) if (o.status === 'REJECTED') rejections.set(o.code, (rejections.get(o.code) ?? 0) + 1);
  };
  const batchOf = (index: number): IngestBatch => ({ records: all[index], transport: 'file' });
  if (concurrency === 1) {
    // As `profile-hub import` runs them: one batch commits while the next is validated and keyed.
    let prepared = prepareRecords(ctx.settings, batchOf(0));
    for (let index = 0; index < all.length; index++) {
      onBatch(index, all.length);
      const committing = ingestBatch(ctx, batchOf(index), { prepared });
      if (index + 1 < all.length) prepared = prepareRecords(ctx.settings, batchOf(index + 1));
      count(await committing);
    }
  } else {
    // Several batches in flight at once, as concurrent webhook or API callers send them; per-field
    // last-writer-wins makes the result independent of the order.
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const index = next++;
        onBatch(index, all.length);
        count(await ingestBatch(ctx, batchOf(index)));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    ms,
    nodeCpuMs: (used.user + used.system) / 1000,
    mainThreadCpuMs: threadCpuMs() - mainCpu,
    eventLoopUtilization: performance.eventLoopUtilization(loop).utilization,
    outcomes: totals,
    rejections,
  };
}

/**
 * CPU per record in microseconds, by side, against what the machine's cores allow per record at the target: the
 * figure that says whether overlapping the two sides better could reach it (the sum within the budget) or only
 * less work per record can. `null` for a part /proc cannot tell (another operating system, a remote server).
 */
function cpuPerRecord(
  run: { nodeCpuMs: number; mainThreadCpuMs: number },
  serverCpuS: number | null,
  records: number,
  cores: number,
): {
  mainThreadUs: number | null;
  otherNodeThreadsUs: number | null;
  postgresUs: number | null;
  totalUs: number | null;
  budgetUs: number;
} {
  const us = (ms: number) => Math.round((ms * 1000) / records);
  const main = Number.isNaN(run.mainThreadCpuMs) ? null : us(run.mainThreadCpuMs);
  const postgres = serverCpuS === null ? null : us(serverCpuS * 1000);
  return {
    mainThreadUs: main,
    otherNodeThreadsUs: main === null ? null : us(run.nodeCpuMs) - main,
    postgresUs: postgres,
    totalUs: postgres === null ? null : us(run.nodeCpuMs) + postgres,
    budgetUs: Math.round((cores * 1e6) / TARGET_RECORDS_PER_SECOND),
  };
}

function cpuLine(cpu: ReturnType<typeof cpuPerRecord>, run: { eventLoopUtilization: number }): string {
  const part = (label: string, value: number | null) => (value === null ? [] : [`${label} ${value} µs`]);
  const parts = [
    ...part('main thread', cpu.mainThreadUs),
    ...part('V8 helpers and libuv', cpu.otherNodeThreadsUs),
    ...part('PostgreSQL', cpu.postgresUs),
  ];
  const total =
    cpu.totalUs === null
      ? ''
      : `; together ${cpu.totalUs} µs, against the ${cpu.budgetUs} µs the cores allow at the target`;
  return (
    `             CPU per record: ${parts.join(', ')}${total}; ` +
    `main thread's event loop busy ${(100 * run.eventLoopUtilization).toFixed(0)}% of the time`
  );
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('bench:ingest')
    .description('full ingest pipeline vs plain INSERTs of the same synthetic records, on a fresh database')
    .option('--records <n>', 'how many synthetic records', positive, 20000)
    .option(
      '--batch-size <n>',
      'records per batch (one transaction); default: profile-hub import’s',
      positive,
      DEFAULT_IMPORT_BATCH_SIZE,
    )
    .option(
      '--concurrency <n>',
      'batches in flight at once (1: as profile-hub import, the next one prepared)',
      positive,
      1,
    )
    .option('--seed <n>', 'seed of the synthetic records', positive, 42)
    .option('--json', 'print the result as one JSON object')
    .option('--profile', 'time every statement of the pipeline')
    .option('--explain', 'EXPLAIN ANALYZE every statement of one batch from the middle of the run (implies --profile)')
    .option('--waits', "sample PostgreSQL's backends: how long the server waited for Node.js inside the transactions")
    .parse(argv)
    .opts<BenchOptions>();

  // As `profile-hub import` runs: with its V8 flags (none with PROFILE_HUB_JIT_TUNING=off).
  const v8Flags = tuneJitForBulkIngest();
  const mix = syntheticRecords({ records: options.records, seed: options.seed });
  const database = await freshDatabase();
  const instrument = options.profile || options.explain ? instrumentQueries() : undefined;
  const dataSource = createDataSource({ url: database.url, poolSize: 4, applicationName: APPLICATION });
  try {
    await dataSource.initialize();
    const wire = new WireBytes((dataSource.driver as unknown as { master: Pool }).master);
    await migrate(dataSource);
    const [{ server_version: serverVersion }] = await dataSource.query('SHOW server_version');

    const baselineMs = await baseline(dataSource, mix.records, options.batchSize);
    const serverBefore = database.local ? await serverCpu(dataSource) : new Map<number, number>();
    instrument?.start();
    const states = options.waits ? BackendStates.start(database.url, APPLICATION) : undefined;
    const wireBefore = wire.totals();
    const run = await pipeline(
      dataSource,
      mix.records,
      options.batchSize,
      (index, total) => instrument?.explain(options.explain === true && index === Math.floor(total / 2)),
      options.concurrency,
    );
    const exchanged = wireBetween(wireBefore, wire.totals());
    const waits = await states?.stop();
    instrument?.stop();
    const serverCpuS = database.local ? cpuBetween(serverBefore, await serverCpu(dataSource)) : null;

    const [profiles] = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM golden_profile) AS "goldenProfiles",
              (SELECT count(*)::int FROM source_record) AS "sourceRecords",
              (SELECT count(*)::int FROM change_event) AS "changeEvents"`,
    );
    const rate = (ms: number) => Math.round(mix.records.length / (ms / 1000));
    const host = machine();
    const result = {
      records: mix.records.length,
      batchSize: options.batchSize,
      mix: mix.counts,
      machine: {
        ...host,
        postgres: serverVersion,
        database: database.description,
        v8Flags,
      },
      baseline: { ms: Math.round(baselineMs), recordsPerSecond: rate(baselineMs) },
      pipeline: {
        ms: Math.round(run.ms),
        nodeCpuMs: Math.round(run.nodeCpuMs),
        postgresCpuMs: serverCpuS === null ? null : Math.round(serverCpuS * 1000),
        mainThreadCpuMs: Number.isNaN(run.mainThreadCpuMs) ? null : Math.round(run.mainThreadCpuMs),
        eventLoopUtilization: Number(run.eventLoopUtilization.toFixed(3)),
        recordsPerSecond: rate(run.ms),
        outcomes: run.outcomes,
        rejections: Object.fromEntries(run.rejections),
        ...profiles,
      },
      cpuPerRecord: cpuPerRecord(run, serverCpuS, mix.records.length, host.cores),
      wirePerRecord: {
        sentBytes: Math.round(exchanged.sent / mix.records.length),
        receivedBytes: Math.round(exchanged.received / mix.records.length),
      },
      ratio: Number((baselineMs / run.ms).toFixed(3)),
      target: { recordsPerSecond: TARGET_RECORDS_PER_SECOND, met: rate(run.ms) >= TARGET_RECORDS_PER_SECOND },
      ...(waits ? { backendStates: waits } : {}),
      ...(instrument
        ? {
            statements: instrument.stats().map((s) => ({
              statement: s.statement,
              calls: s.calls,
              ms: Math.round(s.ms),
              sentKb: Math.round(s.sent / 1024),
              share: Number((s.ms / run.ms).toFixed(3)),
            })),
          }
        : {}),
      ...(options.explain && instrument ? { plans: instrument.plans() } : {}),
    };

    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    const n = (value: number) => value.toLocaleString('en-US');
    const lines = [
      `profile-hub ingest benchmark: ${n(result.records)} records, batches of ${n(result.batchSize)}`,
      `  machine    ${result.machine.cores} cores (${result.machine.cpu}), ${result.machine.memoryGb} GB, node ${result.machine.node}, PostgreSQL ${result.machine.postgres}`,
      `             ${result.machine.database}`,
      `             V8 flags: ${v8Flags.length > 0 ? v8Flags.join(' ') : 'none (PROFILE_HUB_JIT_TUNING=off)'}, as profile-hub import`,
      `  records    ${n(mix.counts.new)} new (${n(mix.counts.crossSource)} of them for a person the other source has), ` +
        `${n(mix.counts.updates)} updates, ${n(mix.counts.replays)} event replays; ${n(mix.counts.people)} people`,
      `  baseline   ${n(result.baseline.recordsPerSecond)} records/s  (${(baselineMs / 1000).toFixed(2)} s: INSERT … SELECT FROM jsonb_to_recordset into one unindexed table)`,
      `  pipeline   ${n(result.pipeline.recordsPerSecond)} records/s  (${(run.ms / 1000).toFixed(2)} s: ingestBatch — validate, replays, patch, resolve, golden, outbox)`,
      `             CPU during it: Node.js ${(run.nodeCpuMs / 1000).toFixed(2)} s (all threads, GC included)` +
        (serverCpuS === null ? '' : `, PostgreSQL ${serverCpuS.toFixed(2)} s (server processes)`),
      cpuLine(result.cpuPerRecord, run),
      `             exchanged with PostgreSQL per record: ${n(result.wirePerRecord.sentBytes)} bytes sent ` +
        `(statements and parameters), ${n(result.wirePerRecord.receivedBytes)} received (rows)` +
        (instrument ? ', EXPLAIN included' : ''),
      `  ratio      pipeline/baseline ${result.ratio.toFixed(3)} (the pipeline takes ${(run.ms / baselineMs).toFixed(1)}× as long)`,
      `  outcomes   ${Object.entries(run.outcomes)
        .map(([status, count]) => `${status.toLowerCase()} ${n(count)}`)
        .join(', ')}; ${n(profiles.goldenProfiles)} golden profiles, ${n(profiles.changeEvents)} change events`,
      `  target     ≥ ${n(TARGET_RECORDS_PER_SECOND)} records/s: ${result.target.met ? 'met' : 'NOT met'}`,
    ];
    if (waits) lines.push(...waitLines(waits));
    if (run.rejections.size > 0) {
      lines.push(`  rejected   ${[...run.rejections].map(([code, count]) => `${code} ${count}`).join(', ')}`);
    }
    if (instrument) {
      const stats = instrument.stats();
      const sqlMs = stats.reduce((sum, s) => sum + s.ms, 0);
      lines.push(
        '',
        `  where the pipeline's ${(run.ms / 1000).toFixed(2)} s go: ${(sqlMs / 1000).toFixed(2)} s in statements, ` +
          `${((run.ms - sqlMs) / 1000).toFixed(2)} s in Node.js`,
        ...stats.map(
          (s) =>
            `  ${((100 * s.ms) / run.ms).toFixed(1).padStart(5)}%  ${String(Math.round(s.ms)).padStart(6)} ms  ` +
            `${String(s.calls).padStart(5)}×  ${String(Math.round(s.sent / 1024 / s.calls)).padStart(5)} KB/call  ${s.statement}`,
        ),
      );
    }
    if (options.explain && instrument) {
      for (const { statement, plan } of instrument.plans()) lines.push('', `  EXPLAIN ANALYZE ${statement}`, plan);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    instrument?.restore();
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.dispose();
  }
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench:ingest: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

/** `--waits`: how PostgreSQL's backends spent the pipeline, and the statements it most often waited after. */
function waitLines(waits: BackendStateShares): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  return [
    `  waits      PostgreSQL ran the pipeline's statements ${percent(waits.running)} of the time and waited for ` +
      `Node.js inside its transactions ${percent(waits.waitingOnClient)} (between them ${percent(waits.outsideTransactions)}; ` +
      `${waits.samples.toLocaleString('en-US')} samples of pg_stat_activity); waiting most after:`,
    ...waits.waitsAfter.slice(0, 6).map((w) => `             ${percent(w.share).padStart(6)}  ${w.statement}…`),
  ];
}
