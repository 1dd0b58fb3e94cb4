import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runningEmbeddedPostgres } from '../../src/db/embedded-postgres';

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('finding the embedded PostgreSQL a running hub serves', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-attach-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finds none where no cluster was ever started', async () => {
    expect(await runningEmbeddedPostgres({ dataDir })).toBeUndefined();
  });

  it('ignores the pid file a crashed hub left behind: only a database that answers counts', async () => {
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg-password'), 'secret\n', { mode: 0o600 });
    const port = await closedPort();
    writeFileSync(
      path.join(dataDir, 'pg', 'postmaster.pid'),
      ['999999', path.join(dataDir, 'pg'), '1700000000', String(port), '', '127.0.0.1', '0 0', 'ready   ', ''].join(
        '\n',
      ),
    );
    expect(await runningEmbeddedPostgres({ dataDir })).toBeUndefined();
  });
});
