import { spawnSync } from 'node:child_process';
import path from 'node:path';
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
