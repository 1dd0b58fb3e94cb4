import { systemContext, type ServiceContext } from '../../src/common/context';
import { toGlobalId } from '../../src/common/global-id';
import { loadDemo, type DemoSummary } from '../../src/demo/load-demo';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

/** Big enough for every kind of case the demo shows, small enough for a quick test. */
const SIZE = 1200;

function demoContext(db: TestDatabase): ServiceContext {
  return systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
}

async function count(db: TestDatabase, sql: string): Promise<number> {
  const [{ n }] = await db.dataSource.query(`SELECT (${sql})::int AS n`);
  return n;
}

describe('the first-run demo loaded into a fresh database', () => {
  let hub: TestHub;
  let summary: DemoSummary;

  beforeAll(async () => {
    hub = await startTestHub();
    summary = await loadDemo(demoContext(hub.db), { size: SIZE });
  }, 120_000);
  afterAll(async () => hub.stop());

  it('sends a CRM and an MA platform through the pipeline and builds fewer golden profiles than records', async () => {
    expect(summary).toMatchObject({ seed: 1, size: SIZE, loadedBefore: false, nothingNew: false });
    expect(summary.sent.salesforceContacts + summary.sent.marketoLeads).toBe(SIZE);
    expect(summary.ingest.salesforce.rejected + summary.ingest.marketo.rejected).toBe(0);
    expect(summary.ingest.salesforce.created).toBe(summary.sent.salesforceContacts);
    expect(summary.ingest.marketo.created).toBe(summary.sent.marketoLeads);

    const records = await hub.db.dataSource.query(
      `SELECT source, count(*)::int AS n FROM source_record GROUP BY source ORDER BY source`,
    );
    expect(records).toEqual([
      { source: 'marketo', n: summary.sent.marketoLeads },
      { source: 'salesforce', n: summary.sent.salesforceContacts },
    ]);
    expect(summary.hub.sourceRecords).toEqual({
      marketo: summary.sent.marketoLeads,
      salesforce: summary.sent.salesforceContacts,
    });
    const profiles = await count(hub.db, `SELECT count(*) FROM golden_profile WHERE status = 'active'`);
    expect(summary.hub.profiles).toBe(profiles);
    // Duplicates were found: far fewer people than records, and some profiles merged as evidence arrived.
    expect(profiles).toBeLessThan(SIZE * 0.8);
    expect(summary.hub.automaticMerges).toBeGreaterThanOrEqual(3);
    expect(summary.hub.automaticMerges).toBe(
      await count(hub.db, `SELECT count(*) FROM merge_event WHERE kind = 'merge' AND trigger <> 'steward'`),
    );
  });

  it('queues merge candidates with their evidence for the stewards', async () => {
    const { data } = await graphql(
      hub.url,
      `
        {
          mergeCandidates(first: 100) {
            totalCount
            edges {
              node {
                reason
                band
                score
                evidence
                profileAId
                profileBId
              }
            }
          }
        }
      `,
    );
    const { totalCount, edges } = data!.mergeCandidates;
    expect(totalCount).toBe(summary.hub.mergeCandidates.open);
    expect(totalCount).toBeGreaterThanOrEqual(3);
    const reasons = new Set(edges.map((e: any) => e.node.reason));
    // Both kinds: two CRM contacts that look alike (a guardrail), and scores in the review band.
    expect(reasons).toEqual(new Set(['max_records_per_source:salesforce', 'review_band']));
    for (const { node } of edges) {
      expect(node.profileAId).not.toBe(node.profileBId);
      expect(node.evidence.comparisons.length).toBeGreaterThan(0);
      expect(node.evidence.comparisons[0]).toEqual(
        expect.objectContaining({ field: expect.any(String), level: expect.any(String), weight: expect.any(Number) }),
      );
    }
    const review = edges.find((e: any) => e.node.reason === 'review_band').node;
    expect(review.score).toBeGreaterThanOrEqual(review.evidence.thresholds.review);
    expect(review.score).toBeLessThan(review.evidence.thresholds.autoMerge);
  });

  it('opens conflicts where both systems changed a phone or an email minutes apart', async () => {
    const { data } = await graphql(
      hub.url,
      `
        {
          conflicts(first: 100) {
            totalCount
            edges {
              node {
                field
                reason
                candidates {
                  value
                  source
                  updatedAt
                }
              }
            }
          }
        }
      `,
    );
    const { totalCount, edges } = data!.conflicts;
    expect(totalCount).toBe(summary.hub.conflicts.open);
    expect(totalCount).toBeGreaterThanOrEqual(2);
    const concurrent = edges.map((e: any) => e.node).filter((c: any) => c.reason === 'concurrent_edit');
    expect(new Set(concurrent.map((c: any) => c.field))).toEqual(new Set(['email', 'phone']));
    for (const conflict of concurrent) {
      const crm = conflict.candidates.find((c: any) => c.source === 'salesforce');
      const ma = conflict.candidates.find((c: any) => c.source === 'marketo');
      expect(crm.value).not.toEqual(ma.value);
      expect(Math.abs(Date.parse(crm.updatedAt) - Date.parse(ma.updatedAt))).toBeLessThanOrEqual(10 * 60_000);
    }
    expect(summary.hub.conflicts.byField).toEqual(
      Object.fromEntries(
        [...new Set(edges.map((e: any) => e.node.field))].map((field) => [
          field,
          edges.filter((e: any) => e.node.field === field).length,
        ]),
      ),
    );
  });

  it('records consents from the CRM and opt-outs from the MA platform', async () => {
    const rows: { status: string; n: number }[] = await hub.db.dataSource.query(
      `SELECT status, count(*)::int AS n FROM consent_current GROUP BY status`,
    );
    expect(summary.hub.consents).toEqual(Object.fromEntries(rows.map((r) => [r.status, r.n])));
    expect(summary.hub.consents).toEqual({
      granted: expect.any(Number),
      denied: expect.any(Number),
      withdrawn: expect.any(Number),
    });
    expect(Object.values(summary.hub.consents).every((n) => n > 0)).toBe(true);

    // An opted-out person: the current email consent is withdrawn, by the MA platform, after an unsubscribe.
    const [member] = await hub.db.dataSource.query(
      `SELECT m.profile_id FROM segment_membership m JOIN segment s ON s.id = m.segment_id
        WHERE s.key = 'opted-out-email' ORDER BY m.profile_id LIMIT 1`,
    );
    const { data } = await graphql(
      hub.url,
      `
        query ($id: ID!) {
          profile(id: $id) {
            consents(purpose: "email_marketing") {
              channel
              status
              source
            }
            timeline(first: 100, types: ["unsubscribed"]) {
              edges {
                node {
                  type
                  source
                }
              }
            }
          }
        }
      `,
      { id: toGlobalId('Profile', member.profile_id) },
    );
    expect(data!.profile.consents).toContainEqual({ channel: 'email', status: 'WITHDRAWN', source: 'marketo' });
    expect(data!.profile.timeline.edges[0].node).toEqual({ type: 'unsubscribed', source: 'marketo' });
  });

  it('puts engagement on the timelines and scores it', async () => {
    const rows: { type: string; n: number }[] = await hub.db.dataSource.query(
      `SELECT type, count(*)::int AS n FROM engagement_event GROUP BY type`,
    );
    expect(summary.hub.timelineEvents.byType).toEqual(Object.fromEntries(rows.map((r) => [r.type, r.n])));
    for (const type of ['email_opened', 'email_clicked', 'web_visit', 'form_submitted', 'unsubscribed']) {
      expect(summary.hub.timelineEvents.byType[type]).toBeGreaterThan(0);
    }
    // Every activity the MA platform sent is one event on a timeline.
    const edits = summary.sent.conflictingEdits.phone + summary.sent.conflictingEdits.email;
    expect(summary.hub.timelineEvents.total).toBe(summary.sent.activities + edits);

    const { data } = await graphql(
      hub.url,
      `
        {
          segment(key: "mqls") {
            members(first: 1) {
              edges {
                node {
                  lifecycleStage
                  leadScore
                  timeline(first: 100, types: ["form_submitted"]) {
                    edges {
                      node {
                        type
                      }
                    }
                  }
                }
              }
            }
          }
        }
      `,
    );
    const mql = data!.segment.members.edges[0].node;
    expect(mql.lifecycleStage).toBe('MQL');
    expect(mql.timeline.edges.length).toBeGreaterThan(0);
  });

  it('defines segments that have members', async () => {
    const { data } = await graphql(
      hub.url,
      `
        {
          segments {
            key
            name
            size
          }
        }
      `,
    );
    expect(data!.segments).toEqual(summary.segments.map(({ key, name, size }) => ({ key, name, size })));
    expect(summary.segments.map((s) => s.key)).toEqual([
      'email-subscribers',
      'engaged-subscribers-de',
      'mqls',
      'opted-out-email',
    ]);
    for (const segment of summary.segments) {
      expect(segment.outcome).toBe('defined');
      expect(segment.size).toBeGreaterThan(0);
    }
    expect(summary.segments.find((s) => s.key === 'opted-out-email')!.size).toBe(summary.hub.consents.withdrawn);
  });

  it('changes nothing when loaded again, and says so', async () => {
    const state = () =>
      Promise.all([
        count(hub.db, `SELECT count(*) FROM golden_profile`),
        count(hub.db, `SELECT count(*) FROM source_record`),
        count(hub.db, `SELECT count(*) FROM engagement_event`),
        count(hub.db, `SELECT count(*) FROM consent_statement`),
        count(hub.db, `SELECT count(*) FROM change_event`),
        count(hub.db, `SELECT count(*) FROM segment_version`),
      ]);
    const before = await state();
    const again = await loadDemo(demoContext(hub.db), { size: SIZE });
    expect(await state()).toEqual(before);
    expect(again).toMatchObject({ loadedBefore: true, nothingNew: true, asOf: summary.asOf });
    for (const source of ['salesforce', 'marketo'] as const) {
      const outcome = again.ingest[source];
      expect(outcome).toMatchObject({ created: 0, updated: 0, rejected: 0 });
      expect(outcome.duplicate).toBe(outcome.records);
      expect(outcome.records).toBe(summary.ingest[source].records);
    }
    expect(again.hub).toEqual(summary.hub);
    expect(again.segments.map((s) => [s.key, s.size, s.outcome])).toEqual(
      summary.segments.map((s) => [s.key, s.size, 'unchanged']),
    );
  }, 60_000);
});

describe('the demo data set', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => Promise.all(dbs.map((db) => db.destroy())));

  it('gives the same numbers every time the same seed and size are loaded', async () => {
    const load = async () => {
      const db = await createTestDatabase();
      dbs.push(db);
      const { hub, segments, sent, ingest } = await loadDemo(demoContext(db), { size: 400, seed: 7 });
      return { hub, segments, sent, ingest };
    };
    const first = await load();
    const second = await load();
    expect(second).toEqual(first);
    expect(first.hub.profiles).toBeGreaterThan(0);
  }, 120_000);
});
