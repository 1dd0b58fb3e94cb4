import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromGlobalId } from '../../src/common/global-id';
import { DEFAULT_MATCHING } from '../../src/identity/matching/scoring';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { testTempDir } from '../support/test-temp';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId sourceRecordId } ... on IngestRejected { code message path } }
  } }`;

const PROFILE = `query($id: ID!, $follow: Boolean) { profile(id: $id, followMerges: $follow) {
  id status version email firstName lastName birthDate mergedIntoId mergedInto { id }
  sourceRecords { source externalId }
  mergeHistory { kind trigger actor reason score evidence survivorProfileId absorbedProfileId sourceRecordId targetProfileId }
} }`;

const CANDIDATES = `query { mergeCandidates { totalCount edges { node {
  id band reason score evidence profileAId profileBId profileA { id firstName lastName } profileB { id firstName lastName } } } } }`;

let counter = 0;
const person = (attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  externalId: `r-${++counter}`,
  updatedAt: `2026-11-01T10:${String(counter % 60).padStart(2, '0')}:00Z`,
  attributes,
  ...extra,
});

describe('identity resolution through the real pipeline', () => {
  let hub: TestHub;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status: string; profileId: string; sourceRecordId: string; code?: string }[];
  };
  const profile = async (id: string, follow = true) => (await graphql(hub.url, PROFILE, { id, follow })).data!.profile;
  const candidates = async () => (await graphql(hub.url, CANDIDATES)).data!.mergeCandidates;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub.stop());

  it('joins the same person by email and name, across systems', async () => {
    const [crm] = await ingest('salesforce', [
      person({ email: 'ann.kowalska@example.com', firstName: 'Anna', lastName: 'Kowalska' }),
    ]);
    const [ma] = await ingest('hubspot', [
      person({ email: 'Ann.Kowalska@example.com', firstName: 'Anna', lastName: 'Kowalska' }),
    ]);
    expect(ma.profileId).toBe(crm.profileId);
  });

  it('finds the person in a crowded block by what the record shares with them, not by age alone', async () => {
    // Thirty older namesakes of one postal area: each shares only the surname-and-postal-code key with the record
    // below, more than the 25 candidates a record is scored against.
    const firstNames = ['Adam', 'Bartosz', 'Cezary', 'Dawid', 'Edward', 'Filip', 'Grzegorz', 'Henryk', 'Igor', 'Jacek'];
    const more = ['Kamil', 'Leszek', 'Marek', 'Norbert', 'Oskar', 'Patryk', 'Robert', 'Szymon', 'Tadeusz', 'Wiktor'];
    const rest = ['Zbigniew', 'Artur', 'Borys', 'Damian', 'Emil', 'Feliks', 'Gustaw', 'Hubert', 'Ireneusz', 'Lucjan'];
    const address = { city: 'Kraków', postalCode: '31-042', country: 'PL' };
    const crowd = [...firstNames, ...more, ...rest].map((firstName, i) =>
      person({
        firstName,
        lastName: 'Wiśniewski',
        birthDate: `${1950 + i}-0${1 + (i % 9)}-1${i % 10}`,
        email: `${firstName.toLowerCase()}.w${i}@crowd.example`,
        address,
      }),
    );
    const strangers = await ingest('salesforce', crowd);
    expect(new Set(strangers.map((s) => s.profileId)).size).toBe(30);
    const jan = { firstName: 'Jan', lastName: 'Wiśniewski', birthDate: '1990-03-05', address };
    const [contact] = await ingest('salesforce', [person({ ...jan, email: 'jan.wisniewski@firma.example' })]);
    // A new email: the lead shares its name, birth date and postal code with Jan's profile — six keys to the
    // crowd's one each — and is scored against it although thirty profiles are older.
    const [lead] = await ingest('hubspot', [person({ ...jan, email: 'jw.private@poczta.example' })]);
    expect(lead.profileId).toBe(contact.profileId);
  });

  it('joins a record with a new email when name, birth date and address agree (probabilistic)', async () => {
    const base = {
      firstName: 'Grzegorz',
      lastName: 'Brzęczyszczykiewicz',
      birthDate: '1975-04-12',
      address: { line1: 'ul. Długa 17', city: 'Gdańsk', postalCode: '80-831', country: 'PL' },
    };
    const [a] = await ingest('salesforce', [person({ ...base, email: 'grzegorz@example.com' })]);
    const [b] = await ingest('hubspot', [
      person({
        ...base,
        firstName: 'Grzegorz',
        email: 'g.brzeczyszczykiewicz@example.org',
        address: { line1: 'Długa 17', city: 'Gdansk', postalCode: '80-831', country: 'PL' },
      }),
    ]);
    expect(b.profileId).toBe(a.profileId);
    const merged = await profile(a.profileId);
    expect(merged.sourceRecords).toHaveLength(2);
  });

  it('keeps people apart who only share a common name and a city', async () => {
    const [a] = await ingest('salesforce', [
      person({
        firstName: 'Jan',
        lastName: 'Nowak',
        address: { city: 'Warszawa', country: 'PL' },
        email: 'jan.nowak1@example.com',
      }),
    ]);
    const [b] = await ingest('hubspot', [
      person({
        firstName: 'Jan',
        lastName: 'Nowak',
        address: { city: 'Warszawa', country: 'PL' },
        email: 'jnowak77@example.net',
      }),
    ]);
    expect(b.profileId).not.toBe(a.profileId);
  });

  it('never matches on junk values', async () => {
    const [a] = await ingest('hubspot', [
      person({ email: 'test@test.com', firstName: 'Olga', lastName: 'Wiśniewska' }),
    ]);
    const [b] = await ingest('hubspot', [
      person({ email: 'test@test.com', firstName: 'Piotr', lastName: 'Zieliński' }),
    ]);
    expect(b.profileId).not.toBe(a.profileId);
  });

  it('sends a two-CRM-contacts merge to the stewards instead of merging (records-per-source guardrail)', async () => {
    const [a] = await ingest('salesforce', [
      person({ email: 'dup.contact@example.com', firstName: 'Marta', lastName: 'Lewandowska' }),
    ]);
    const [b] = await ingest('salesforce', [
      person({ email: 'dup.contact@example.com', firstName: 'Marta', lastName: 'Lewandowska' }),
    ]);
    expect(b.profileId).not.toBe(a.profileId);
    const queue = await candidates();
    const candidate = queue.edges
      .map((e: any) => e.node)
      .find((c: any) => [c.profileAId, c.profileBId].sort().join() === [a.profileId, b.profileId].sort().join());
    expect(candidate).toMatchObject({ band: 'guardrail', reason: 'max_records_per_source:salesforce' });
  });

  it('bridges two profiles with one record (transitive merge), keeps the old id resolving, and records the evidence', async () => {
    const [byEmail] = await ingest('salesforce', [
      person({ email: 'kasia.mazur@example.com', firstName: 'Katarzyna', lastName: 'Mazur' }),
    ]);
    const [byPhone] = await ingest('hubspot', [
      person({ phone: '+48 601 234 567', firstName: 'Katarzyna', lastName: 'Mazur' }),
    ]);
    expect(byPhone.profileId).not.toBe(byEmail.profileId);
    const [bridge] = await ingest('hubspot', [
      person({ email: 'kasia.mazur@example.com', phone: '+48601234567', firstName: 'Katarzyna', lastName: 'Mazur' }),
    ]);
    const survivor = [byEmail.profileId, byPhone.profileId].includes(bridge.profileId) ? bridge.profileId : null;
    expect(survivor).toBe(byEmail.profileId); // the older profile survives: golden ids stay stable

    const absorbed = await profile(byPhone.profileId, false);
    expect(absorbed).toMatchObject({
      status: 'MERGED',
      mergedIntoId: byEmail.profileId,
      mergedInto: { id: byEmail.profileId },
    });
    const followed = await profile(byPhone.profileId);
    expect(followed.id).toBe(byEmail.profileId);
    expect(followed.sourceRecords).toHaveLength(3);
    expect(followed.mergeHistory[0]).toMatchObject({
      kind: 'merge',
      absorbedProfileId: byPhone.profileId,
      actor: 'test-client',
    });
    expect(JSON.stringify(followed.mergeHistory[0].evidence)).toMatch(/phone|email/);
    const events = await hub.db.dataSource.query(
      `SELECT payload FROM change_event WHERE type = 'profile.merged' AND profile_id = $1`,
      [fromGlobalId('Profile', byPhone.profileId)],
    );
    expect(events).toHaveLength(1);
  });

  it('lets a steward approve a review candidate, and reject another for good', async () => {
    // The same name with a slip in the surname at the same postal code, with another email and no birth date on
    // one side: likely, not certain — the review band of the default weights. (A nickname there, Tomek for
    // Tomasz, weighs nearly as much as the same name and is merged.)
    const [a] = await ingest('salesforce', [
      person({
        firstName: 'Tomasz',
        lastName: 'Wójcik',
        email: 'tomasz.w@example.com',
        address: { city: 'Poznań', postalCode: '60-101', country: 'PL' },
      }),
    ]);
    const [b] = await ingest('hubspot', [
      person({
        firstName: 'Tomasz',
        lastName: 'Wójcyk',
        birthDate: '1988-03-07',
        email: 'tw88@example.org',
        address: { city: 'Poznan', postalCode: '60-101', country: 'PL' },
      }),
    ]);
    expect(b.profileId).not.toBe(a.profileId);
    const queue = await candidates();
    const pair = [a.profileId, b.profileId].sort().join();
    const candidate = queue.edges
      .map((e: any) => e.node)
      .find((c: any) => [c.profileAId, c.profileBId].sort().join() === pair);
    expect(candidate).toMatchObject({ band: 'review', reason: 'review_band' });
    expect(candidate.score).toBeGreaterThanOrEqual(DEFAULT_MATCHING.thresholds.review);
    expect(candidate.score).toBeLessThan(DEFAULT_MATCHING.thresholds.autoMerge);
    expect(candidate.evidence.comparisons.map((c: any) => `${c.field}:${c.level}`)).toEqual(
      expect.arrayContaining(['name:typo', 'postalCode:exact']),
    );
    expect([candidate.profileA.lastName, candidate.profileB.lastName].sort()).toEqual(['Wójcik', 'Wójcyk']);

    const approved = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          approveMergeCandidate(id: $id, note: "same person, checked by phone") {
            __typename
            ... on ProfilesMerged {
              survivor {
                id
                sourceRecords {
                  externalId
                }
              }
              absorbedProfileId
            }
            ... on ActionRefused {
              code
              message
            }
          }
        }
      `,
      { id: candidate.id },
    );
    expect(approved.data!.approveMergeCandidate).toMatchObject({
      __typename: 'ProfilesMerged',
      survivor: { id: a.profileId },
    });
    const again = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          approveMergeCandidate(id: $id) {
            __typename
            ... on ActionRefused {
              code
            }
          }
        }
      `,
      { id: candidate.id },
    );
    expect(again.data!.approveMergeCandidate).toEqual({ __typename: 'ActionRefused', code: 'ALREADY_DECIDED' });
  });

  it('unmerges a record with a do-not-merge pair that automatic matching respects', async () => {
    const [a] = await ingest('salesforce', [
      person({
        email: 'shared.inbox.family@example.com',
        firstName: 'Ewa',
        lastName: 'Kaczmarek',
        birthDate: '1970-01-05',
      }),
    ]);
    const [b] = await ingest('hubspot', [
      person(
        { email: 'shared.inbox.family@example.com', firstName: 'Ewa', lastName: 'Kaczmarek', birthDate: '1970-01-05' },
        { externalId: 'hs-ewa' },
      ),
    ]);
    expect(b.profileId).toBe(a.profileId);
    const split = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          unmergeSourceRecord(sourceRecordId: $id, reason: "mother and daughter") {
            __typename
            ... on SourceRecordUnmerged {
              from {
                id
              }
              to {
                id
                sourceRecords {
                  externalId
                }
              }
            }
          }
        }
      `,
      { id: b.sourceRecordId },
    );
    const result = split.data!.unmergeSourceRecord;
    expect(result).toMatchObject({
      __typename: 'SourceRecordUnmerged',
      from: { id: a.profileId },
      to: { sourceRecords: [{ externalId: 'hs-ewa' }] },
    });
    // The split record changes at the source: matching runs again but respects the steward's decision.
    const [later] = await ingest('hubspot', [
      { externalId: 'hs-ewa', updatedAt: '2026-11-20T00:00:00Z', attributes: { jobTitle: 'Teacher' } },
    ]);
    expect(later.profileId).toBe(result.to.id);
    expect(later.profileId).not.toBe(a.profileId);
    const history = (await profile(a.profileId)).mergeHistory;
    expect(history[0]).toMatchObject({ kind: 'unmerge', trigger: 'steward', reason: 'mother and daughter' });
  });

  it('finds a profile by any identifier, normalised as on ingest, and a record by its source id', async () => {
    const [a] = await ingest('salesforce', [
      person(
        { email: 'lookup.me@example.com', phone: '+48 602 111 222', firstName: 'Look', lastName: 'Up' },
        { externalId: '003LOOKUP' },
      ),
    ]);
    const byEmail = await graphql(
      hub.url,
      `
        {
          profileByIdentifier(type: "email", value: " Lookup.Me@EXAMPLE.com ") {
            id
          }
        }
      `,
    );
    expect(byEmail.data!.profileByIdentifier).toEqual({ id: a.profileId });
    const byPhone = await graphql(
      hub.url,
      `
        {
          profileByIdentifier(type: "phone", value: "+48602111222") {
            id
          }
        }
      `,
    );
    expect(byPhone.data!.profileByIdentifier).toEqual({ id: a.profileId });
    const nobody = await graphql(
      hub.url,
      `
        {
          profileByIdentifier(type: "email", value: "nobody@example.com") {
            id
          }
        }
      `,
    );
    expect(nobody.data!.profileByIdentifier).toBeNull();
    const record = await graphql(
      hub.url,
      `
        {
          sourceRecord(source: "salesforce", externalId: "003LOOKUP") {
            id
            profileId
            attributes
          }
        }
      `,
    );
    expect(record.data!.sourceRecord).toMatchObject({
      id: a.sourceRecordId,
      profileId: a.profileId,
      attributes: { firstName: 'Look' },
    });
  });

  it('refuses steward actions that make no sense, as typed results', async () => {
    const [a] = await ingest('salesforce', [person({ email: 'solo@example.com', firstName: 'Solo', lastName: 'Han' })]);
    const same = await graphql(
      hub.url,
      `
        mutation ($ids: [ID!]!) {
          mergeProfiles(profileIds: $ids) {
            __typename
            ... on ActionRefused {
              code
              message
            }
          }
        }
      `,
      { ids: [a.profileId, a.profileId] },
    );
    expect(same.data!.mergeProfiles).toMatchObject({ __typename: 'ActionRefused', code: 'SAME_PROFILE' });
    const only = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          unmergeSourceRecord(sourceRecordId: $id) {
            __typename
            ... on ActionRefused {
              code
            }
          }
        }
      `,
      { id: a.sourceRecordId },
    );
    expect(only.data!.unmergeSourceRecord).toEqual({ __typename: 'ActionRefused', code: 'NOTHING_TO_SPLIT' });
  });
});

describe('identity resolution under a lowered auto-merge threshold (HUB_CONFIG)', () => {
  let hub: TestHub;
  let folder: string;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status: string; profileId: string }[];
  };

  beforeAll(async () => {
    folder = testTempDir('hub-rules-');
    const rules = path.join(folder, 'rules.json');
    writeFileSync(rules, JSON.stringify({ identity: { matching: { thresholds: { autoMerge: 21, review: 19 } } } }));
    hub = await startTestHub({ HUB_CONFIG: rules });
  });
  afterAll(async () => {
    await hub.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('merges a person who moved with a slip in the name, but sends twins sharing inbox, landline and home to review', async () => {
    const home = { line1: 'ul. Lipowa 4', city: 'Lublin', postalCode: '20-020', country: 'PL' };
    const twin = {
      lastName: 'Zielińska',
      birthDate: '1991-06-30',
      email: 'zielinscy@example.com',
      phone: '+48815321234',
    };
    const [ola] = await ingest('salesforce', [person({ ...twin, firstName: 'Aleksandra', address: home })]);
    const [iga] = await ingest('hubspot', [person({ ...twin, firstName: 'Jadwiga', address: home })]);
    expect(iga.profileId).not.toBe(ola.profileId);
    const queue = (await graphql(hub.url, CANDIDATES)).data!.mergeCandidates;
    const pair = [ola.profileId, iga.profileId].sort().join();
    const candidate = queue.edges
      .map((e: any) => e.node)
      .find((c: any) => [c.profileAId, c.profileBId].sort().join() === pair);
    expect(candidate).toMatchObject({ band: 'review', reason: 'review_band' });
    expect(candidate.score).toBeGreaterThanOrEqual(21);

    const before = { firstName: 'Bartłomiej', lastName: 'Kaczmarczyk', birthDate: '1979-02-14' };
    const [crm] = await ingest('salesforce', [person({ ...before, address: home })]);
    const [ma] = await ingest('hubspot', [
      person({
        ...before,
        lastName: 'Kaczmarcyzk',
        address: { line1: 'ul. Morska 9', city: 'Gdynia', postalCode: '81-225', country: 'PL' },
      }),
    ]);
    expect(ma.profileId).toBe(crm.profileId);
  });
});
