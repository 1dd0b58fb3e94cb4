import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadOrCreateDevKey, signDevToken } from '../src/auth/dev-signing-key';
import { loadConfig } from '../src/config/config';
import { ephemeralDataDir } from '../src/db/embedded-postgres';

const ROOT = path.resolve(__dirname, '../..');

export interface HubProcess {
  /** e.g. `http://127.0.0.1:41234` */
  base: string;
  wsUrl: string;
  child: ChildProcess;
  /** Signs a dev-mode token the hub accepts (its key lives in the hub's own data folder). */
  token(scopes: string[], subject?: string): Promise<string>;
}

/**
 * `profile-hub serve` as a child process on `databaseUrl` (dev-mode auth, a throw-away data folder), so a benchmark
 * measures the hub the way clients meet it: over its own sockets, its CPU apart from the load generator's.
 * `BENCH_HUB_NODE_ARGS` passes Node flags (e.g. `--cpu-prof`).
 */
export async function startHubProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<HubProcess> {
  const hubDataDir = await ephemeralDataDir('profile-hub-bench-hub-');
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      path.join(ROOT, 'bin/profile-hub.js'),
      'serve',
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        HUB_DATA_DIR: hubDataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start: ${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const ready = /profile-hub is ready: (http:\/\/\S+)\/graphql/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the hub exited (${code}): ${output}`)));
  });
  const auth = loadConfig({ HUB_DATA_DIR: hubDataDir, NODE_ENV: 'test' }).auth;
  const key = await loadOrCreateDevKey(auth);
  return {
    base,
    wsUrl: `${base.replace(/^http/, 'ws')}/graphql`,
    child,
    token: (scopes, subject = 'bench') => signDevToken(auth, key, { scopes, subject, ttlSeconds: 7 * 86400 }),
  };
}
