import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BIN = path.resolve(__dirname, '../../bin/profile-hub.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the profile-hub command', () => {
  it('offers --help on every level', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: profile-hub/);
    expect(top.stdout).toMatch(/serve/);
    expect(top.stdout).toMatch(/migrate/);
    const migrate = cli(['migrate', '--help']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/--check/);
  });

  it('names an unknown command instead of failing obscurely', () => {
    const result = cli(['serv']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'serv'/);
  });

  it('prints dev tokens only in dev mode, with scopes it knows', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-token-'));
    try {
      const env = { HUB_DATA_DIR: dataDir, NODE_ENV: 'development' };
      const token = cli(['token', '--scopes', 'profiles:read,ingest:hubspot', '--ttl', '15m'], env);
      expect(token.code).toBe(0);
      const claims = decodeJwt(token.stdout.trim());
      expect(claims).toMatchObject({
        scope: 'profiles:read ingest:hubspot',
        iss: 'urn:profile-hub:dev',
        aud: 'profile-hub',
      });
      expect(claims.exp! - claims.iat!).toBe(900);
      // The key is the owner's alone.
      expect(statSync(path.join(dataDir, 'dev-signing-key.json')).mode & 0o077).toBe(0);
      const unknown = cli(['token', '--scopes', 'everything'], env);
      expect([unknown.code, unknown.stderr]).toEqual([
        1,
        expect.stringMatching(/"everything" is not a scope the hub knows/),
      ]);
      const withIssuer = cli(['token'], { ...env, AUTH_ISSUER: 'https://id.example.com' });
      expect([withIssuer.code, withIssuer.stdout]).toEqual([1, '']);
      expect(withIssuer.stderr).toMatch(/dev mode only/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('export against DATABASE_URL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
      const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
      await ingestBatch(ctx, {
        source: 'salesforce',
        transport: 'file',
        records: [
          { externalId: 'c1', attributes: { email: 'ann@example.com', firstName: 'Ann', address: { city: 'Kraków' } } },
        ],
      });
      await ingestBatch(ctx, {
        source: 'hubspot',
        transport: 'file',
        records: [
          { externalId: 'h1', attributes: { email: 'ann@example.com', firstName: 'Ann' } },
          { externalId: 'h2', attributes: { email: 'bob@example.com' } },
        ],
      });
    });
    afterAll(async () => db.destroy());

    it('prints one NDJSON line per source record with its profile, and the golden profiles', () => {
      const links = cli(['export', 'links'], { DATABASE_URL: db.url });
      expect(links.code).toBe(0);
      const rows = links.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(rows).toHaveLength(3);
      const byId = Object.fromEntries(rows.map((r: any) => [`${r.source}:${r.externalId}`, r.profileId]));
      expect(byId['salesforce:c1']).toBe(byId['hubspot:h1']);
      expect(byId['hubspot:h2']).not.toBe(byId['hubspot:h1']);
      expect(links.stderr).toContain('exported 3 links');

      const profiles = cli(['export', 'profiles', '--format', 'ndjson'], { DATABASE_URL: db.url });
      const golden = profiles.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(golden).toHaveLength(2);
      expect(golden.find((p: any) => p.id === byId['salesforce:c1'])).toMatchObject({
        attributes: { email: 'ann@example.com', firstName: 'Ann', address: { city: 'Kraków' } },
      });
      expect(cli(['export', 'people'], { DATABASE_URL: db.url }).stderr).toMatch(/use "profiles" or "links"/);
    });
  });

  describe('migrate against DATABASE_URL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ migrated: false });
    });
    afterAll(async () => db.destroy());

    it('reports pending migrations with --check, applies them, then reports the schema up to date', async () => {
      const before = cli(['migrate', '--check'], { DATABASE_URL: db.url });
      expect(before).toMatchObject({ code: 3, stdout: 'migrations pending\n' });

      const applied = cli(['migrate'], { DATABASE_URL: db.url });
      expect(applied).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });
      const tables = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'golden_profile'`,
      );
      expect(tables[0].n).toBe(1);

      expect(cli(['migrate', '--check'], { DATABASE_URL: db.url })).toMatchObject({ code: 0 });
    });

    it('says clearly when the database cannot be reached', () => {
      const result = cli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cannot reach the database/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
