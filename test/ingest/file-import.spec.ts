import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BIN = path.resolve(__dirname, '../../bin/profile-hub.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startImport(args: string[], databaseUrl: string): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'import', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const runImport = (args: string[], databaseUrl: string) => startImport(args, databaseUrl).done;

function summaryOf(run: Run) {
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

async function count(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return row.n;
}

/** A small deterministic PRNG, so that every run writes the same file. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A CRM export of `creates` contacts (one in five people has a second record with the same email), followed by a
 * shuffled tail: updates of earlier contacts, replays of earlier lines (same event id), invalid emails and
 * malformed lines. The first half of the creates carry event ids; the rest do not.
 */
function crmExport(creates: number) {
  const people = Math.round(creates * 0.8);
  const createLine = (i: number) =>
    JSON.stringify({
      externalId: `c-${i}`,
      updatedAt: '2026-01-01T00:00:00Z',
      ...(i < creates / 2 ? { eventId: `create-${i}` } : {}),
      attributes: {
        email: `person${i % people}@example.com`,
        firstName: `First${i % people}`,
        lastName: `Last${i % people}`,
        ...(i >= people ? { company: 'Acme' } : {}),
        address: { city: 'Kraków', country: 'PL' },
      },
    });
  const lines = Array.from({ length: creates }, (_, i) => createLine(i));
  const tail: { kind: 'update' | 'replay' | 'invalid' | 'malformed'; text: string }[] = [];
  const updates = Math.round(creates * 0.44);
  for (let j = 0; j < updates; j++) {
    const text = JSON.stringify({
      externalId: `c-${j}`,
      updatedAt: '2026-02-01T00:00:00Z',
      attributes: { jobTitle: `Title ${j}` },
    });
    tail.push({ kind: 'update', text });
  }
  for (let k = 0; k < Math.round(creates * 0.045); k++) tail.push({ kind: 'replay', text: createLine(k) });
  for (let n = 0; n < creates / 100; n++) {
    tail.push({
      kind: 'invalid',
      text: JSON.stringify({ externalId: `bad-${n}`, attributes: { email: `nope-${n}` } }),
    });
  }
  for (let n = 0; n < creates / 200; n++) tail.push({ kind: 'malformed', text: `{"externalId": "broken-${n}", ` });
  const next = random(creates);
  for (let i = tail.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [tail[i], tail[j]] = [tail[j], tail[i]];
  }
  const lineOf = (kind: string) =>
    tail.flatMap((t, i) => (t.kind === kind ? [creates + i + 1] : [])).sort((a, b) => a - b);
  return {
    text: [...lines, ...tail.map((t) => t.text)].join('\n') + '\n',
    lines: creates + tail.length,
    people,
    updates,
    malformedLines: lineOf('malformed'),
    invalidLines: lineOf('invalid'),
  };
}

/**
 * Everything a person would see of the import, independent of generated ids and wall-clock times: each source
 * record with its golden profile's values and lineage, and which records share a profile.
 */
async function stateDigest(dataSource: DataSource): Promise<{ digest: string; rows: number }> {
  const [row] = await dataSource.query(`
    SELECT md5(string_agg(line, E'\\n' ORDER BY line)) AS digest, count(*)::int AS rows
      FROM (SELECT concat_ws(' | ',
                     (to_jsonb(s) - 'id' - 'profile_id' - 'version' - 'created_at' - 'updated_at' - 'deleted_at')::text,
                     (SELECT min(o.source || ':' || o.external_id) FROM source_record o WHERE o.profile_id = s.profile_id),
                     (to_jsonb(g) - 'id' - 'merged_into_id' - 'version' - 'lineage' - 'created_at' - 'updated_at')::text,
                     (SELECT jsonb_object_agg(l.field, l.rule) FROM hub_lineage_fields(g.lineage) AS l)::text
                   ) AS line
              FROM source_record s JOIN golden_profile g ON g.id = s.profile_id) lines`);
  return row;
}

describe('profile-hub import', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'profile-hub-import-'));
  });
  afterAll(async () => {
    await db?.destroy();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('an NDJSON export of canonical records', () => {
    const data = crmExport(2000);
    let file: string;

    beforeAll(async () => {
      file = path.join(dir, 'crm-contacts.ndjson');
      await fs.writeFile(file, data.text);
    });

    it('imports every good line in batches, dead-letters the rest with their line numbers, and sums it up', async () => {
      expect(data.lines).toBe(3000);
      // Batches of 1,000: a record and its update in different batches (the profile counts below depend on it).
      const run = await runImport([file, '--source', 'crm', '--batch-size', '1000', '--json'], db.url);
      expect(run.code).toBe(0);
      expect(summaryOf(run)).toMatchObject({
        lines: 3000,
        accepted: 2970,
        rejected: 30,
        created: 2000,
        updated: 880,
        unchanged: 0,
        duplicates: 90,
        rejectionCodes: [
          { code: 'INVALID_EMAIL', count: 20 },
          { code: 'MALFORMED_JSON', count: 10 },
        ],
        // 1,600 people; 400 of them gain a company from their second record, 880 a job title from an update.
        profiles: { created: 1600, updated: 400 + 880 },
        interrupted: false,
      });

      expect(await count(db.dataSource, `source_record WHERE source = 'crm'`)).toBe(2000);
      expect(await count(db.dataSource, `golden_profile`)).toBe(1600);
      expect(await count(db.dataSource, `golden_profile WHERE job_title IS NOT NULL`)).toBe(880);
      expect(await count(db.dataSource, `golden_profile WHERE company = 'Acme'`)).toBe(400);
      expect(await count(db.dataSource, `dead_letter WHERE source = 'crm' AND transport = 'file'`)).toBe(30);

      const malformed = await db.dataSource.query(
        `SELECT record_index, raw_payload, content_type FROM dead_letter
          WHERE error_code = 'MALFORMED_JSON' ORDER BY record_index`,
      );
      expect(malformed.map((l: { record_index: number }) => l.record_index)).toEqual(data.malformedLines);
      expect(malformed[0]).toMatchObject({
        raw_payload: expect.stringMatching(/^\{"externalId": "broken-\d+", $/),
        content_type: 'application/x-ndjson',
      });
      const invalid = await db.dataSource.query(
        `SELECT record_index, error_path FROM dead_letter WHERE error_code = 'INVALID_EMAIL' ORDER BY record_index`,
      );
      expect(invalid.map((l: { record_index: number }) => l.record_index)).toEqual(data.invalidLines);
      expect(invalid[0].error_path).toBe('$.attributes.email');
    });

    it('changes nothing when the same file is imported again', async () => {
      const events = await count(db.dataSource, 'change_event');
      const before = await stateDigest(db.dataSource);

      const run = await runImport([file, '--source', 'crm', '--json'], db.url);
      expect(run.code).toBe(0);
      expect(summaryOf(run)).toMatchObject({
        lines: 3000,
        created: 0,
        updated: 0,
        // Lines with an event id are replays now; the others carry nothing new.
        duplicates: 1000 + 90,
        unchanged: 1000 + 880,
        rejected: 30,
        profiles: { created: 0, updated: 0 },
      });
      expect(await count(db.dataSource, 'change_event')).toBe(events);
      expect(await stateDigest(db.dataSource)).toEqual(before);
    });
  });

  it('maps CSV columns with format hints and dead-letters the rows it cannot read', async () => {
    const file = path.join(dir, 'erp-kunden.csv');
    const mapping = path.join(dir, 'erp-mapping.json');
    await fs.writeFile(
      mapping,
      JSON.stringify({
        fields: {
          Kundennummer: 'externalId',
          'E-Mail': 'email',
          Vorname: 'firstName',
          Nachname: 'lastName',
          Geburtsdatum: { path: 'birthDate', format: 'date:DD.MM.YYYY' },
          Ort: 'address.city',
          Land: 'address.country',
          Geändert: { path: 'updatedAt', format: 'timestamp:epoch-s' },
          Newsletter: { path: 'custom.newsletter', format: 'boolean' },
        },
      }),
    );
    await fs.writeFile(
      file,
      '\uFEFFKundennummer,E-Mail,Vorname,Nachname,Geburtsdatum,Ort,Land,Geändert,Newsletter,Notiz\r\n' +
        'K-1,anna.nowak@example.com,Anna,Nowak,01.02.1980,Kraków,PL,1767225600,1,\r\n' +
        'K-2,jan@example.com,Jan,"Kowalski, Jr.",15.07.1975,Warszawa,pl,1767225600,0,\r\n' +
        'K-3,eva@example.com,Eva,Lis,,Gdańsk,PL,1767225600,1,"called twice,\r\nno answer"\r\n' +
        'K-4,bad@example.com,Bad,Date,31.02.1980,Gdańsk,PL,1767225600,1,\r\n' +
        'K-5,short@example.com,Short\r\n' +
        'K-6,Anna.Nowak@example.com,Anna,Nowak-Smith,,Kraków,PL,1767312000,1,\r\n',
    );

    const run = await runImport([file, '--source', 'erp', '--mapping', mapping], db.url);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/lines read\s+6\n/);
    expect(run.stdout).toMatch(/accepted\s+4: 4 created, 0 updated, 0 unchanged, 0 duplicates\n/);
    expect(run.stdout).toMatch(/rejected\s+2: INVALID_DATE 1, MALFORMED_CSV 1\n/);
    expect(run.stdout).toMatch(/deadLetters query/);
    expect(run.stdout).toMatch(/profiles\s+3 created, 0 updated\n/);

    const anna = await db.dataSource.query(
      `SELECT g.first_name, g.last_name, g.birth_date::text AS birth_date, g.address_city, g.custom,
              (SELECT count(*)::int FROM source_record s WHERE s.profile_id = g.id) AS records
         FROM golden_profile g WHERE g.email = 'anna.nowak@example.com'`,
    );
    expect(anna).toEqual([
      {
        first_name: 'Anna',
        last_name: 'Nowak-Smith',
        birth_date: '1980-02-01',
        address_city: 'Kraków',
        custom: { newsletter: true },
        records: 2,
      },
    ]);
    const [eva] = await db.dataSource.query(
      `SELECT attributes, source_updated_at FROM source_record WHERE source = 'erp' AND external_id = 'K-3'`,
    );
    expect(eva.attributes).toMatchObject({
      'custom.erp.Notiz': 'called twice,\r\nno answer',
      'custom.newsletter': true,
    });
    expect(eva.source_updated_at.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    const letters = await db.dataSource.query(
      `SELECT error_code, record_index, raw_payload, content_type FROM dead_letter
        WHERE source = 'erp' ORDER BY record_index`,
    );
    expect(letters).toEqual([
      {
        error_code: 'INVALID_DATE',
        record_index: 6,
        raw_payload: 'K-4,bad@example.com,Bad,Date,31.02.1980,Gdańsk,PL,1767225600,1,',
        content_type: 'text/csv',
      },
      {
        error_code: 'MALFORMED_CSV',
        record_index: 7,
        raw_payload: 'K-5,short@example.com,Short',
        content_type: 'text/csv',
      },
    ]);
  });

  it('refuses a CSV whose header is not canonical, before importing anything', async () => {
    const file = path.join(dir, 'contacts.csv');
    await fs.writeFile(file, 'externalId,E-mail,firstName\n1,ann@example.com,Ann\n');
    const run = await runImport([file, '--source', 'shop'], db.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^profile-hub import: contacts\.csv: column "E-mail" is not a canonical path/);
    expect(run.stderr).toMatch(/--mapping/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    expect(await count(db.dataSource, `source_record WHERE source = 'shop'`)).toBe(0);
    expect(await count(db.dataSource, `dead_letter WHERE source = 'shop'`)).toBe(0);

    const missing = await runImport([path.join(dir, 'nowhere.ndjson'), '--source', 'shop'], db.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\.ndjson does not exist/);
  });

  it('stops cleanly on SIGINT after the batch in flight, and a second run finishes to the same state', async () => {
    const data = crmExport(10000);
    const file = path.join(dir, 'crm-large.ndjson');
    await fs.writeFile(file, data.text);
    const interrupted = await createTestDatabase();
    const uninterrupted = await createTestDatabase();
    try {
      const args = [file, '--source', 'crm', '--batch-size', '500', '--json'];
      const first = startImport(args, interrupted.url);
      // Interrupt as soon as the first batch has committed.
      const deadline = Date.now() + 30000;
      while ((await count(interrupted.dataSource, 'source_record')) === 0) {
        if (Date.now() > deadline) throw new Error('no batch committed within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      first.child.kill('SIGINT');
      const stopped = await first.done;
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toMatch(
        /interrupted after [\d,]+ lines — run the same command again to finish; records already imported are skipped/,
      );
      const partial = summaryOf(stopped);
      expect(partial.interrupted).toBe(true);
      expect(partial.lines).toBeGreaterThanOrEqual(500);
      expect(partial.lines).toBeLessThan(data.lines);
      expect(partial.lines % 500).toBe(0);
      expect(await count(interrupted.dataSource, 'source_record')).toBeLessThan(10000);

      const resumed = await runImport(args, interrupted.url);
      expect(resumed.code).toBe(0);
      expect(summaryOf(resumed)).toMatchObject({ lines: data.lines, interrupted: false });

      const whole = await runImport(args, uninterrupted.url);
      expect(whole.code).toBe(0);
      expect(summaryOf(whole)).toMatchObject({ lines: data.lines, created: 10000, profiles: { created: data.people } });

      const expected = await stateDigest(uninterrupted.dataSource);
      expect(expected.rows).toBe(10000);
      expect(await stateDigest(interrupted.dataSource)).toEqual(expected);
    } finally {
      await interrupted.destroy();
      await uninterrupted.destroy();
    }
  }, 180000);
});
