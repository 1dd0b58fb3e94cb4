import { readChangeEvents } from '../../src/feed/read-change-events';
import { applyRetention } from '../../src/privacy/retention';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code } } } }`;
const EXPORT = `mutation($id: ID!) { exportProfile(id: $id) {
  __typename ... on ProfileExport { profileId generatedAt document } ... on ActionRefused { code message } } }`;

describe('exportProfile (right of access)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub.stop());

  it('returns everything held on the person, following merges from any of their ids', async () => {
    const ingest = (source: string, records: unknown[]) => graphql(hub.url, INGEST, { source, records });
    const a = await ingest('hubspot', [
      {
        externalId: 'h-1',
        updatedAt: '2026-11-01T09:00:00Z',
        attributes: { email: 'olga.export@example.net', phone: '+48600700800', firstName: 'Olga', lastName: 'Eksport' },
        identifiers: [{ type: 'customerNumber', value: 'C-42' }],
        events: [{ id: 'ev-1', type: 'email_opened', occurredAt: '2026-11-01T09:05:00Z' }],
      },
    ]);
    const b = await ingest('marketo', [
      {
        externalId: 'm-1',
        updatedAt: '2026-11-01T09:10:00Z',
        attributes: { email: 'olga.work@example.com', firstName: 'Olga', lastName: 'Eksport' },
      },
    ]);
    const first = a.data!.ingest.results[0].profileId;
    const second = b.data!.ingest.results[0].profileId;
    // The CRM contact holds both emails' owner: it bridges the two (merge) when they were apart.
    await ingest('salesforce', [
      {
        externalId: 's-1',
        updatedAt: '2026-11-01T10:00:00Z',
        attributes: { email: 'olga.work@example.com', phone: '+48600700800', firstName: 'Olga', lastName: 'Eksport' },
        consents: [
          { purpose: 'email_marketing', channel: 'email', status: 'granted', capturedAt: '2026-11-01T10:00:00Z' },
        ],
      },
    ]);
    await ingest('hubspot', [{ externalId: 'h-2', attributes: { email: 'olga.export@example.net', birthDate: 'x' } }]);

    const res = await graphql(hub.url, EXPORT, { id: second });
    expect(res.errors).toBeUndefined();
    const exported = res.data!.exportProfile;
    expect(exported.__typename).toBe('ProfileExport');
    const doc = exported.document;
    expect(doc.profile).toMatchObject({ status: 'active', firstName: 'Olga', lastName: 'Eksport' });
    expect(doc.profile.lineage.firstName).toMatchObject({ source: expect.any(String), rule: expect.any(String) });
    expect(doc.sourceRecords.map((r: { externalId: string }) => r.externalId).sort()).toEqual(['h-1', 'm-1', 's-1']);
    expect(doc.sourceRecords.every((r: { rawPayload: unknown }) => r.rawPayload !== null)).toBe(true);
    // Each source record's time per attribute, in full; the lineage's time is its record's time for the field.
    type Exported = { id: string; externalId: string; attributes: object; fieldUpdatedAt: Record<string, string> };
    const records: Exported[] = doc.sourceRecords;
    for (const record of records) {
      expect(Object.keys(record.fieldUpdatedAt).sort()).toEqual(Object.keys(record.attributes).sort());
    }
    expect(records.find((r) => r.externalId === 'h-1')!.fieldUpdatedAt.email).toBe('2026-11-01T09:00:00.000Z');
    const firstName = doc.profile.lineage.firstName;
    const winner = records.find((r) => r.id === firstName.sourceRecordId)!;
    expect(firstName.updatedAt).toBe(winner.fieldUpdatedAt.firstName);
    expect(doc.identifiers.map((i: { value: string }) => i.value)).toEqual(
      expect.arrayContaining(['olga.export@example.net', '+48600700800', 'C-42']),
    );
    expect(doc.consentHistory).toHaveLength(1);
    expect(doc.timeline).toEqual([expect.objectContaining({ externalEventId: 'ev-1', type: 'email_opened' })]);
    expect(doc.changeEvents.length).toBeGreaterThan(0);
    expect(doc.deadLetters).toEqual([expect.objectContaining({ errorCode: 'INVALID_DATE' })]);
    if (first !== second) {
      // The two MA leads became one person: the merge, the tombstone and the id both resolve to the survivor.
      expect(doc.mergeHistory.length + doc.mergeCandidates.length).toBeGreaterThan(0);
    }
    const again = await graphql(hub.url, EXPORT, { id: first });
    expect(again.data!.exportProfile.profileId).toBe(exported.profileId);
    // Each export is audited; the next one lists the earlier.
    expect(again.data!.exportProfile.document.auditEntries).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'profile.export' })]),
    );
  });

  it('refuses an unknown profile with a code', async () => {
    const res = await graphql(hub.url, EXPORT, { id: '00000000-0000-4000-8000-000000000001' });
    expect(res.data!.exportProfile).toMatchObject({ __typename: 'ActionRefused', code: 'NOT_FOUND' });
  });
});

describe('retention', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub.stop());

  it('removes engagement events and dead letters and scrubs change-event payloads past their period, keeping newer ones and every cursor', async () => {
    const ds = hub.db.dataSource;
    await graphql(hub.url, INGEST, {
      source: 'marketo',
      records: [
        {
          externalId: 'r-1',
          updatedAt: '2026-11-01T09:00:00Z',
          attributes: { email: 'retention@example.com', firstName: 'Rita' },
          events: [
            { id: 'old', type: 'email_opened', occurredAt: '2020-01-01T00:00:00Z' },
            { id: 'new', type: 'email_opened', occurredAt: new Date().toISOString() },
          ],
        },
      ],
    });
    await graphql(hub.url, INGEST, {
      source: 'marketo',
      records: [{ externalId: 'r-2', attributes: { email: 'bad@' } }],
    });
    await graphql(hub.url, INGEST, {
      source: 'marketo',
      records: [{ externalId: 'r-3', attributes: { email: 'bad2@' } }],
    });
    await graphql(hub.url, INGEST, {
      source: 'marketo',
      records: [{ externalId: 'r-4', attributes: { email: 'fresh@example.com', firstName: 'Fresh' } }],
    });
    // Age the first dead letter and the first profile's change events.
    await ds.query(`UPDATE dead_letter SET created_at = now() - interval '40 days' WHERE external_id IS NULL
                     AND raw_payload LIKE '%r-2%'`);
    await ds.query(`UPDATE change_event SET occurred_at = now() - interval '40 days'
                     WHERE profile_id = (SELECT profile_id FROM source_record WHERE external_id = 'r-1')`);
    // The feed hands out only events of transactions older than every one still open on the server (other test
    // files share it): wait until it shows them all.
    const readAll = async () => {
      for (let attempt = 0; ; attempt++) {
        const page = await readChangeEvents(ds.manager, { after: null, limit: 1000 });
        const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM change_event`);
        if (page.events.length === n || attempt >= 300) return page;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const before = await readAll();

    const config = {
      engagementEventDays: 30,
      changeEventPayloadDays: 30,
      deadLetterDays: 30,
      intervalMs: 60_000,
      batchSize: 1,
    };
    const result = await applyRetention(ds, config);
    expect(result).toEqual({ engagementEventsDeleted: 1, changeEventsRedacted: 1, deadLettersDeleted: 1, ran: true });

    expect(await ds.query(`SELECT external_event_id FROM engagement_event`)).toEqual([{ external_event_id: 'new' }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM dead_letter`)).toEqual([{ n: 1 }]);
    const after = await readAll();
    // Same events, same cursors: the feed skips nothing; only the old payloads are gone.
    expect(after.events.map((e) => [e.id, e.cursor])).toEqual(before.events.map((e) => [e.id, e.cursor]));
    const text = (events: typeof after.events) => JSON.stringify(events.map((e) => e.payload));
    expect(text(before.events)).toContain('Rita');
    expect(text(after.events)).not.toContain('Rita');
    expect(text(after.events)).toContain('Fresh');

    // A second run finds nothing more; a run with no periods set does nothing.
    expect(await applyRetention(ds, config)).toMatchObject({ engagementEventsDeleted: 0, changeEventsRedacted: 0 });
    expect(
      await applyRetention(ds, { ...config, engagementEventDays: 0, changeEventPayloadDays: 0, deadLetterDays: 0 }),
    ).toMatchObject({ ran: true, engagementEventsDeleted: 0 });
  });

  it('lets one hub process at a time apply it (the others skip their turn)', async () => {
    const ds = hub.db.dataSource;
    const config = {
      engagementEventDays: 1,
      changeEventPayloadDays: 0,
      deadLetterDays: 0,
      intervalMs: 60_000,
      batchSize: 10,
    };
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(
        `SELECT pg_advisory_xact_lock(('x' || left(encode(sha256('privacy:retention'), 'hex'), 16))::bit(64)::bigint)`,
      );
      expect(await applyRetention(ds, config)).toMatchObject({ ran: false });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await applyRetention(ds, config)).toMatchObject({ ran: true });
  });
});
