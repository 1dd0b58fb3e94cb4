import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromGlobalId } from '../../src/common/global-id';
import { feedPayload } from '../../src/feed/stored-payload';
import { REFRESH_SLICE } from '../../src/identity/survivorship/refresh-golden-profiles';
import { MAX_BATCH } from '../../src/ingest/ingest-records';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { testTempDir } from '../support/test-temp';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId sourceRecordId } ... on IngestRejected { code message path } }
  } }`;

const PROFILE = `query($id: ID!) { profile(id: $id) {
  id version email phone firstName company
  lineage { name value source sourceRecordId rule updatedAt pinned }
  emailField: field(name: "email") { value source rule pinned }
  sourceRecords { id source externalId attributes }
  conflicts { id field status reason candidates { value source sourceRecordId updatedAt } }
} }`;

const CONFLICTS = `query($status: ConflictStatus, $profileId: ID) { conflicts(status: $status, profileId: $profileId) {
  totalCount edges { node { id field status reason resolvedBy resolution candidates { value source sourceRecordId } } } } }`;

const RESOLVE = `mutation($id: ID!, $value: JSON, $sourceRecordId: ID, $note: String) {
  resolveConflict(id: $id, value: $value, sourceRecordId: $sourceRecordId, note: $note) {
    __typename
    ... on ConflictResolved { conflict { status resolvedBy resolution } profile { email lineage { name rule pinned } } }
    ... on ActionRefused { code message }
  } }`;

const PIN = `mutation($profileId: ID!, $field: String!, $value: JSON, $sourceRecordId: ID) {
  pinAttribute(profileId: $profileId, field: $field, value: $value, sourceRecordId: $sourceRecordId) {
    __typename
    ... on AttributePinChanged { profile { company email version } fields { name value source rule pinned sourceRecordId } }
    ... on ActionRefused { code message }
  } }`;

const UNPIN = `mutation($profileId: ID!, $field: String!) { unpinAttribute(profileId: $profileId, field: $field) {
  __typename
  ... on AttributePinChanged { profile { company } fields { name rule pinned } }
  ... on ActionRefused { code message }
} }`;

const at = (minute: number) => new Date(Date.parse('2026-11-02T09:00:00Z') + minute * 60_000).toISOString();

describe('survivorship, conflicts and pins through the real hub', () => {
  let hub: TestHub;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status: string; profileId: string; sourceRecordId: string }[];
  };
  const profile = async (id: string) => {
    const res = await graphql(hub.url, PROFILE, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.profile;
  };
  /** The profile's change events, payloads as the feed hands them out. */
  const changeEvents = async (profileId: string) =>
    (
      (await hub.db.dataSource.query(
        `SELECT type, profile_id, origin_source, payload FROM change_event WHERE profile_id = $1 ORDER BY position`,
        [fromGlobalId('Profile', profileId)],
      )) as { type: string; profile_id: string; origin_source: string | null; payload: Record<string, any> }[]
    ).map(({ profile_id, ...e }) => ({ ...e, payload: feedPayload(e.type, profile_id, e.payload) }));

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub.stop());

  it('takes names and company from the CRM and the email from the latest edit, with lineage per field', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003A',
        updatedAt: at(0),
        attributes: { email: 'ola@example.com', firstName: 'Aleksandra', lastName: 'Wiśniewska', company: 'Acme' },
      },
    ]);
    const [ma] = await ingest('hubspot', [
      {
        externalId: '501',
        updatedAt: at(60),
        attributes: { email: 'ola@example.com', firstName: 'Ola', lastName: 'Wiśniewska', company: 'ACME Sp. z o.o.' },
      },
    ]);
    expect(ma.profileId).toBe(crm.profileId);
    await ingest('hubspot', [{ externalId: '501', updatedAt: at(120), attributes: { email: 'ola.w@example.com' } }]);
    const p = await profile(crm.profileId);
    expect(p).toMatchObject({ firstName: 'Aleksandra', company: 'Acme', email: 'ola.w@example.com' });
    const byName = Object.fromEntries(p.lineage.map((l: { name: string }) => [l.name, l]));
    expect(byName.company).toMatchObject({ source: 'salesforce', rule: 'sourcePriority', pinned: false });
    expect(byName.email).toMatchObject({ source: 'hubspot', rule: 'mostRecent', updatedAt: at(120) });
    expect(p.emailField).toMatchObject({ value: 'ola.w@example.com', source: 'hubspot', rule: 'mostRecent' });
    // Each system's own view stays visible.
    const views = Object.fromEntries(p.sourceRecords.map((r: any) => [r.source, r.attributes]));
    expect(views.salesforce).toMatchObject({ email: 'ola@example.com', company: 'Acme' });
    expect(views.hubspot).toMatchObject({ email: 'ola.w@example.com', company: 'ACME Sp. z o.o.' });
    expect(p.conflicts).toEqual([]);
  });

  it('empties a golden field its only source clears, and keeps the others', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003N',
        updatedAt: at(0),
        attributes: { email: 'nina@example.com', firstName: 'Nina', phone: '+48 601 000 111', company: 'Initech' },
      },
    ]);
    expect(await profile(crm.profileId)).toMatchObject({ phone: '+48601000111', company: 'Initech' });
    await ingest('salesforce', [{ externalId: '003N', updatedAt: at(5), attributes: { phone: null, company: null } }]);
    const p = await profile(crm.profileId);
    expect(p).toMatchObject({ version: 2, email: 'nina@example.com', firstName: 'Nina', phone: null, company: null });
    expect(p.lineage.map((l: { name: string }) => l.name).sort()).toEqual(['email', 'firstName']);
    const [row] = await hub.db.dataSource.query(`SELECT phone, company, first_name FROM golden_profile WHERE id = $1`, [
      fromGlobalId('Profile', crm.profileId),
    ]);
    expect(row).toEqual({ phone: null, company: null, first_name: 'Nina' });
    const updated = (await changeEvents(crm.profileId)).find((e) => e.type === 'profile.updated');
    expect(updated?.payload).toMatchObject({
      changedFields: ['company', 'phone'],
      values: { company: null, phone: null },
    });
  });

  it("opens one conflict for concurrent edits in both systems, and a steward's choice is pinned and emitted", async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003B',
        updatedAt: at(0),
        attributes: { email: 'piotr@example.com', firstName: 'Piotr', lastName: 'Zieliński' },
      },
    ]);
    const [ma] = await ingest('hubspot', [
      {
        externalId: '502',
        updatedAt: at(1),
        attributes: { email: 'piotr@example.com', firstName: 'Piotr', lastName: 'Zieliński' },
      },
    ]);
    expect(ma.profileId).toBe(crm.profileId);
    // Both systems change the phone within the 10-minute window.
    await ingest('salesforce', [{ externalId: '003B', updatedAt: at(30), attributes: { phone: '+48 600 100 200' } }]);
    await ingest('hubspot', [{ externalId: '502', updatedAt: at(33), attributes: { phone: '+48 600 100 300' } }]);
    let p = await profile(crm.profileId);
    expect(p.phone).toBe('+48600100300'); // the rules decide meanwhile
    expect(p.conflicts).toHaveLength(1);
    const [conflict] = p.conflicts;
    expect(conflict).toMatchObject({ field: 'phone', status: 'OPEN', reason: 'concurrent_edit' });
    expect(conflict.candidates.map((c: any) => [c.source, c.value])).toEqual([
      ['hubspot', '+48600100300'],
      ['salesforce', '+48600100200'],
    ]);
    // A restatement of the same values opens nothing new.
    await ingest('hubspot', [{ externalId: '502', updatedAt: at(33), attributes: { phone: '+48 600 100 300' } }]);
    const queue = await graphql(hub.url, CONFLICTS, { profileId: crm.profileId });
    expect(queue.data!.conflicts.totalCount).toBe(1);

    const crmCandidate = conflict.candidates.find((c: any) => c.source === 'salesforce');
    const resolved = await graphql(hub.url, RESOLVE, {
      id: conflict.id,
      sourceRecordId: crmCandidate.sourceRecordId,
      note: 'the customer called sales',
    });
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data!.resolveConflict).toMatchObject({
      __typename: 'ConflictResolved',
      conflict: { status: 'RESOLVED', resolvedBy: expect.any(String) },
    });
    p = await profile(crm.profileId);
    expect(p.phone).toBe('+48600100200');
    expect(p.conflicts).toEqual([]);
    const phoneLineage = p.lineage.find((l: any) => l.name === 'phone');
    expect(phoneLineage).toMatchObject({ rule: 'pin', pinned: true, source: 'salesforce' });

    const events = await changeEvents(crm.profileId);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'conflict.opened')).toHaveLength(1);
    expect(types).toContain('conflict.resolved');
    const last = events.filter((e) => e.type === 'profile.updated').at(-1)!;
    expect(last.origin_source).toBeNull(); // a steward's change goes to every system
    expect(last.payload).toMatchObject({ changedFields: ['phone'], values: { phone: '+48600100200' } });

    // Resolving twice is refused, not an error.
    const again = await graphql(hub.url, RESOLVE, { id: conflict.id, value: '+48600100999' });
    expect(again.data!.resolveConflict).toMatchObject({ __typename: 'ActionRefused', code: 'ALREADY_DECIDED' });
  });

  it('closes a conflict on its own when the sources converge', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003C',
        updatedAt: at(0),
        attributes: { email: 'ewa@example.com', firstName: 'Ewa', lastName: 'Lis' },
      },
    ]);
    await ingest('hubspot', [
      {
        externalId: '503',
        updatedAt: at(1),
        attributes: { email: 'ewa@example.com', firstName: 'Ewa', lastName: 'Lis' },
      },
    ]);
    await ingest('salesforce', [
      { externalId: '003C', updatedAt: at(10), attributes: { email: 'ewa.lis@example.com' } },
    ]);
    await ingest('hubspot', [{ externalId: '503', updatedAt: at(12), attributes: { email: 'ewa@example.org' } }]);
    expect((await profile(crm.profileId)).conflicts).toHaveLength(1);
    await ingest('hubspot', [{ externalId: '503', updatedAt: at(14), attributes: { email: 'ewa.lis@example.com' } }]);
    const p = await profile(crm.profileId);
    expect(p.conflicts).toEqual([]);
    const closed = await graphql(hub.url, CONFLICTS, { status: 'CLOSED', profileId: crm.profileId });
    expect(closed.data!.conflicts.edges.map((e: any) => e.node)).toEqual([
      expect.objectContaining({
        field: 'email',
        status: 'CLOSED',
        resolvedBy: 'system',
        resolution: { outcome: 'converged' },
      }),
    ]);
    expect((await changeEvents(crm.profileId)).map((e) => e.type)).toContain('conflict.closed');
  });

  it('pins a typed value over every rule until unpinned, and refuses bad pins with a code', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003D',
        updatedAt: at(0),
        attributes: { email: 'jan@example.com', firstName: 'Jan', lastName: 'Bąk', company: 'Bąk i Syn' },
      },
    ]);
    const pinned = await graphql(hub.url, PIN, {
      profileId: crm.profileId,
      field: 'company',
      value: ' Bąk & Syn S.A. ',
    });
    expect(pinned.data!.pinAttribute).toMatchObject({
      __typename: 'AttributePinChanged',
      profile: { company: 'Bąk & Syn S.A.', version: 2 },
      fields: [
        {
          name: 'company',
          value: 'Bąk & Syn S.A.',
          source: 'steward',
          rule: 'pin',
          pinned: true,
          sourceRecordId: null,
        },
      ],
    });
    // The CRM changes the company: the pin still wins.
    await ingest('salesforce', [{ externalId: '003D', updatedAt: at(5), attributes: { company: 'Bąk Holding' } }]);
    expect((await profile(crm.profileId)).company).toBe('Bąk & Syn S.A.');
    const unpinned = await graphql(hub.url, UNPIN, { profileId: crm.profileId, field: 'company' });
    expect(unpinned.data!.unpinAttribute).toMatchObject({
      profile: { company: 'Bąk Holding' },
      fields: [{ name: 'company', rule: 'sourcePriority', pinned: false }],
    });

    const refusals = await Promise.all([
      graphql(hub.url, PIN, { profileId: crm.profileId, field: 'email', value: 'not an email' }),
      graphql(hub.url, PIN, { profileId: crm.profileId, field: 'address.city', value: 'Kraków' }),
      graphql(hub.url, PIN, { profileId: crm.profileId, field: 'shoeSize', value: '42' }),
      graphql(hub.url, PIN, { profileId: crm.profileId, field: 'email' }),
      graphql(hub.url, UNPIN, { profileId: crm.profileId, field: 'company' }),
    ]);
    expect(refusals.map((r) => (r.data!.pinAttribute ?? r.data!.unpinAttribute).code)).toEqual([
      'BAD_VALUE',
      'BAD_FIELD',
      'BAD_FIELD',
      'BAD_VALUE',
      'NOT_PINNED',
    ]);
    expect(refusals[0].data!.pinAttribute.message).toMatch(/INVALID_EMAIL/);
    // The address is pinned as a whole.
    const address = await graphql(hub.url, PIN, {
      profileId: crm.profileId,
      field: 'address',
      value: { line1: 'ul. Polna 1', city: 'Kraków', country: 'pl' },
    });
    expect(address.data!.pinAttribute).toMatchObject({ __typename: 'AttributePinChanged' });
    expect(address.data!.pinAttribute.fields.map((f: any) => [f.name, f.value])).toEqual([
      ['address.city', 'Kraków'],
      ['address.country', 'PL'],
      ['address.line1', 'ul. Polna 1'],
    ]);
  });

  it('refreshes a batch of more profiles than one slice: every update lands, pins hold, events in profile order', async () => {
    // Two slices and part of a third of people, then an update of each: the refresh reads and writes them in
    // slices of REFRESH_SLICE. (Within one GraphQL call: MAX_BATCH records.)
    const count = 2 * REFRESH_SLICE + 100;
    expect(count).toBeLessThanOrEqual(MAX_BATCH);
    const people = Array.from({ length: count }, (_, i) => ({
      externalId: `SL${String(i).padStart(3, '0')}`,
      email: `slice${i}@example.com`,
    }));
    const created = await ingest(
      'salesforce',
      people.map((p, i) => ({
        externalId: p.externalId,
        updatedAt: at(0),
        attributes: { email: p.email, firstName: `Ola${i}`, lastName: 'Plasterek', company: 'Old Co' },
      })),
    );
    const ids = created.map((r) => fromGlobalId('Profile', r.profileId)!);
    expect(new Set(ids).size).toBe(count);
    // Pins at both ends of each slice of the refresh (which goes in profile id order) and inside one.
    const sorted = [...ids].sort();
    const S = REFRESH_SLICE;
    const pinnedIds = [0, S - 1, S, S + 170, 2 * S - 1, 2 * S, count - 1].map((i) => sorted[i]);
    for (const id of pinnedIds) {
      const pinned = await graphql(hub.url, PIN, {
        profileId: created[ids.indexOf(id)].profileId,
        field: 'company',
        value: 'Pinned Co',
      });
      expect(pinned.data!.pinAttribute.__typename).toBe('AttributePinChanged');
    }
    const before = Number(
      (await hub.db.dataSource.query(`SELECT max(position) AS p FROM change_event`))[0].p as string,
    );

    await ingest(
      'salesforce',
      people.map((p) => ({
        externalId: p.externalId,
        updatedAt: at(10),
        attributes: { company: 'New Co', jobTitle: 'Buyer' },
      })),
    );

    const rows: { id: string; version: number; company: string; job_title: string }[] = await hub.db.dataSource.query(
      `SELECT id, version, company, job_title FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      const pinned = pinnedIds.includes(row.id);
      expect({ id: row.id, company: row.company, jobTitle: row.job_title, version: row.version }).toEqual({
        id: row.id,
        company: pinned ? 'Pinned Co' : 'New Co',
        jobTitle: 'Buyer',
        // A pin was a version of its own.
        version: pinned ? 3 : 2,
      });
    }
    const events: { profile_id: string; payload: Record<string, any> }[] = await hub.db.dataSource.query(
      `SELECT profile_id, payload FROM change_event
        WHERE position > $1 AND type = 'profile.updated' ORDER BY position`,
      [before],
    );
    expect(events.map((e) => e.profile_id)).toEqual(sorted);
    const fieldsOf = (id: string) =>
      feedPayload('profile.updated', id, events[sorted.indexOf(id)].payload).changedFields;
    for (const id of sorted)
      expect(fieldsOf(id)).toEqual(pinnedIds.includes(id) ? ['jobTitle'] : ['company', 'jobTitle']);
  });

  it('reads the survivorship rules of the rules file', async () => {
    const dir = testTempDir('hub-rules-');
    const file = path.join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ survivorship: { fields: { company: [{ sourceOfTruth: 'hubspot' }] } } }));
    const custom = await startTestHub({ HUB_CONFIG: file });
    try {
      const res = await graphql(custom.url, INGEST, {
        source: 'salesforce',
        records: [{ externalId: '003E', attributes: { email: 'x@example.com', company: 'From CRM' } }],
      });
      const [{ profileId }] = res.data!.ingest.results;
      const p = await graphql(
        custom.url,
        `
          query ($id: ID!) {
            profile(id: $id) {
              company
            }
          }
        `,
        { id: profileId },
      );
      expect(p.data!.profile.company).toBeNull();
    } finally {
      await custom.stop();
    }
  });
});
