import fc from 'fast-check';
import { systemContext, type ServiceContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Determinism of survivorship through the real pipeline: the same changes from a CRM and an MA platform, arriving
 * interleaved in any order and batching, give the same golden profiles — values, lineage and open conflicts — as
 * arriving one by one in time order.
 */
describe('survivorship is independent of arrival order (property, real PostgreSQL)', () => {
  let db: TestDatabase;
  let ctx: ServiceContext;
  let run = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
  });
  afterAll(async () => db.destroy());

  const change = fc.record({
    source: fc.constantFrom('salesforce', 'hubspot'),
    person: fc.constantFrom('p1', 'p2'),
    minute: fc.integer({ min: 0, max: 30 }),
    attributes: fc.record(
      {
        company: fc.option(fc.constantFrom('Acme', 'Globex', 'acme'), { nil: null }),
        jobTitle: fc.option(fc.constantFrom('CTO', 'Engineer'), { nil: null }),
        phone: fc.option(fc.constantFrom('1', '2'), { nil: null }),
        address: fc.record(
          { city: fc.constantFrom('Kraków', 'Gdańsk'), line1: fc.constantFrom('Długa 1', 'Polna 2') },
          {
            requiredKeys: [],
          },
        ),
        custom: fc.record({ hubspot: fc.record({ tier: fc.constantFrom('gold', 'silver') }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  });

  /**
   * A valid Polish mobile number, distinct for each run, person, order and choice (so that no two profiles share
   * one); the choice is its last digit, which is what the comparison reads.
   */
  const phoneOf = (person: string, runNo: number, tag: string, choice: string) =>
    `+4860${String(runNo % 10000).padStart(4, '0')}${person === 'p1' ? 1 : 2}${tag.startsWith('a') ? 1 : 2}${choice}`;

  /** Golden values, lineage (source and rule per field) and open conflicts of each person's profile. */
  async function golden(tag: string) {
    const rows: Record<string, unknown>[] = await db.dataSource.query(
      `SELECT DISTINCT ON (g.id) split_part(s.external_id, '-', 1) AS person, g.company, g.job_title, right(g.phone, 1) AS phone,
              g.address_city, g.address_line1, g.custom,
              (SELECT jsonb_object_agg(l.field, jsonb_build_object('source', r.source, 'rule', l.rule))
                 FROM hub_lineage_fields(g.lineage) AS l LEFT JOIN source_record r ON r.id = l.source_record_id
                WHERE l.field <> 'email') AS lineage,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('field', c.field, 'reason', c.reason) ORDER BY c.field), '[]')
                 FROM conflict c WHERE c.profile_id = g.id AND c.status = 'open') AS conflicts
         FROM golden_profile g JOIN source_record s ON s.profile_id = g.id
        WHERE s.external_id LIKE '%-' || $1 AND g.status = 'active'
        ORDER BY g.id`,
      [tag],
    );
    return rows.sort((a, b) => String(a.person).localeCompare(String(b.person)));
  }

  it("gives the same golden profiles for any interleaving and batching of the two systems' changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(change, { minLength: 1, maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        fc.integer({ min: 1, max: 4 }),
        async (changes, random, batchSize) => {
          run++;
          const records = (tag: string) =>
            changes.map((c, i) => ({
              source: c.source,
              externalId: `${c.person}-${tag}`,
              eventId: `${tag}-e${i}`,
              updatedAt: new Date(Date.parse('2026-11-01T10:00:00Z') + c.minute * 60_000).toISOString(),
              // One email per person and run: the two systems' records of a person join on it, and no other run's.
              attributes: {
                ...c.attributes,
                email: `${c.person}.${tag}@example.com`,
                // Phones are identifiers too: one number per person, run and choice, never shared across runs.
                ...(c.attributes.phone !== undefined
                  ? { phone: c.attributes.phone && phoneOf(c.person, run, tag, c.attributes.phone) }
                  : {}),
              },
            }));
          const ingest = async (list: ReturnType<typeof records>) => {
            for (const source of ['salesforce', 'hubspot']) {
              const ofSource = list.filter((r) => r.source === source);
              if (ofSource.length > 0) await ingestBatch(ctx, { source, records: ofSource, transport: 'file' });
            }
          };

          const inOrderTag = `a${run}`;
          const inOrder = records(inOrderTag)
            .map((r, i) => ({ r, i }))
            .sort((x, y) => x.r.updatedAt.localeCompare(y.r.updatedAt) || x.i - y.i)
            .map(({ r }) => r);
          for (const record of inOrder) await ingest([record]);

          const shuffledTag = `b${run}`;
          const shuffled = records(shuffledTag);
          const it = random[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = it.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          for (let i = 0; i < shuffled.length; i += batchSize) await ingest(shuffled.slice(i, i + batchSize));

          expect(await golden(shuffledTag)).toEqual(await golden(inOrderTag));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
