import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface ServedHub {
  child: ChildProcess;
  /** The GraphQL URL from the ready message. */
  url: string;
  /** Everything the process printed so far. */
  output: () => string;
}

/**
 * `profile-hub serve` as a child process with `env` over this process's environment (a free port on 127.0.0.1);
 * resolves once the whole ready message (it ends with an empty line) is out.
 */
export function serveProcess(env: Record<string, string>): Promise<ServedHub> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/profile-hub.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not become ready:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /profile-hub is ready: (http:\/\/\S+\/graphql)\n[\s\S]*?\n\n/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, url: ready[1], output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/**
 * `profile-hub serve` as a newcomer runs it — DATABASE_URL unset, the embedded database in `dataDir`, dev-mode
 * auth.
 */
export function serveEmbedded(dataDir: string, env: Record<string, string> = {}): Promise<ServedHub> {
  return serveProcess({
    DATABASE_URL: '',
    HUB_DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    ...env,
  });
}
