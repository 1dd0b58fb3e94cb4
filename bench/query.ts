import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Pool } from 'pg';
import { systemContext } from '../src/common/context';
import { toGlobalId } from '../src/common/global-id';
import { createDataSource } from '../src/db/data-source';
import { migrate } from '../src/db/database';
import { ephemeralDataDir, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ChangeNotifier, createHubPubSub } from '../src/feed/change-notifier';
import { ingestBatch } from '../src/ingest/ingest-batch';
import { createLogger } from '../src/logging/logger';
import { startHubProcess, type HubProcess } from './hub-process';
import { cpuMs } from './process-cpu';
import { syntheticRecords } from './synthetic-records';
import { machine, positive } from './bench-options';

/**
 * `npm run bench:query -- [--profiles 5000] [--seconds 8] [--concurrency 16] [--json]`
 *
 * The profile read path as an app meets it: one hub process (`profile-hub serve`, a child) on a fresh embedded
 * PostgreSQL holding `--profiles` golden profiles ingested through the real pipeline; this process sends GraphQL
 * requests over HTTP with a bearer token, `--concurrency` at a time, for `--seconds` per phase, random profiles:
 *
 * 1. **baseline, database**: the same golden row read straight from PostgreSQL (`SELECT … WHERE id = $1`, a pool
 *    of `--concurrency` connections in this process) — the floor of any read;
 * 2. **baseline, API**: `{ __typename }` with a token — the floor of the HTTP + token check + GraphQL layers;
 * 3. **profile**: a profile with its golden fields, lineage and source records, with `pii:read`;
 * 4. **profile, masked**: the same without `pii:read` (every personal value masked);
 * 5. **look-up**: `profileByIdentifier(type: "email")` for a random profile's email.
 *
 * Prints requests/s, p50/p99 latency, the hub's CPU per request, and the ratio to the baselines.
 */
interface Options {
  profiles: number;
  seconds: number;
  concurrency: number;
  json?: boolean;
}

interface Phase {
  name: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  hubCpuUsPerRequest: number | null;
  errors: number;
}

const PROFILE = `query($id: ID!) { profile(id: $id) {
  id version email phone firstName lastName birthDate company address { line1 city postalCode country }
  lineage { name value source rule updatedAt } sourceRecords { source externalId updatedAt } } }`;
const LOOKUP = `query($email: String!) { profileByIdentifier(type: "email", value: $email) { id email firstName lastName } }`;

async function run(
  name: string,
  options: Options,
  hub: HubProcess | undefined,
  once: () => Promise<boolean>,
): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = hub ? cpuMs(hub.child.pid) : NaN;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await once().catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = hub ? cpuMs(hub.child.pid) - cpuBefore : NaN;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  return {
    name,
    requests: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(at(50).toFixed(2)),
    p99Ms: Number(at(99).toFixed(2)),
    hubCpuUsPerRequest: Number.isNaN(cpu) ? null : Math.round((cpu * 1000) / latencies.length),
    errors,
  };
}

async function main(options: Options): Promise<void> {
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  log(
    `bench:query — ${options.profiles} profiles, ${options.concurrency} requests at a time, ${options.seconds} s per phase`,
  );
  const embedded = await startEmbeddedPostgres({
    dataDir: await ephemeralDataDir('profile-hub-bench-query-'),
    ephemeral: true,
  });
  const dataSource = createDataSource({ url: embedded.url, poolSize: 4 });
  let hub: HubProcess | undefined;
  const pool = new Pool({ connectionString: embedded.url, max: options.concurrency });
  try {
    await dataSource.initialize();
    await migrate(dataSource, createLogger('silent'));
    const ctx = systemContext(dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'bench');
    const { records } = syntheticRecords({ records: options.profiles, replayShare: 0, updateShare: 0 });
    for (let i = 0; i < records.length; i += 1000) {
      await ingestBatch(ctx, { records: records.slice(i, i + 1000), transport: 'file' });
    }
    const rows: { id: string; email: string | null }[] = await dataSource.query(
      `SELECT id, email FROM golden_profile WHERE status = 'active'`,
    );
    const ids = rows.map((r) => r.id);
    const emails = rows.flatMap((r) => (r.email ? [r.email] : []));
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
    await dataSource.query('ANALYZE');

    hub = await startHubProcess(embedded.url);
    const url = `${hub.base}/graphql`;
    const reader = await hub.token(['profiles:read', 'pii:read'], 'bench-reader');
    const masked = await hub.token(['profiles:read'], 'bench-analytics');
    const post = async (token: string, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      return response.ok && !body.errors && body.data !== undefined;
    };
    // Warm-up: JIT, connection pools, the masking key.
    await run('warm-up', { ...options, seconds: 2 }, hub, () =>
      post(masked, PROFILE, { id: toGlobalId('Profile', pick(ids)) }),
    );
    await run('warm-up', { ...options, seconds: 1 }, hub, () =>
      post(reader, PROFILE, { id: toGlobalId('Profile', pick(ids)) }),
    );

    const phases: Phase[] = [];
    const phase = async (name: string, once: () => Promise<boolean>, measured = hub) => {
      const result = await run(name, options, measured, once);
      phases.push(result);
      log(
        `  ${name.padEnd(34)} ${String(result.perSecond).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(1).padStart(5)} ms  p99 ${result.p99Ms.toFixed(1).padStart(6)} ms` +
          (result.hubCpuUsPerRequest !== null ? `  hub CPU ${result.hubCpuUsPerRequest} µs/req` : '') +
          (result.errors ? `  ${result.errors} errors` : ''),
      );
    };
    await phase(
      'baseline: SQL row by id',
      async () => {
        await pool.query(
          `SELECT id, version, email, phone, first_name, last_name, birth_date, company, address_line1, address_city,
                  address_postal_code, address_country, lineage FROM golden_profile WHERE id = $1`,
          [pick(ids)],
        );
        return true;
      },
      undefined,
    );
    await phase('baseline: { __typename } with a token', () => post(reader, '{ __typename }', {}));
    await phase('profile + lineage + records (pii:read)', () =>
      post(reader, PROFILE, { id: toGlobalId('Profile', pick(ids)) }),
    );
    await phase('the same, masked (no pii:read)', () =>
      post(masked, PROFILE, { id: toGlobalId('Profile', pick(ids)) }),
    );
    await phase('profileByIdentifier(email)', () => post(reader, LOOKUP, { email: pick(emails) }));

    const [sql, floor, full, maskedPhase] = phases;
    const result = {
      profiles: ids.length,
      concurrency: options.concurrency,
      seconds: options.seconds,
      phases,
      ratios: {
        profilePerSecondVsApiFloor: Number((full.perSecond / floor.perSecond).toFixed(3)),
        profilePerSecondVsSql: Number((full.perSecond / sql.perSecond).toFixed(3)),
        maskedVsUnmasked: Number((maskedPhase.perSecond / full.perSecond).toFixed(3)),
      },
      machine: machine(),
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      log(
        `  ratios: profile/API floor ${result.ratios.profilePerSecondVsApiFloor}, profile/SQL ${result.ratios.profilePerSecondVsSql}, masked/unmasked ${result.ratios.maskedVsUnmasked}`,
      );
      log(
        `  machine: ${result.machine.cores} cores, ${result.machine.cpu}, ${result.machine.memoryGb} GB, Node ${process.version}`,
      );
      log('  (this process generates the load on the same 2 cores: the figures are a floor, not a ceiling)');
    }
  } finally {
    hub?.child.kill('SIGTERM');
    await pool.end().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
    await embedded.stop();
  }
}

const program = new Command('bench:query')
  .option('--profiles <n>', 'golden profiles to create', positive, 5000)
  .option('--seconds <n>', 'length of each measured phase', positive, 8)
  .option('--concurrency <n>', 'requests in flight at a time', positive, 16)
  .option('--json', 'print one JSON object')
  .action((options: Options) =>
    main(options).catch((error: unknown) => {
      process.stderr.write(`bench:query failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }),
  );
void program.parseAsync(process.argv);
