import { systemContext, type ServiceContext } from '../../src/common/context';
import { createDataSource } from '../../src/db/data-source';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { authHeader, testAuthEnv } from '../support/test-auth';
import { serveProcess } from '../support/serve-process';

const FIRST = ['Anna', 'Piotr', 'Maria', 'Jan', 'Ewa', 'Tomasz', 'Katarzyna', 'Michał', 'Agnieszka', 'Paweł'];
const LAST = ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński'];

/** Each run's people are born on other days than the other runs' (a namesake born the same day is one person). */
const DAY_OFFSET: Record<string, number> = { bulk: 0, w16: 10, p2: 20 };

/** Four records per person — one CRM contact, three MA records — that must end in one profile. */
function recordsOf(people: number, tag: string) {
  const records: { source: string; record: Record<string, unknown>; person: number }[] = [];
  for (let p = 0; p < people; p++) {
    const attributes = {
      email: `person${p}.${tag}@example.com`,
      firstName: FIRST[p % FIRST.length],
      // Distinct people within and across runs (another run's person with the same name and birth date would
      // rightly be taken for the same person).
      lastName: `${LAST[p % LAST.length]}-${tag}-${p}`,
      birthDate: `19${50 + (p % 50)}-0${1 + (p % 9)}-${String(DAY_OFFSET[tag] + 1 + (p % 9)).padStart(2, '0')}`,
    };
    records.push({
      source: 'salesforce',
      person: p,
      record: { externalId: `${tag}-p${p}-crm`, updatedAt: '2026-11-01T10:00:00Z', attributes },
    });
    for (let r = 0; r < 3; r++) {
      records.push({
        source: 'hubspot',
        person: p,
        record: {
          externalId: `${tag}-p${p}-ma${r}`,
          updatedAt: `2026-11-0${2 + r}T10:00:00Z`,
          attributes: { ...attributes, jobTitle: `Role ${r}` },
        },
      });
    }
  }
  // Deterministic shuffle, so failures reproduce.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return records
    .map((r) => ({ r, k: random() }))
    .sort((a, b) => a.k - b.k)
    .map(({ r }) => r);
}

async function assertOneProfilePerPerson(db: TestDatabase, tag: string, people: number): Promise<void> {
  const rows: { person: string; profiles: number }[] = await db.dataSource.query(
    `SELECT split_part(s.external_id, '-', 2) AS person, count(DISTINCT g.id)::int AS profiles
       FROM source_record s JOIN golden_profile g ON g.id = s.profile_id AND g.status = 'active'
      WHERE s.external_id LIKE $1 GROUP BY 1`,
    [`${tag}-%`],
  );
  expect(rows).toHaveLength(people);
  expect(rows.filter((r) => r.profiles !== 1)).toEqual([]);
  const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM source_record WHERE external_id LIKE $1`, [
    `${tag}-%`,
  ]);
  expect(n).toBe(people * 4);
}

describe('one person, one profile under concurrent writers (invariant 3)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  /** Runs `work` with a context on a connection pool of its own, closed afterwards. */
  const withPool = async (poolSize: number, work: (ctx: ServiceContext) => Promise<void>) => {
    const dataSource = createDataSource({ url: db.url, poolSize });
    await dataSource.initialize();
    try {
      await work(systemContext(dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test'));
    } finally {
      await dataSource.destroy();
    }
  };

  it('holds with 16 concurrent writers on separate connections, without deadlocking', async () => {
    await withPool(20, async (ctx) => {
      const queue = recordsOf(150, 'w16');
      const writer = async () => {
        for (let batch = queue.splice(0, 3); batch.length > 0; batch = queue.splice(0, 3)) {
          for (const source of ['salesforce', 'hubspot']) {
            const records = batch.filter((b) => b.source === source).map((b) => b.record);
            if (records.length > 0) await ingestBatch(ctx, { source, records, transport: 'file' });
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, writer));
    });
    await assertOneProfilePerPerson(db, 'w16', 150);
  }, 120000);

  it('holds when a batch too big to lock name by name runs beside small writers', async () => {
    await withPool(10, async (ctx) => {
      const records = recordsOf(400, 'bulk');
      // Every CRM contact in one batch (more identifiers and blocking keys than MAX_INGEST_LOCK_NAMES: it takes
      // the ingest lock exclusively), while eight writers send the MA records of the same people three at a time.
      const bulk = records.filter((r) => r.source === 'salesforce').map((r) => r.record);
      const queue = records.filter((r) => r.source === 'hubspot');
      const writer = async () => {
        for (let batch = queue.splice(0, 3); batch.length > 0; batch = queue.splice(0, 3)) {
          await ingestBatch(ctx, { source: 'hubspot', records: batch.map((b) => b.record), transport: 'file' });
        }
      };
      const [outcomes] = await Promise.all([
        ingestBatch(ctx, { source: 'salesforce', records: bulk, transport: 'file' }),
        ...Array.from({ length: 8 }, writer),
      ]);
      expect(outcomes.filter((o) => o.status === 'REJECTED')).toEqual([]);
    });
    await assertOneProfilePerPerson(db, 'bulk', 400);
  }, 120000);

  it('takes a batch with more identifiers and keys than PostgreSQL’s lock table holds', async () => {
    // 2,500 people with email, phone, birth date and address: ~10 identifiers and blocking keys each, more than
    // the test server's lock table (64 per connection × 200) — locked name by name, this ran out of shared memory.
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const records = Array.from({ length: 2500 }, (_, p) => ({
      externalId: `big-${p}`,
      updatedAt: '2026-11-01T10:00:00Z',
      attributes: {
        email: `big.${p}@example.com`,
        phone: `+48 6${String(10_000_000 + p).slice(-8)}`,
        firstName: FIRST[p % FIRST.length],
        lastName: `${LAST[p % LAST.length]}-big-${p}`,
        birthDate: `19${50 + (p % 50)}-0${1 + (p % 9)}-1${p % 9}`,
        address: { line1: `ul. Długa ${p}`, city: 'Kraków', postalCode: `30-${String(p % 1000).padStart(3, '0')}` },
      },
    }));
    const outcomes = await ingestBatch(ctx, { source: 'salesforce', records, transport: 'file' });
    expect(outcomes.map((o) => o.status)).toEqual(records.map(() => 'CREATED'));
    const [{ n }] = await db.dataSource.query(
      `SELECT count(DISTINCT profile_id)::int AS n FROM source_record WHERE external_id LIKE 'big-%'`,
    );
    expect(n).toBe(2500);
  }, 120000);

  it('holds with two hub processes on one database', async () => {
    const second = await serveProcess({
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...(await testAuthEnv()),
    });
    const { child } = second;
    const url = second.url.replace(/\/graphql$/, '');
    const dataSource = createDataSource({ url: db.url, poolSize: 8 });
    await dataSource.initialize();
    try {
      const ctx = systemContext(dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
      const queue = recordsOf(120, 'p2');
      let turn = 0;
      const writer = async () => {
        for (let batch = queue.splice(0, 2); batch.length > 0; batch = queue.splice(0, 2)) {
          for (const source of ['salesforce', 'hubspot']) {
            const records = batch.filter((b) => b.source === source).map((b) => b.record);
            if (records.length === 0) continue;
            if (turn++ % 2 === 0) {
              const res = await fetch(`${url}/ingest/${source}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...(await authHeader()) },
                body: JSON.stringify(records),
              });
              expect(res.status).toBe(200);
            } else {
              await ingestBatch(ctx, { source, records, transport: 'file' });
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
    } finally {
      await dataSource.destroy();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
    await assertOneProfilePerPerson(db, 'p2', 120);
  }, 120000);
});
