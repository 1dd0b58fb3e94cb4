import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { SegmentScheduler } from '../../src/segments/segment-scheduler';
import { defineSegment } from '../../src/segments/segments';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('time windows: membership and scores move as time passes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('lets a profile leave an engagement window and its score decay, without any new data', async () => {
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const day = 86_400_000;
    // A click that leaves the 7-day window 2 seconds from now; a form long ago (its points mostly decayed).
    const [outcome] = await ingestBatch(ctx, {
      source: 'hubspot',
      transport: 'file',
      records: [
        {
          externalId: 'tw1',
          attributes: { email: 'tw@example.com' },
          events: [
            { id: 'c1', type: 'email_clicked', occurredAt: new Date(Date.now() - 7 * day + 2000).toISOString() },
            { id: 'f1', type: 'form_submitted', occurredAt: new Date(Date.now() - 60 * day).toISOString() },
          ],
        },
      ],
    });
    const profileId = (outcome as { profileId: string }).profileId;
    const defined = await defineSegment(ctx, {
      key: 'clicked-this-week',
      name: 'Clicked this week',
      rule: { events: { type: 'email_clicked', atLeast: 1, days: 7 } },
    });
    expect(defined).toMatchObject({ ok: true, entered: 1 });
    const score = async () =>
      Number(
        (await db.dataSource.query(`SELECT lead_score FROM golden_profile WHERE id = $1`, [profileId]))[0].lead_score,
      );
    // 5 points × 0.5^(7/30) + 20 × 0.5^(60/30) ≈ 4.25 + 5.
    expect(await score()).toBeCloseTo(5 * 0.5 ** (7 / 30) + 20 * 0.25, 1);

    await new Promise((resolve) => setTimeout(resolve, 2500));
    const scheduler = new SegmentScheduler(db.dataSource, ctx.notifier, ctx.logger, {});
    expect(await scheduler.runOnce()).toBe(true);
    const members = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM segment_membership m JOIN segment s ON s.id = m.segment_id WHERE s.key = 'clicked-this-week'`,
    );
    expect(members[0].n).toBe(0);
    const events = await db.dataSource.query(
      `SELECT type FROM change_event WHERE segment_key = 'clicked-this-week' AND profile_id = $1 ORDER BY position`,
      [profileId],
    );
    expect(events.map((e: { type: string }) => e.type)).toEqual(['segment.entered', 'segment.exited']);
    await scheduler.stop();
  });
});
