import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

/**
 * Webhook authenticity across every adapter, on one hub with every secret configured and an empty database:
 * forged, tampered, replayed-late or misdirected requests are refused with a coded 401, kept raw as dead letters,
 * change nothing, and are never replayed. The adapters' own files test the accepted cases in depth; here each one
 * also gets a correctly authenticated request last, to show the refusals were not a misconfiguration.
 */

const ADAPTERS = join(__dirname, '../../../src/ingest/adapters');
const fixture = (adapter: string, name: string): string =>
  readFileSync(join(ADAPTERS, adapter, 'fixtures', name), 'utf8');

const HUBSPOT_SECRET = 'hubspot-authenticity-client-secret';
const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_KEY = sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const MAILCHIMP_SECRET = 'mailchimp-authenticity-url-secret';
const MARKETO_TOKEN = 'marketo-authenticity-token';
const DYNAMICS_KEY = 'dynamics-authenticity-key';
const SALESFORCE_TOKEN = 'salesforce-authenticity-token';
const SALESFORCE_ORG = '00D5f000000KvQpEAK';

const REPLAY = `
  mutation($filter: ReplayDeadLettersInput) {
    replayDeadLetters(filter: $filter) { replayed failed skipped }
  }`;

let hub: TestHub;
let base: string;

beforeAll(async () => {
  hub = await startTestHub({
    HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    SENDGRID_VERIFICATION_KEY: SENDGRID_KEY,
    MAILCHIMP_WEBHOOK_SECRET: MAILCHIMP_SECRET,
    MARKETO_WEBHOOK_TOKEN: MARKETO_TOKEN,
    DYNAMICS_WEBHOOK_KEY: DYNAMICS_KEY,
    SALESFORCE_WEBHOOK_TOKEN: SALESFORCE_TOKEN,
    SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG,
  });
  base = hub.url.replace('/graphql', '');
});
afterAll(async () => {
  await hub?.stop();
});

const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
  hub.db.dataSource.query(sql, params) as Promise<T[]>;

/** What processing a record would leave behind, per source. */
async function traces(source: string) {
  const [row] = await query<{ records: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM source_record WHERE source = $1) AS records,
            (SELECT count(*)::int FROM change_event) AS events`,
    [source],
  );
  return row;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function postWebhook(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/**
 * Sends each refused request, then checks: 401 with the code, the raw body kept as a dead letter with that
 * code, no record and no change event, and a replay of the source's dead letters skips them all.
 */
async function expectRefused(
  source: string,
  cases: { name: string; send: () => Promise<Answer>; code: string; body: string }[],
): Promise<void> {
  const before = await traces(source);
  for (const { name, send, code, body } of cases) {
    const answer = await send();
    expect({ name, status: answer.status }).toEqual({ name, status: 401 });
    expect({ name, text: answer.text }).toEqual({ name, text: expect.stringContaining(code) });
    const letters = await query(
      `SELECT raw_payload, transport FROM dead_letter
        WHERE source = $1 AND error_code = $2 ORDER BY created_at DESC LIMIT 1`,
      [source, code],
    );
    expect({ name, letters }).toEqual({ name, letters: [{ raw_payload: body, transport: 'webhook' }] });
  }
  expect(await traces(source)).toEqual(before);
  const replay = await graphql(hub.url, REPLAY, { filter: { source } });
  expect(replay.errors).toBeUndefined();
  expect(replay.data!.replayDeadLetters).toEqual({ replayed: 0, failed: 0, skipped: cases.length });
  expect(await traces(source)).toEqual(before);
}

async function expectProcessed(source: string, send: () => Promise<Answer>): Promise<void> {
  const before = await traces(source);
  const answer = await send();
  expect(answer.status).toBe(200);
  expect((await traces(source)).records).toBeGreaterThan(before.records);
}

describe('HubSpot v3 signatures', () => {
  const body = fixture('hubspot', 'contact-events.json');
  const url = () => `${base}/webhooks/hubspot`;
  const signature = (
    method: string,
    signedUrl: string,
    signedBody: string,
    timestamp: number,
    secret = HUBSPOT_SECRET,
  ) => createHmac('sha256', secret).update(`${method}${signedUrl}${signedBody}${timestamp}`).digest('base64');
  const send = (sentBody: string, sig: string, timestamp: number) => () =>
    postWebhook('/webhooks/hubspot', sentBody, {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': sig,
      'x-hubspot-request-timestamp': String(timestamp),
    });

  it('refuses a changed body, another URL or method, a moved or far-off timestamp; takes a signed one', async () => {
    const now = Date.now();
    const tampered = body.replace('"Ann"', '"Mallory"');
    await expectRefused('hubspot', [
      {
        name: 'body changed',
        send: send(tampered, signature('POST', url(), body, now), now),
        code: 'INVALID_SIGNATURE',
        body: tampered,
      },
      {
        name: 'signed for another URL',
        send: send(body, signature('POST', `${url()}?portal=1`, body, now), now),
        code: 'INVALID_SIGNATURE',
        body,
      },
      {
        name: 'signed as GET',
        send: send(body, signature('GET', url(), body, now), now),
        code: 'INVALID_SIGNATURE',
        body,
      },
      {
        name: 'timestamp header moved',
        send: send(body, signature('POST', url(), body, now), now + 1000),
        code: 'INVALID_SIGNATURE',
        body,
      },
      {
        name: 'six minutes old',
        send: send(body, signature('POST', url(), body, now - 360_000), now - 360_000),
        code: 'STALE_SIGNATURE',
        body,
      },
      {
        name: 'six minutes ahead',
        send: send(body, signature('POST', url(), body, now + 360_000), now + 360_000),
        code: 'STALE_SIGNATURE',
        body,
      },
    ]);
    // One instant for both: two Date.now() calls a millisecond apart sign a timestamp the header does not carry.
    const at = Date.now();
    await expectProcessed('hubspot', send(body, signature('POST', url(), body, at), at));
  });
});

describe('SendGrid ECDSA signatures', () => {
  const body = fixture('sendgrid', 'events.json');
  const signed = (signedBody: string, timestamp: number, key = sendgrid.privateKey) =>
    sign('sha256', Buffer.from(`${timestamp}${signedBody}`), key).toString('base64');
  const send = (sentBody: string, signature: string, timestamp: number) => () =>
    postWebhook('/webhooks/sendgrid', sentBody, {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    });

  it('refuses a changed body or timestamp, a signature of the body alone, a stale one; takes a signed one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tampered = body.replace(/"event": ?"open"/, '"event":"unsubscribe"');
    expect(tampered).not.toBe(body);
    await expectRefused('sendgrid', [
      { name: 'body changed', send: send(tampered, signed(body, now), now), code: 'INVALID_SIGNATURE', body: tampered },
      { name: 'timestamp moved', send: send(body, signed(body, now), now - 1), code: 'INVALID_SIGNATURE', body },
      {
        name: 'body signed without the timestamp',
        send: send(body, sign('sha256', Buffer.from(body), sendgrid.privateKey).toString('base64'), now),
        code: 'INVALID_SIGNATURE',
        body,
      },
      { name: 'ten minutes old', send: send(body, signed(body, now - 600), now - 600), code: 'STALE_SIGNATURE', body },
    ]);
    const at = Math.floor(Date.now() / 1000);
    await expectProcessed('sendgrid', send(body, signed(body, at), at));
  });
});

describe('secret URL tokens and keys (vendors that sign nothing)', () => {
  it('Mailchimp: refuses a guessed token, one differing in case or length, one in the wrong parameter', async () => {
    const body = fixture('mailchimp', 'subscribe.txt');
    const send = (query: string) => () =>
      postWebhook(`/webhooks/mailchimp${query}`, body, { 'content-type': 'application/x-www-form-urlencoded' });
    await expectRefused('mailchimp', [
      { name: 'guessed', send: send('?token=guess'), code: 'INVALID_SIGNATURE', body },
      { name: 'other case', send: send(`?token=${MAILCHIMP_SECRET.toUpperCase()}`), code: 'INVALID_SIGNATURE', body },
      { name: 'prefix', send: send(`?token=${MAILCHIMP_SECRET.slice(0, -1)}`), code: 'INVALID_SIGNATURE', body },
      { name: 'wrong parameter', send: send(`?secret=${MAILCHIMP_SECRET}`), code: 'MISSING_SIGNATURE', body },
    ]);
    await expectProcessed('mailchimp', send(`?token=${MAILCHIMP_SECRET}`));
  });

  it('Marketo: refuses a wrong token, also when the header is wrong and the URL right (the header decides)', async () => {
    const body = fixture('marketo', 'leads.json');
    const send =
      (headers: Record<string, string>, query = '') =>
      () =>
        postWebhook(`/webhooks/marketo${query}`, body, { 'content-type': 'application/json', ...headers });
    await expectRefused('marketo', [
      { name: 'none', send: send({}), code: 'MISSING_SIGNATURE', body },
      { name: 'wrong header', send: send({ 'x-hub-token': `${MARKETO_TOKEN}x` }), code: 'INVALID_SIGNATURE', body },
      {
        name: 'wrong header, right URL',
        send: send({ 'x-hub-token': 'guess' }, `?token=${MARKETO_TOKEN}`),
        code: 'INVALID_SIGNATURE',
        body,
      },
    ]);
    await expectProcessed('marketo', send({ 'x-hub-token': MARKETO_TOKEN }));
  });

  it('keeps only the first 64 KiB of a large unauthenticated body, with its length and digest', async () => {
    const big = JSON.stringify({ result: [{ id: 1, email: 'x@example.com', padding: 'x'.repeat(1_000_000) }] });
    const answer = await postWebhook('/webhooks/marketo?token=wrong', big, { 'content-type': 'application/json' });
    expect(answer.status).toBe(401);
    const [letter] = await query<{ length: number; error_message: string }>(
      `SELECT length(raw_payload)::int AS length, error_message FROM dead_letter
        WHERE source = 'marketo' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(letter.length).toBe(65_536);
    expect(letter.error_message).toContain(`of ${big.length} characters kept, sha256`);
  });

  it('Dynamics 365: refuses a wrong WebhookKey or HttpHeader key', async () => {
    const body = fixture('dynamics', 'contact-create.json');
    const send =
      (headers: Record<string, string>, query = '') =>
      () =>
        postWebhook(`/webhooks/dynamics${query}`, body, { 'content-type': 'application/json', ...headers });
    await expectRefused('dynamics', [
      { name: 'none', send: send({}), code: 'MISSING_SIGNATURE', body },
      { name: 'wrong ?code=', send: send({}, '?code=guess'), code: 'INVALID_SIGNATURE', body },
      { name: 'wrong header', send: send({ 'x-hub-token': DYNAMICS_KEY.slice(1) }), code: 'INVALID_SIGNATURE', body },
    ]);
    await expectProcessed('dynamics', send({}, `?code=${DYNAMICS_KEY}`));
  });
});

describe('Salesforce: URL token and organisation id', () => {
  const xml = fixture('salesforce', 'outbound-message-contacts.xml');
  const cdc = fixture('salesforce', 'cdc-contact-create.json');
  const soap = (body: string, token: string | null) => () =>
    postWebhook(`/webhooks/salesforce${token === null ? '' : `?token=${token}`}`, body, {
      'content-type': 'text/xml; charset=utf-8',
    });
  const relay = (body: string, token: string | null) => () =>
    postWebhook(`/webhooks/salesforce${token === null ? '' : `?token=${token}`}`, body, {
      'content-type': 'application/json',
    });

  it('refuses an Outbound Message without the token or from another organisation (SOAP fault), a relay without the token', async () => {
    expect(xml).toContain(SALESFORCE_ORG);
    const otherOrg = xml.replace(SALESFORCE_ORG, '00D5f000000XyZaEAC');
    const noOrg = xml.replace(/<OrganizationId>.*<\/OrganizationId>/, '');
    await expectRefused('salesforce', [
      { name: 'Outbound Message, no token', send: soap(xml, null), code: 'MISSING_SIGNATURE', body: xml },
      { name: 'Outbound Message, wrong token', send: soap(xml, 'guess'), code: 'INVALID_SIGNATURE', body: xml },
      {
        name: 'Outbound Message, other org',
        send: soap(otherOrg, SALESFORCE_TOKEN),
        code: 'INVALID_SIGNATURE',
        body: otherOrg,
      },
      {
        name: 'CDC relay, wrong token',
        send: relay(cdc, `${SALESFORCE_TOKEN}0`),
        code: 'INVALID_SIGNATURE',
        body: cdc,
      },
      { name: 'Outbound Message, no org', send: soap(noOrg, SALESFORCE_TOKEN), code: 'MISSING_SIGNATURE', body: noOrg },
    ]);
    const refused = await soap(otherOrg, SALESFORCE_TOKEN)();
    expect(refused.contentType).toMatch(/^text\/xml/);
    expect(refused.text).toContain('<soapenv:Fault>');
    await expectProcessed('salesforce', soap(xml, SALESFORCE_TOKEN));
  });
});
