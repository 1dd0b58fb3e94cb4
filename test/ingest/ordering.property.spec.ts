import fc from 'fast-check';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { systemContext, type ServiceContext } from '../../src/common/context';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Invariant 2 and 4 at the database: whatever order records arrive in, however often, in whatever batches,
 * the stored source records and golden profiles equal those of delivering the same changes once, in order.
 */
describe('ingest ordering (property, real PostgreSQL)', () => {
  let db: TestDatabase;
  let ctx: ServiceContext;
  let run = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
  });
  afterAll(async () => db.destroy());

  const change = fc.record({
    person: fc.constantFrom('p1', 'p2', 'p3'),
    minute: fc.integer({ min: 0, max: 9 }),
    sequence: fc.option(fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), { nil: undefined }),
    attributes: fc.record(
      {
        firstName: fc.option(fc.constantFrom('Ann', 'Anna', 'Hanna'), { nil: null }),
        lastName: fc.option(fc.constantFrom('Nowak', 'Kowalska'), { nil: null }),
        company: fc.option(fc.constantFrom('Acme', 'Globex'), { nil: null }),
        custom: fc.record({ tier: fc.constantFrom('gold', 'silver') }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    deleted: fc.option(fc.boolean(), { nil: undefined }),
  });

  async function state(source: string) {
    const records = await db.dataSource.query(
      `SELECT external_id, attributes, field_updated_at, source_updated_at, deleted, delete_reason
         FROM source_record WHERE source = $1 ORDER BY external_id`,
      [source],
    );
    const golden = await db.dataSource.query(
      `SELECT s.external_id, g.first_name, g.last_name, g.company, g.custom, g.email
         FROM golden_profile g JOIN source_record s ON s.profile_id = g.id
        WHERE s.source = $1 ORDER BY s.external_id`,
      [source],
    );
    return { records, golden };
  }

  it('converges on the in-order state for any arrival order, duplicates and batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(change, { minLength: 1, maxLength: 14 }),
        fc.infiniteStream(fc.nat()),
        fc.integer({ min: 1, max: 5 }),
        async (changes, random, batchSize) => {
          run++;
          const records = (source: string) =>
            changes.map((c, i) => ({
              source,
              externalId: c.person,
              eventId: `e${i}`,
              updatedAt: `2026-11-01T10:0${c.minute}:00Z`,
              ...(c.sequence !== undefined ? { sequence: c.sequence } : {}),
              ...(c.deleted !== undefined ? { deleted: c.deleted } : {}),
              // Each person has their own email so that identity resolution plays no part here.
              attributes: { ...c.attributes, email: `${c.person}@${source}.example` },
            }));

          const ordered = `ord${run}`;
          const inOrder = records(ordered)
            .map((r, i) => ({ r, i }))
            .sort((a, b) => a.r.updatedAt.localeCompare(b.r.updatedAt) || a.i - b.i)
            .map(({ r }) => r);
          for (const record of inOrder)
            await ingestBatch(ctx, { source: ordered, records: [record], transport: 'file' });

          const shuffled = `shf${run}`;
          const deliveries = records(shuffled);
          const replays = deliveries.filter(() => random.next().value % 3 === 0);
          const arrival = [...deliveries, ...replays]
            .map((r) => ({ r, k: random.next().value }))
            .sort((a, b) => a.k - b.k)
            .map(({ r }) => r);
          for (let i = 0; i < arrival.length; i += batchSize) {
            await ingestBatch(ctx, { source: shuffled, records: arrival.slice(i, i + batchSize), transport: 'file' });
          }

          const expected = await state(ordered);
          const actual = await state(shuffled);
          const scrub = (s: typeof expected) =>
            JSON.parse(
              JSON.stringify(s).replaceAll(`@${ordered}.example`, '@x').replaceAll(`@${shuffled}.example`, '@x'),
            );
          expect(scrub(actual)).toEqual(scrub(expected));
        },
      ),
      { numRuns: 100 },
    );
  }, 120000);
});
