import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { fromGlobalId } from '../../src/common/global-id';
import { createDataSource } from '../../src/db/data-source';
import { currentFeedCursor } from '../../src/feed/read-change-events';
import { subscribeFeed } from '../support/feed-subscriber';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { authHeader, testAuthEnv } from '../support/test-auth';
import { serveProcess } from '../support/serve-process';

const INGEST = `
  mutation Ingest($records: [JSONObject!]!) {
    ingest(source: "salesforce", records: $records) { results { ... on IngestAccepted { status profileId } } }
  }`;
const CHANGES_LIVE = `subscription($after: String) {
  changes(after: $after, types: ["profile.created", "profile.updated"]) { id cursor type profileId payload } }`;

/** A second hub process (`profile-hub serve`) on the same database. */
async function startSecondHub(databaseUrl: string): Promise<{ url: string; wsUrl: string; child: ChildProcess }> {
  const { child, url } = await serveProcess({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    ...(await testAuthEnv()),
  });
  const base = url.replace(/\/graphql$/, '');
  return { url: base, wsUrl: url.replace(/^http/, 'ws'), child };
}

describe('resumption: a subscriber that was away gets every change, in per-profile order', () => {
  let hub: TestHub;
  let second: { url: string; wsUrl: string; child: ChildProcess };
  let writer: DataSource;

  beforeAll(async () => {
    hub = await startTestHub();
    second = await startSecondHub(hub.db.url);
    writer = createDataSource({ url: hub.db.url, poolSize: 4 });
    await writer.initialize();
  }, 60_000);
  afterAll(async () => {
    await writer?.destroy();
    if (second) {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
    await hub?.stop();
  });

  it('disconnects, 100 changes commit (a second process, concurrent transactions), resumes with its cursor', async () => {
    const start = await currentFeedCursor(hub.db.dataSource.manager);
    const first = subscribeFeed(hub.wsUrl, CHANGES_LIVE, { after: start }, 'changes');
    const created = await graphql(hub.url, INGEST, {
      records: Array.from({ length: 10 }, (_, i) => ({
        externalId: `res-${i}`,
        updatedAt: '2026-11-01T00:00:00Z',
        attributes: { email: `person${i}@resume.example`, firstName: 'Start' },
      })),
    });
    const profiles = (created.data!.ingest.results as { profileId: string }[]).map((r) => r.profileId);
    expect(new Set(profiles).size).toBe(10);
    await first.waitFor(10);
    const lastCursor = first.received[9].cursor;
    await first.close();

    // While it is away: 30 updates through the second process, 40 through this one, both at once and each
    // profile's updates in sequence; and 30 events written directly in pairs of transactions that commit in the
    // opposite order to the one they started in.
    const update = async (url: string, i: number, n: number) => {
      for (let k = 1; k <= n; k++) {
        const body = JSON.stringify([
          {
            externalId: `res-${i}`,
            updatedAt: `2026-11-02T00:00:${String(k).padStart(2, '0')}Z`,
            attributes: { firstName: `V${k}` },
          },
        ]);
        const res = await fetch(`${url}/ingest/salesforce`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await authHeader()) },
          body,
        });
        expect(res.status).toBe(200);
      }
    };
    const base = hub.url.replace(/\/graphql$/, '');
    const slowProfile = randomUUID();
    const fastProfile = randomUUID();
    const interleaved = async () => {
      for (let k = 1; k <= 15; k++) {
        const slow = writer.createQueryRunner();
        await slow.connect();
        try {
          await slow.startTransaction();
          await slow.query(`INSERT INTO change_event (type, profile_id, payload) VALUES ('profile.updated', $1, $2)`, [
            slowProfile,
            { version: k, changedFields: ['firstName'] },
          ]);
          await writer.query(
            `INSERT INTO change_event (type, profile_id, payload) VALUES ('profile.updated', $1, $2)`,
            [fastProfile, { version: k, changedFields: ['firstName'] }],
          );
          await slow.commitTransaction();
        } finally {
          await slow.release();
        }
      }
    };
    await Promise.all([
      ...[0, 1, 2, 3, 4].map((i) => update(second.url, i, 6)),
      ...[5, 6, 7, 8, 9].map((i) => update(base, i, 8)),
      interleaved(),
    ]);

    // Resumed on this process and, with the same cursor, on the other one: both get the 100, nothing else.
    for (const wsUrl of [hub.wsUrl, second.wsUrl]) {
      const resumed = subscribeFeed(wsUrl, CHANGES_LIVE, { after: lastCursor }, 'changes');
      try {
        const got = await resumed.waitFor(100, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(got).toHaveLength(100);
        expect(new Set(got.map((e) => e.id)).size).toBe(100);
        expect(got.every((e) => e.type === 'profile.updated')).toBe(true);

        const versions = new Map<string, number[]>();
        for (const e of got) versions.set(e.profileId, [...(versions.get(e.profileId) ?? []), e.payload.version]);
        for (const [i, profileId] of profiles.entries()) {
          const n = i < 5 ? 6 : 8;
          expect(versions.get(profileId)).toEqual(Array.from({ length: n }, (_, k) => k + 2));
        }
        const byRaw = new Map([...versions].map(([gid, v]) => [fromGlobalId('Profile', gid), v]));
        expect(byRaw.get(slowProfile)).toEqual(Array.from({ length: 15 }, (_, k) => k + 1));
        expect(byRaw.get(fastProfile)).toEqual(Array.from({ length: 15 }, (_, k) => k + 1));
      } finally {
        await resumed.close();
      }
    }
  }, 120_000);
});
