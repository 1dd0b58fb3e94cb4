import type { RunningHub } from '../../src/server/hub';
import { verifyWebhookSignature } from '../../src/sync/webhook-signature';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startFullHub } from '../support/test-hub';
import { eventually, WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

const SUBSCRIBE = `mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) { ... on WebhookSubscriptionCreated { secret subscription { id } } } }`;

const CONFLICTS = `query($status: ConflictStatus) { conflicts(status: $status) {
  totalCount edges { node { id field status candidates { source value sourceRecordId } } } } }`;

const RESOLVE = `mutation($id: ID!, $sourceRecordId: ID) { resolveConflict(id: $id, sourceRecordId: $sourceRecordId) {
  __typename ... on ActionRefused { code message } } }`;

/**
 * A CRM or MA platform as the hub meets it: it keeps its own contact records, tells the hub about every change
 * (its users' edits and the updates sync writes into it, as a change-data-capture stream would), and applies the
 * golden changes the hub sends to its webhook — after checking the signature.
 */
class SimulatedSystem {
  readonly receiver = new WebhookReceiver();
  readonly records = new Map<string, Record<string, unknown>>();
  private readonly byProfile = new Map<string, string>();
  private readonly echoes = new Set<Promise<void>>();
  secret = '';
  /** Requests the system refuses (it is slow or down): answered 503. */
  unavailable = false;

  constructor(
    readonly source: 'salesforce' | 'hubspot',
    private readonly hubUrl: () => string,
    private readonly world: { now: number },
  ) {
    this.receiver.respond = (request) => this.receive(request);
  }

  /** The time of the world both systems live in: a second per statement, so that statements are ordered. */
  private tick(): string {
    this.world.now += 1000;
    return new Date(this.world.now).toISOString();
  }

  /** A user of this system edits a record (or creates it); the change goes to the hub. */
  async edit(externalId: string, attributes: Record<string, unknown>): Promise<string> {
    this.records.set(externalId, { ...this.records.get(externalId), ...attributes });
    return this.tellHub(externalId, attributes);
  }

  private async tellHub(externalId: string, attributes: Record<string, unknown>): Promise<string> {
    const res = await graphql(this.hubUrl(), INGEST, {
      source: this.source,
      records: [{ externalId, updatedAt: this.tick(), attributes }],
    });
    expect(res.errors).toBeUndefined();
    const [result] = res.data!.ingest.results;
    expect(result.status).toMatch(/CREATED|UPDATED|UNCHANGED/);
    this.byProfile.set(result.profileId, externalId);
    return result.profileId;
  }

  private receive(request: ReceivedWebhook): number {
    if (this.unavailable) return 503;
    if (!verifyWebhookSignature(this.secret, request.headers['x-hub-signature'] as string, request.rawBody)) return 401;
    const { body } = request;
    const externalId = body.profileId && this.byProfile.get(body.profileId);
    const values = (body.payload?.values ?? {}) as Record<string, unknown>;
    if (!externalId || Object.keys(values).length === 0) return 200;
    // Sync writes the values into the record, and the system reports that update like any other.
    const update = Object.fromEntries(Object.entries(values).map(([field, value]) => [field, value]));
    this.records.set(externalId, { ...this.records.get(externalId), ...update });
    const echo = this.tellHub(externalId, nest(update)).then(() => undefined);
    this.echoes.add(echo);
    void echo.finally(() => this.echoes.delete(echo));
    return 200;
  }

  /** Changes the hub delivered here (2xx), with the fields they carried. */
  deliveries(): { type: string; fields: string[]; values: Record<string, unknown>; withheld?: string[] }[] {
    return this.receiver.delivered().map((b) => ({
      type: b.type,
      fields: (b.payload?.changedFields ?? []) as string[],
      values: (b.payload?.values ?? {}) as Record<string, unknown>,
      withheld: b.payload?.withheld as string[] | undefined,
    }));
  }

  get busy(): boolean {
    return this.echoes.size > 0;
  }
}

/** Flat golden paths (`address.city`) as a canonical record's attributes (`{ address: { city } }`). */
function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [path, value] of Object.entries(flat)) {
    const [head, ...rest] = path.split('.');
    if (rest.length === 0) out[head] = value;
    else (out[head] ??= {})[rest.join('.')] = value;
  }
  return out;
}

describe('two-way sync between a CRM and an MA platform through the hub', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  // Simulated time: the scenario's steps are an hour apart (far outside the 10-minute conflict window), the two
  // users' phone edits seconds apart.
  const world = { now: Date.parse('2026-11-03T09:00:00Z') };
  const anHourLater = () => (world.now += 3_600_000);
  const crm = new SimulatedSystem('salesforce', () => hub.url, world);
  const ma = new SimulatedSystem('hubspot', () => hub.url, world);

  /** Waits until nothing moves: no echo in flight, no delivery pending, no new request for a while. */
  async function quiescence(): Promise<void> {
    let last = '';
    let stableSince = Date.now();
    await eventually(
      async () => {
        const [{ open }] = await db.dataSource.query(
          `SELECT count(*)::int AS open FROM webhook_delivery WHERE status IN ('pending', 'failed')`,
        );
        const [{ behind }] = await db.dataSource.query(
          `SELECT count(*)::int AS behind FROM change_event e
            WHERE e.txid < hub_feed_horizon()
              AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.change_event_id = e.id)
              AND e.type IN ('profile.created', 'profile.updated')
              AND e.occurred_at > now() - interval '1 second'`,
        );
        const state = `${crm.receiver.received.length}/${ma.receiver.received.length}/${open}/${behind}`;
        if (state !== last || crm.busy || ma.busy || open > 0) {
          last = state;
          stableSince = Date.now();
          return false;
        }
        return Date.now() - stableSince > 1500;
      },
      { timeoutMs: 40_000, intervalMs: 100, what: 'quiescence' },
    );
  }

  const conflicts = async (status = 'OPEN') => (await graphql(hub.url, CONFLICTS, { status })).data!.conflicts;

  beforeAll(async () => {
    db = await createTestDatabase();
    hub = await startFullHub(db, { DB_POOL_SIZE: '6', WEBHOOK_MAX_ATTEMPTS: '100' });
    for (const system of [crm, ma]) {
      await system.receiver.up();
      const res = await graphql(hub.url, SUBSCRIBE, {
        input: {
          url: system.receiver.url,
          eventTypes: ['profile.created', 'profile.updated'],
          targetSource: system.source,
          description: `sync into ${system.source}`,
        },
      });
      expect(res.errors).toBeUndefined();
      system.secret = res.data!.createWebhookSubscription.secret;
    }
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await crm.receiver.down();
    await ma.receiver.down();
    await db?.destroy();
  });

  it('carries each change to the other system once, resolves concurrent edits through a steward, then goes quiet', async () => {
    // Both systems know the person; the hub joins them on the email. (The MA platform answers only once it has
    // told the hub about its lead: a connector that has not yet linked its record to the profile cannot apply
    // a change to it.)
    ma.unavailable = true;
    const profile = await crm.edit('003X', {
      email: 'zofia.lis@example.com',
      firstName: 'Zofia',
      lastName: 'Lis',
      phone: '+48600100200',
    });
    expect(await ma.edit('7001', { email: 'zofia.lis@example.com', firstName: 'Zosia', lastName: 'Lis' })).toBe(
      profile,
    );
    ma.unavailable = false;
    await quiescence();
    // The CRM's names win (CRM first) and reach the MA platform; nothing goes back to the CRM about its own values.
    expect(ma.records.get('7001')).toMatchObject({ firstName: 'Zofia', phone: '+48600100200' });
    expect(crm.deliveries().flatMap((d) => d.fields)).not.toContain('firstName');

    // A change in the CRM reaches the MA platform once, and never comes back to the CRM.
    let before = { crm: crm.deliveries().length, ma: ma.deliveries().length };
    anHourLater();
    await crm.edit('003X', { jobTitle: 'CTO' });
    await quiescence();
    expect(ma.deliveries().slice(before.ma)).toEqual([
      { type: 'profile.updated', fields: ['jobTitle'], values: { jobTitle: 'CTO' }, withheld: undefined },
    ]);
    expect(crm.deliveries().length).toBe(before.crm);
    expect(ma.records.get('7001')).toMatchObject({ jobTitle: 'CTO' });

    // A change in the MA platform reaches the CRM once (email: most recent wins), and its echo changes nothing.
    before = { crm: crm.deliveries().length, ma: ma.deliveries().length };
    anHourLater();
    await ma.edit('7001', { email: 'zofia@lis.example.org' });
    await quiescence();
    expect(crm.deliveries().slice(before.crm)).toEqual([
      { type: 'profile.updated', fields: ['email'], values: { email: 'zofia@lis.example.org' }, withheld: undefined },
    ]);
    expect(ma.deliveries().length).toBe(before.ma);
    expect(crm.records.get('003X')).toMatchObject({ email: 'zofia@lis.example.org' });

    // Users of both systems change the phone while sync is slow: one conflict opens, and neither system's value
    // is overwritten by the other's while it is open.
    before = { crm: crm.deliveries().length, ma: ma.deliveries().length };
    anHourLater();
    crm.unavailable = true;
    ma.unavailable = true;
    await crm.edit('003X', { phone: '+48600100300' });
    await ma.edit('7001', { phone: '+48600100400' });
    const open = await conflicts();
    expect(open.totalCount).toBe(1);
    expect(open.edges[0].node).toMatchObject({ field: 'phone', status: 'OPEN' });
    crm.unavailable = false;
    ma.unavailable = false;
    await quiescence();
    expect(crm.records.get('003X')!.phone).toBe('+48600100300');
    expect(ma.records.get('7001')!.phone).toBe('+48600100400');
    expect((await conflicts()).totalCount).toBe(1);
    const sinceEdits = [...crm.deliveries().slice(before.crm), ...ma.deliveries().slice(before.ma)];
    expect(sinceEdits.flatMap((d) => d.fields)).not.toContain('phone');
    expect(sinceEdits.flatMap((d) => d.withheld ?? [])).toContain('phone');

    // A steward picks the CRM's number: it reaches both systems once, and the conflict is resolved.
    before = { crm: crm.deliveries().length, ma: ma.deliveries().length };
    const crmCandidate = open.edges[0].node.candidates.find((c: { source: string }) => c.source === 'salesforce');
    const resolved = await graphql(hub.url, RESOLVE, {
      id: open.edges[0].node.id,
      sourceRecordId: crmCandidate.sourceRecordId,
    });
    expect(resolved.data!.resolveConflict.__typename).toBe('ConflictResolved');
    await quiescence();
    const phoneUpdates = (system: SimulatedSystem, from: number) =>
      system
        .deliveries()
        .slice(from)
        .filter((d) => d.fields.includes('phone'));
    // The MA platform had the other value: it receives the resolution. The CRM already holds it; the golden
    // value changed (from the MA's provisional one), so it receives it too, and neither echo changes anything.
    expect(phoneUpdates(ma, before.ma).map((d) => d.values.phone)).toEqual(['+48600100300']);
    expect(phoneUpdates(crm, before.crm).map((d) => d.values.phone)).toEqual(['+48600100300']);
    expect(ma.records.get('7001')!.phone).toBe('+48600100300');
    expect(crm.records.get('003X')!.phone).toBe('+48600100300');
    expect((await conflicts()).totalCount).toBe(0);
    expect((await conflicts('RESOLVED')).totalCount).toBe(1);

    // Quiet: no further deliveries once both systems agree.
    const settled = { crm: crm.receiver.received.length, ma: ma.receiver.received.length };
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect({ crm: crm.receiver.received.length, ma: ma.receiver.received.length }).toEqual(settled);
    const [{ pending }] = await db.dataSource.query(
      `SELECT count(*)::int AS pending FROM webhook_delivery WHERE status <> 'delivered'`,
    );
    expect(pending).toBe(0);
  }, 120_000);
});
