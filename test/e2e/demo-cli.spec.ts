import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql } from '../support/test-hub';
import { serveEmbedded, type ServedHub } from '../support/serve-process';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/profile-hub.js');
const run = promisify(execFile);

/** `profile-hub <args>` as a user runs it; resolves with the exit code and both streams. */
async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: '', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The number printed after a label of the summary, e.g. `open conflicts    12` → 12. */
function printed(stdout: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d,]+)`, 'm').exec(stdout);
  if (!match) throw new Error(`"${label}" is not in the summary:\n${stdout}`);
  return Number(match[1].replace(/,/g, ''));
}

const NEXT_STEPS = [
  'npx profile-hub token --scopes profiles:read,pii:read,steward,segments:write',
  'http://localhost:4000/console',
  'mergeCandidates(first: 3)',
  'conflicts(first: 3)',
];

describe('profile-hub demo against DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  const count = async (sql: string) => (await db.dataSource.query(`SELECT (${sql})::int AS n`))[0].n as number;

  it('loads the data set, prints what the hub made of it and where to look next; a second run changes nothing', async () => {
    const first = await cli(['demo', '--size', '500'], { DATABASE_URL: db.url });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('loaded the demo data set (seed 1, 500 contacts');
    expect(first.stdout).toContain('into the database at DATABASE_URL');
    for (const step of NEXT_STEPS) expect(first.stdout).toContain(step);
    // The printed numbers are the hub's.
    const profiles = await count(`SELECT count(*) FROM golden_profile WHERE status = 'active'`);
    expect(printed(first.stdout, 'golden profiles')).toBe(profiles);
    expect(printed(first.stdout, 'merge candidates')).toBe(
      await count(`SELECT count(*) FROM merge_candidate WHERE status = 'open'`),
    );
    expect(printed(first.stdout, 'open conflicts')).toBe(
      await count(`SELECT count(*) FROM conflict WHERE status = 'open'`),
    );
    expect(printed(first.stdout, 'timeline events')).toBe(await count(`SELECT count(*) FROM engagement_event`));
    expect(printed(first.stdout, 'merge candidates')).toBeGreaterThanOrEqual(3);
    expect(printed(first.stdout, 'open conflicts')).toBeGreaterThanOrEqual(2);
    const sizes: { key: string; n: number }[] = await db.dataSource.query(
      `SELECT s.key, count(m.profile_id)::int AS n FROM segment s
         LEFT JOIN segment_membership m ON m.segment_id = s.id GROUP BY s.key ORDER BY s.key`,
    );
    expect(sizes.map((s) => s.key)).toEqual(['email-subscribers', 'engaged-subscribers-de', 'mqls', 'opted-out-email']);
    for (const { key, n } of sizes) expect(printed(first.stdout, key)).toBe(n);

    const events = await count(`SELECT count(*) FROM change_event`);
    const second = await cli(['demo', '--size', '500'], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^nothing new: this demo data set \(seed 1, 500 contacts.*\) was loaded before/m);
    expect(printed(second.stdout, 'golden profiles')).toBe(profiles);
    expect(await count(`SELECT count(*) FROM golden_profile WHERE status = 'active'`)).toBe(profiles);
    expect(await count(`SELECT count(*) FROM change_event`)).toBe(events);

    const json = await cli(['demo', '--size', '500', '--json'], { DATABASE_URL: db.url });
    expect(JSON.parse(json.stdout)).toMatchObject({ nothingNew: true, loadedBefore: true, hub: { profiles } });
  }, 180_000);

  it('refuses a size it cannot load, naming the range', async () => {
    const result = await cli(['demo', '--size', '5'], { DATABASE_URL: db.url });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--size.*use a whole number from 20 to 100,000/);
  });
});

async function stop(hub: ServedHub): Promise<void> {
  const exited = new Promise((resolve) => hub.child.on('exit', resolve));
  hub.child.kill('SIGTERM');
  await exited;
}

describe('profile-hub demo with the embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-demo-'));
  const env = { DATABASE_URL: '', HUB_DATA_DIR: dataDir, NODE_ENV: 'development' };
  let hub: ServedHub | undefined;
  afterAll(async () => {
    if (hub && hub.child.exitCode === null) await stop(hub);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads into the database of a running hub, and alone starts the embedded database for the time it runs', async () => {
    hub = await serveEmbedded(dataDir, { LOG_LEVEL: 'warn' });
    expect(hub.output()).toContain('new here? load a demo data set: npx profile-hub demo');

    const loaded = await cli(['demo', '--size', '200'], env);
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain(`into the running hub's embedded database`);
    const { stdout: token } = await run(process.execPath, [BIN, 'token', '--scopes', 'profiles:read,steward'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    // The running hub serves what the demo loaded, with the printed numbers.
    const answer = await graphql(
      hub.url,
      '{ mergeCandidates { totalCount } conflicts { totalCount } segments { key size } }',
      {},
      { token: token.trim() },
    );
    expect(answer.data!.mergeCandidates.totalCount).toBe(printed(loaded.stdout, 'merge candidates'));
    expect(answer.data!.conflicts.totalCount).toBe(printed(loaded.stdout, 'open conflicts'));
    for (const { key, size } of answer.data!.segments) expect(printed(loaded.stdout, key)).toBe(size);

    await stop(hub);
    // Without a running hub the command starts the embedded database itself, and stops it again.
    const alone = await cli(['demo', '--size', '200'], env);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('nothing new: this demo data set (seed 1, 200 contacts');
    expect(alone.stdout).toContain('(started for this command and stopped again; npm start serves it)');
    expect(alone.stdout).toContain('start the hub (if it is not running):  npm start');
    expect(printed(alone.stdout, 'golden profiles')).toBe(printed(loaded.stdout, 'golden profiles'));

    // Now the database holds profiles: no more hint.
    hub = await serveEmbedded(dataDir, { LOG_LEVEL: 'warn' });
    expect(hub.output()).toContain('profile-hub is ready');
    expect(hub.output()).not.toContain('new here?');
  }, 240_000);
});
