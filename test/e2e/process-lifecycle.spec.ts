import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { testToken } from '../support/test-auth';
import { graphql } from '../support/test-hub';
import { serveEmbedded } from '../support/serve-process';

const ROOT = path.resolve(__dirname, '../..');

/** A token as a newcomer gets one in dev mode: `profile-hub token` on the same data directory. */
async function devToken(dataDir: string, scopes: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'bin/profile-hub.js'), 'token', '--scopes', scopes],
    { cwd: ROOT, env: { ...process.env, HUB_DATA_DIR: dataDir, NODE_ENV: 'development', DATABASE_URL: '' } },
  );
  return stdout.trim();
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - started })));
}

describe('profile-hub serve as a process (embedded PostgreSQL, graceful shutdown)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-lifecycle-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on the embedded database, closes WebSockets with 1001 and exits 0 on SIGTERM, and keeps data across restarts', async () => {
    const first = await serveEmbedded(dataDir);
    // Dev mode: the hub trusts its own key only. `profile-hub token` signs with it; another issuer's token is refused.
    expect(first.output()).toContain('npx profile-hub token --scopes');
    const token = await devToken(dataDir, 'profiles:read,pii:read,ingest:hubspot');
    expect((await graphql(first.url, '{ __typename }', {}, { token })).data).toEqual({ __typename: 'Query' });
    const foreign = await graphql(first.url, '{ __typename }', {}, { token: await testToken() });
    expect([foreign.status, foreign.errors?.[0]?.extensions?.code]).toEqual([401, 'TOKEN_KEY_UNKNOWN']);
    expect((await graphql(first.url, '{ __typename }', {}, { token: null })).status).toBe(401);
    const ingested = await graphql(
      first.url,
      `
        mutation {
          ingest(source: "hubspot", records: [{ externalId: "77", attributes: { email: "keep@example.com" } }]) {
            results {
              ... on IngestAccepted {
                profileId
              }
            }
          }
        }
      `,
      {},
      { token },
    );
    const profileId = ingested.data!.ingest.results[0].profileId;
    expect(profileId).toBeTruthy();

    const socket = new WebSocket(first.url.replace('http', 'ws'), 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve());
      socket.on('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));

    const exited = exitOf(first.child);
    first.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    const { code, ms } = await exited;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
    // The embedded PostgreSQL was stopped too: a running postmaster keeps this file.
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = await serveEmbedded(dataDir);
    try {
      // The key survives restarts: the same token still works.
      const again = await graphql(
        second.url,
        'query($id: ID!) { profile(id: $id) { email } }',
        { id: profileId },
        { token },
      );
      expect(again.data!.profile).toEqual({ email: 'keep@example.com' });
    } finally {
      const stopped = exitOf(second.child);
      second.child.kill('SIGINT');
      expect((await stopped).code).toBe(0);
    }
  }, 120000);

  it('recovers the data folder after the hub was killed without a chance to stop its database', async () => {
    const killed = await serveEmbedded(dataDir);
    const gone = exitOf(killed.child);
    killed.child.kill('SIGKILL');
    await gone;
    const next = await serveEmbedded(dataDir);
    try {
      const token = await devToken(dataDir, 'profiles:read');
      expect((await graphql(next.url, '{ __typename }', {}, { token })).data).toEqual({ __typename: 'Query' });
      expect(next.output()).toContain('stopping an orphaned embedded PostgreSQL');
    } finally {
      const stopped = exitOf(next.child);
      next.child.kill('SIGTERM');
      expect((await stopped).code).toBe(0);
    }
  }, 120000);

  it('refuses to start with an invalid setting and names the variable', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/profile-hub.js'), 'serve'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const { code } = await exitOf(child);
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('"eighty" is not allowed');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
