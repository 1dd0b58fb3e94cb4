import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import { ephemeralDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres';

/** An embedded server started while the hub's environment has GLIBC_TUNABLES = `tunables` (undefined: unset). */
async function startWith(tunables: string | undefined): Promise<EmbeddedDatabase> {
  const saved = process.env.GLIBC_TUNABLES;
  if (tunables === undefined) delete process.env.GLIBC_TUNABLES;
  else process.env.GLIBC_TUNABLES = tunables;
  try {
    return await startEmbeddedPostgres({ dataDir: await ephemeralDataDir('hub-malloc-'), ephemeral: true });
  } finally {
    if (saved === undefined) delete process.env.GLIBC_TUNABLES;
    else process.env.GLIBC_TUNABLES = saved;
  }
}

/** Minor page faults of a process so far (/proc/<pid>/stat, field 10). */
async function minorFaults(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

/**
 * The page faults one backend takes over ten rounds of what a bulk load's batch asks of it — 5,000 records sent as
 * one 1.3 MB JSON parameter, unpacked by `jsonb_to_recordset` and inserted, then aggregated — after a first round
 * that warmed it up.
 */
async function faultsOfBatches(db: EmbeddedDatabase): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('CREATE TABLE landed (source text, external_id text, attributes jsonb)');
    const records = Array.from({ length: 5000 }, (_, i) => ({
      source: 'crm',
      external_id: `0030000${i}`,
      attributes: { email: `anna.${i}@example.com`, firstName: 'Anna', lastName: `Nowak ${i}`, city: 'Kraków' },
    }));
    const round = async () => {
      await client.query(
        `INSERT INTO landed SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(source text, external_id text, attributes jsonb)`,
        [JSON.stringify(records)],
      );
      await client.query('SELECT count(DISTINCT external_id), count(DISTINCT attributes) FROM landed');
    };
    await round();
    const before = await minorFaults(rows[0].pid);
    for (let i = 0; i < 10; i++) await round();
    return (await minorFaults(rows[0].pid)) - before;
  } finally {
    await client.end();
  }
}

describe("the embedded PostgreSQL's memory settings (real server processes)", () => {
  const started: EmbeddedDatabase[] = [];
  afterAll(async () => {
    await Promise.all(started.map((db) => db.stop()));
  });

  it('its backends keep the memory a batch freed for the next: a fraction of the page faults of glibc’s defaults', async () => {
    const tuned = await startWith(undefined);
    // An operator's own GLIBC_TUNABLES is kept — here an empty one: glibc's defaults.
    const defaults = await startWith('');
    started.push(tuned, defaults);
    const withSettings = await faultsOfBatches(tuned);
    const withDefaults = await faultsOfBatches(defaults);
    // Measured: ~4,600 against ~73,000 — each default round faulted ~28 MB in afresh.
    expect(withDefaults).toBeGreaterThan(20_000);
    expect(withSettings).toBeLessThan(withDefaults / 4);
  });
});
