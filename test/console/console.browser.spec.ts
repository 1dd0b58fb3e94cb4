import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { testToken } from '../support/test-auth';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

/** Set UPDATE_SCREENSHOTS=1 to refresh the README's screenshots in docs/screenshots/. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.resolve(__dirname, '../../docs/screenshots') : undefined;

const INGEST = `mutation($source: String!, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) { results { ... on IngestAccepted { profileId } } } }`;
const at = (minute: number) => new Date(Date.parse('2026-11-02T09:00:00Z') + minute * 60_000).toISOString();

describe("the stewards' console in a real browser", () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let base: string;
  const ingest = async (source: string, records: unknown[]) =>
    (await graphql(hub.url, INGEST, { source, records })).data!.ingest.results as { profileId: string }[];

  beforeAll(async () => {
    hub = await startTestHub();
    base = hub.url.replace('/graphql', '');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });
  afterEach(async () => page?.close());

  async function signIn(scopes: string[]): Promise<void> {
    await page.goto(`${base}/console/`);
    await page.getByLabel('Access token').fill(await testToken(scopes, { subject: 'steward-anna' }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('steward-anna').waitFor();
  }

  it('asks for a token first, and explains a refused one', async () => {
    await page.goto(`${base}/console/`);
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // An unreadable token never leaves the sign-in screen, and the steward is told why.
    await page.getByRole('alert').filter({ hasText: 'not an access token' }).waitFor();
    expect(await page.getByRole('link', { name: 'Merge queue' }).count()).toBe(0);
    const expired = await testToken(['profiles:read', 'steward'], { expiresIn: -3600 });
    await page.getByLabel('Access token').fill(expired);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'TOKEN_EXPIRED' }).waitFor();
  });

  it('works a merge candidate: both profiles side by side with the evidence, approved with a key, merged in the hub', async () => {
    // The same name with a slip in the surname at the same postal code, with another email: the review band.
    const [a] = await ingest('salesforce', [
      {
        externalId: 'sf-tomasz',
        updatedAt: at(0),
        attributes: {
          firstName: 'Tomasz',
          lastName: 'Wójcik',
          email: 'tomasz.w@example.com',
          address: { city: 'Poznań', postalCode: '60-101', country: 'PL' },
        },
      },
    ]);
    const [b] = await ingest('hubspot', [
      {
        externalId: 'hs-tomek',
        updatedAt: at(1),
        attributes: {
          firstName: 'Tomasz',
          lastName: 'Wójcyk',
          birthDate: '1988-03-07',
          email: 'tw88@example.org',
          address: { city: 'Poznan', postalCode: '60-101', country: 'PL' },
        },
      },
    ]);
    expect(b.profileId).not.toBe(a.profileId);

    await signIn(['profiles:read', 'pii:read', 'steward']);
    const candidate = page.getByRole('region', { name: 'Candidate' });
    await candidate.getByText('tomasz.w@example.com').waitFor();
    await candidate.getByText('tw88@example.org').waitFor();
    // Each comparison with its weight, and the total.
    const evidence = candidate.locator('table.evidence');
    await evidence.getByRole('cell', { name: 'name', exact: true }).waitFor();
    expect(await evidence.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await candidate.getByTestId('score').textContent()).toMatch(/^-?\d+\.\d\d$/);
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'merge-queue.png') });

    await page.keyboard.press('a');
    await page.getByRole('status').filter({ hasText: 'Merged' }).waitFor();
    await page.getByRole('heading', { name: 'No merge candidates waiting' }).waitFor();

    // The hub agrees: both ids are one profile now, merged by this steward.
    const check = await graphql(
      hub.url,
      `
        query ($a: ID!, $b: ID!) {
          a: profile(id: $a) {
            id
            sourceRecords {
              externalId
            }
            mergeHistory {
              actor
              kind
            }
          }
          b: profile(id: $b) {
            id
          }
        }
      `,
      { a: a.profileId, b: b.profileId },
    );
    expect(check.data!.a.id).toBe(check.data!.b.id);
    expect(check.data!.a.sourceRecords.map((r: { externalId: string }) => r.externalId).sort()).toEqual([
      'hs-tomek',
      'sf-tomasz',
    ]);
    expect(check.data!.a.mergeHistory[0]).toMatchObject({ kind: 'merge', actor: 'steward-anna' });
  });

  it('works a conflict: each system value with its lineage, one chosen, pinned in the hub', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003B',
        updatedAt: at(0),
        attributes: { email: 'piotr@example.com', firstName: 'Piotr', lastName: 'Zieliński' },
      },
    ]);
    await ingest('hubspot', [
      {
        externalId: '502',
        updatedAt: at(1),
        attributes: { email: 'piotr@example.com', firstName: 'Piotr', lastName: 'Zieliński' },
      },
    ]);
    // Both systems change the phone within the conflict window.
    await ingest('salesforce', [{ externalId: '003B', updatedAt: at(30), attributes: { phone: '+48 600 100 200' } }]);
    await ingest('hubspot', [{ externalId: '502', updatedAt: at(33), attributes: { phone: '+48 600 100 300' } }]);

    await signIn(['profiles:read', 'pii:read', 'steward']);
    await page.getByRole('link', { name: 'Conflicts' }).click();
    const card = page.getByRole('article', { name: 'Conflict on phone' });
    await card.getByText('+48600100200').waitFor();
    await card.getByText('+48600100300').waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'conflicts.png') });
    await card.getByRole('button', { name: "Use salesforce's value" }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved' }).waitFor();
    await card.waitFor({ state: 'detached' });

    const check = await graphql(
      hub.url,
      `
        query ($id: ID!) {
          profile(id: $id) {
            phone
            conflicts {
              id
            }
            field(name: "phone") {
              pinned
              source
            }
          }
        }
      `,
      { id: crm.profileId },
    );
    expect(check.data!.profile).toMatchObject({ phone: '+48600100200', conflicts: [], field: { pinned: true } });

    // The profile page shows the pin and where the value came from.
    await page.goto(`${base}/console/#/profiles/${crm.profileId}`);
    const fields = page.getByRole('region', { name: 'Golden fields' });
    const phone = fields.getByRole('row').filter({ hasText: '+48600100200' });
    await phone.getByText('pinned').waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'profile.png'), fullPage: true });
  });

  it('finds a person by name and shows no personal data to a token without pii:read', async () => {
    await ingest('salesforce', [
      {
        externalId: 'mask-1',
        updatedAt: at(0),
        attributes: { firstName: 'Greta', lastName: 'Lindqvist', email: 'greta@example.se' },
      },
    ]);
    await signIn(['profiles:read', 'steward']);
    await page.getByText('Personal data is masked').waitFor();
    // Names are masked in what comes back, but the search itself still finds the person.
    await page.goto(`${base}/console/#/search?q=lindq`);
    const results = page.locator('table.results tbody tr');
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/masked:[0-9a-f]{16}/);
    expect(text).not.toMatch(/Greta|Lindqvist|greta@example\.se/);
  });

  it('shows a segment live: a profile that starts to match appears without reloading', async () => {
    const define = await graphql(
      hub.url,
      `
        mutation ($rule: JSON!) {
          defineSegment(key: "swedes", name: "Customers in Sweden", rule: $rule) {
            __typename
            ... on InvalidSegmentRule {
              code
              message
              path
            }
          }
        }
      `,
      { rule: { field: 'address.country', op: 'eq', value: 'SE' } },
    );
    expect(define.data!.defineSegment).toEqual({ __typename: 'SegmentDefined' });
    await signIn(['profiles:read', 'pii:read']);
    await page.goto(`${base}/console/#/segments/swedes`);
    await page.getByText('● live').waitFor();
    const before = Number(await page.getByTestId('segment-size').textContent());
    await ingest('salesforce', [
      {
        externalId: 'se-1',
        updatedAt: at(5),
        attributes: { firstName: 'Sven', lastName: 'Berg', address: { country: 'SE' } },
      },
    ]);
    await page
      .getByTestId('segment-size')
      .filter({ hasText: String(before + 1) })
      .waitFor();
    await page.getByRole('region', { name: 'Recent entries and exits' }).getByText('entered').first().waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'segment.png') });
  });
});
