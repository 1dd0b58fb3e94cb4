import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { testTempDir } from '../support/test-temp';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

const SCORE = `query($id: ID!) { profile(id: $id) { leadScore lifecycleStage } }`;

/**
 * The lead score and stage of profiles a batch creates, with and without engagement, under the default scoring
 * and under scoring that gives points and a stage without any engagement: a new profile without events is scored
 * only where the settings can give it anything.
 */
describe('lead scores of the profiles a batch creates', () => {
  const scoresOf = async (hub: TestHub, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source: 'hubspot', records });
    expect(res.errors).toBeUndefined();
    const results = res.data!.ingest.results as { status: string; profileId: string }[];
    expect(results.map((r) => r.status)).toEqual(records.map(() => 'CREATED'));
    return Promise.all(
      results.map(async (r) => {
        const profile = await graphql(hub.url, SCORE, { id: r.profileId });
        expect(profile.errors).toBeUndefined();
        return profile.data!.profile as { leadScore: number; lifecycleStage: string | null };
      }),
    );
  };
  const now = () => new Date().toISOString();

  it('scores the engagement that came with a new profile by the default scoring, and leaves the others at 0', async () => {
    const hub = await startTestHub();
    try {
      const scores = await scoresOf(hub, [
        {
          externalId: 'n1',
          attributes: { email: 'klik@example.com', firstName: 'Nina', lastName: 'Klik' },
          events: [{ id: 'n1-c', type: 'email_clicked', occurredAt: now() }],
        },
        { externalId: 'n2', attributes: { email: 'cisza@example.com', firstName: 'Olek', lastName: 'Cisza' } },
        {
          externalId: 'n3',
          attributes: { email: 'forma@example.com', firstName: 'Ewa', lastName: 'Forma' },
          events: [
            { id: 'n3-f', type: 'form_submitted', occurredAt: now() },
            { id: 'n3-w', type: 'webinar_attended', occurredAt: now() },
            { id: 'n3-m', type: 'meeting_booked', occurredAt: now() },
          ],
        },
      ]);
      expect(scores).toEqual([
        { leadScore: 5, lifecycleStage: null },
        { leadScore: 0, lifecycleStage: null },
        // 20 + 25 + 40 points: past the MQL stage's 50.
        { leadScore: 85, lifecycleStage: 'MQL' },
      ]);
    } finally {
      await hub.stop();
    }
  });

  it('gives new profiles without engagement the points of attribute conditions and a stage that needs no points', async () => {
    const dir = testTempDir('hub-scoring-');
    const file = path.join(dir, 'rules.json');
    writeFileSync(
      file,
      JSON.stringify({
        scoring: {
          attributes: [{ when: { field: 'address.country', op: 'eq', value: 'PL' }, points: 10 }],
          stages: [
            { stage: 'Known', minScore: 0 },
            { stage: 'MQL', minScore: 50 },
          ],
        },
      }),
    );
    const hub = await startTestHub({ HUB_CONFIG: file });
    try {
      const scores = await scoresOf(hub, [
        {
          externalId: 'p1',
          attributes: { email: 'polka@example.com', firstName: 'Ala', lastName: 'Polna', address: { country: 'PL' } },
        },
        {
          externalId: 'p2',
          attributes: { email: 'dane@example.com', firstName: 'Bo', lastName: 'Dahl', address: { country: 'DK' } },
        },
      ]);
      expect(scores).toEqual([
        { leadScore: 10, lifecycleStage: 'Known' },
        { leadScore: 0, lifecycleStage: 'Known' },
      ]);
    } finally {
      await hub.stop();
    }
  });
});
