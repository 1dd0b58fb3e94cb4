import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { appendAudit, type NewAuditEntry } from '../../src/audit/audit-trail';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BIN = path.resolve(__dirname, '../../bin/profile-hub.js');

/** `profile-hub audit verify` as an operator runs it (the built command; `npm test` builds first). */
function verifyCommand(url: string, args: string[] = []) {
  const result = spawnSync(process.execPath, [BIN, 'audit', 'verify', ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const entry = (action: string, details: Record<string, unknown> = {}): NewAuditEntry => ({
  actor: 'test-client',
  scopes: ['admin', 'steward'],
  action,
  operation: 'test',
  targetType: 'golden_profile',
  targetId: '5f0c7c4e-3c55-4d7a-9a51-1c8a6f0b2a11',
  details,
  requestId: 'req-1',
});

async function sqlState(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as any).code;
  }
}

describe('the audit chain', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());

  it('stays one gapless chain under concurrent appends from several connections', async () => {
    const writers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const client = new Client({ connectionString: db.url });
        await client.connect();
        return client;
      }),
    );
    try {
      await Promise.all(
        writers.map(async (client, w) => {
          const writer = { query: (sql: string, params?: unknown[]) => client.query(sql, params).then((r) => r.rows) };
          for (let i = 0; i < 25; i++) {
            await client.query('BEGIN');
            // Batches of one to three entries, one INSERT each.
            await appendAudit(
              writer,
              Array.from({ length: 1 + (i % 3) }, (_, k) => entry(`test.write`, { writer: w, batch: i, k })),
            );
            await client.query('COMMIT');
          }
        }),
      );
    } finally {
      await Promise.all(writers.map((client) => client.end()));
    }
    const expected = 6 * Array.from({ length: 25 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    const [{ count, min, max }] = await db.dataSource.query(
      `SELECT count(*)::int AS count, min(seq)::int AS min, max(seq)::int AS max FROM audit_entry`,
    );
    expect({ count, min, max }).toEqual({ count: expected, min: 1, max: expected });
    // The entries of one INSERT are consecutive and in the order given.
    const batch = await db.dataSource.query(
      `SELECT seq::int, details->>'k' AS k FROM audit_entry
        WHERE details->>'writer' = '0' AND details->>'batch' = '2' ORDER BY seq`,
    );
    expect(batch.map((r: { k: string }) => r.k)).toEqual(['0', '1', '2']);
    expect(batch[2].seq - batch[0].seq).toBe(2);

    const report = await verifyAuditChain(db.dataSource.manager, { batchSize: 97 });
    expect(report).toMatchObject({ intact: true, entries: expected, redacted: 0, headSeq: String(expected) });
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses DELETE, TRUNCATE and every UPDATE but the redacting scrub of details', async () => {
    const ds = db.dataSource;
    await appendAudit(ds, [entry('test.append_only', { email: 'not-really@example.com' })]);
    const [{ seq }] = await ds.query(`SELECT max(seq)::text AS seq FROM audit_entry`);

    expect(await sqlState(ds.query(`DELETE FROM audit_entry WHERE seq = $1`, [seq]))).toBe('42501');
    expect(await sqlState(ds.query(`TRUNCATE audit_entry`))).toBe('42501');
    expect(await sqlState(ds.query(`UPDATE audit_entry SET actor = 'someone-else' WHERE seq = $1`, [seq]))).toBe(
      '42501',
    );
    // Changing the details without marking the entry redacted is tampering too.
    expect(await sqlState(ds.query(`UPDATE audit_entry SET details = '{}' WHERE seq = $1`, [seq]))).toBe('42501');
    // An insert cannot choose its own place or hash either: the trigger sets them.
    await ds.query(
      `INSERT INTO audit_entry (actor, action, target_type, seq, hash, prev_hash, details_digest)
       VALUES ('x', 'test.forged', 'x', 1, '\\x00', '\\x00', '\\x00')`,
    );
    const [forged] = await ds.query(`SELECT seq::int FROM audit_entry WHERE action = 'test.forged'`);
    expect(forged.seq).toBeGreaterThan(Number(seq));

    // The scrub erasure does: allowed, and the chain still verifies, the entry counted as redacted.
    await ds.query(`UPDATE audit_entry SET details = '{"redacted": "erasure"}', redacted_at = now() WHERE seq = $1`, [
      seq,
    ]);
    const report = await verifyAuditChain(ds.manager);
    expect(report).toMatchObject({ intact: true, redacted: 1 });
    const rows = await ds.query(`SELECT details FROM audit_entry WHERE seq = $1`, [seq]);
    expect(rows).toEqual([{ details: { redacted: 'erasure' } }]);
  });
});

describe('audit verify', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await appendAudit(
      db.dataSource,
      Array.from({ length: 8 }, (_, i) => entry(`test.entry`, { n: i + 1 })),
    );
  });
  afterAll(async () => db?.destroy());

  it('reports an intact chain with its head, exit code 0', () => {
    const result = verifyCommand(db.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/8 entries, 0 redacted/);
    expect(result.stdout).toMatch(/head: #8 [0-9a-f]{64}/);
    expect(result.stdout).toMatch(/chain intact/);
  });

  it('reports each tampered entry by its sequence number, exit code 4', async () => {
    const ds = db.dataSource;
    const before = JSON.parse(verifyCommand(db.url, ['--json']).stdout);
    // A superuser (or the table owner) switches the guards off and rewrites history.
    await ds.query(`DROP TRIGGER tr_audit_entry_append_only ON audit_entry`);
    await ds.query(`DROP TRIGGER tr_audit_entry_chain ON audit_entry`);
    // Entry 3's action changed; entry 5's details changed; entry 7 removed.
    await ds.query(`UPDATE audit_entry SET action = 'test.innocent' WHERE seq = 3`);
    await ds.query(`UPDATE audit_entry SET details = '{"n": 50}' WHERE seq = 5`);
    await ds.query(`DELETE FROM audit_entry WHERE seq = 7`);
    // A forged entry appended at the end, linked to the real head but with a made-up hash.
    await ds.query(
      `INSERT INTO audit_entry (actor, action, target_type, details, seq, prev_hash, hash, details_digest)
       SELECT 'intruder', 'test.forged', 'golden_profile', '{}', 9, hash, sha256('forged'), sha256('{}')
         FROM audit_entry WHERE seq = 8`,
    );

    const result = verifyCommand(db.url, ['--json']);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ intact: false, entries: 8, headSeq: '9' });
    const [three] = await ds.query(`SELECT encode(hash, 'hex') AS hash FROM audit_entry WHERE seq = 3`);
    const [six] = await ds.query(`SELECT encode(hash, 'hex') AS hash FROM audit_entry WHERE seq = 6`);
    expect(report.broken).toEqual([
      { seq: '3', problem: 'hash', expected: expect.not.stringMatching(three.hash), found: three.hash },
      { seq: '5', problem: 'details', expected: expect.any(String), found: expect.any(String) },
      { seq: '8', problem: 'missing', expected: '7', found: '8' },
      { seq: '8', problem: 'prev_hash', expected: six.hash, found: expect.any(String) },
      { seq: '9', problem: 'hash', expected: expect.any(String), found: expect.any(String) },
    ]);
    expect(report.brokenCount).toBe(5);
    // The head moved: what an operator anchored before no longer matches.
    expect(report.headHash).not.toBe(before.headHash);

    const text = verifyCommand(db.url);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/chain BROKEN: 5 problem\(s\)/);
    expect(text.stdout).toMatch(/#3 hash: expected [0-9a-f]{64}, found [0-9a-f]{64}/);
    expect(text.stdout).toMatch(/#8 missing: expected 7, found 8/);
  });
});

describe('the AuditChain migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => db?.destroy());

  it('chains the entries already there, oldest first, scrubbed ones as redacted; new ones follow', async () => {
    const ds = db.dataSource;
    await ds.runMigrations({ transaction: 'each' });
    // Back to just before the AuditChain migration (later migrations undone first, newest first).
    for (;;) {
      const [last]: { name: string }[] = await ds.query(`SELECT name FROM schema_migrations ORDER BY id DESC LIMIT 1`);
      await ds.undoLastMigration({ transaction: 'each' });
      if (last.name === 'AuditChain1798000900000') break;
    }
    await ds.query(
      `INSERT INTO audit_entry (actor, action, target_type, target_id, details, request_id) VALUES
         ('cli', 'profile.export', 'golden_profile', 'p-1', '{"sections": {"identifiers": 2}}', 'r-1'),
         ('steward-1', 'profile.erase', 'golden_profile', 'p-2', '{"redacted": "erasure"}', 'r-2'),
         ('system', 'dead_letters.replayed', 'dead_letter', NULL, '{"replayed": 1}', NULL)`,
    );
    await ds.runMigrations({ transaction: 'each' });

    const rows = await ds.query(
      `SELECT seq::int, action, redacted_at IS NOT NULL AS redacted FROM audit_entry ORDER BY id`,
    );
    expect(rows).toEqual([
      { seq: 1, action: 'profile.export', redacted: false },
      { seq: 2, action: 'profile.erase', redacted: true },
      { seq: 3, action: 'dead_letters.replayed', redacted: false },
    ]);
    await appendAudit(ds, [entry('test.after_migration')]);
    expect(await verifyAuditChain(ds.manager)).toMatchObject({ intact: true, entries: 4, redacted: 1, headSeq: '4' });
  });
});
