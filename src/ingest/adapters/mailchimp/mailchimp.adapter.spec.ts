import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { mailchimpAdapter } from './mailchimp.adapter';
import { parseFormBody } from './parse';

const TOKEN = 'mc-3f9a1c7e5b';
const SETTINGS: AdapterSettings = { secrets: { MAILCHIMP_WEBHOOK_SECRET: TOKEN } };
const NOW = new Date('2025-11-05T12:00:00.000Z');

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function request(body: string, overrides: Partial<InboundRequest> = {}): InboundRequest {
  return {
    method: 'POST',
    url: `/webhooks/mailchimp?token=${TOKEN}`,
    publicUrl: `https://hub.example.com/webhooks/mailchimp?token=${TOKEN}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailChimp' },
    query: { token: TOKEN },
    rawBody: Buffer.from(body),
    receivedAt: NOW,
    ...overrides,
  };
}

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

const toRecords = (body: string, settings: AdapterSettings = SETTINGS) =>
  mailchimpAdapter.toRecords(request(body), settings);

const LIST = 'a6b5da1054';
const ANN = `${LIST}:ann.example@example.com`;

describe('mailchimp adapter: shared token', () => {
  it('accepts the secret in ?token= or in the x-hub-token header', () => {
    expect(refusal(() => mailchimpAdapter.verify(request(''), SETTINGS))).toBe('ACCEPTED');
    const byHeader = request('', { query: {}, headers: { 'x-hub-token': TOKEN } });
    expect(refusal(() => mailchimpAdapter.verify(byHeader, SETTINGS))).toBe('ACCEPTED');
  });

  it('refuses a request without the token, with a wrong one, and everything while unconfigured', () => {
    expect(refusal(() => mailchimpAdapter.verify(request('', { query: {} }), SETTINGS))).toBe('MISSING_SIGNATURE');
    expect(refusal(() => mailchimpAdapter.verify(request('', { query: { token: 'guess' } }), SETTINGS))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(refusal(() => mailchimpAdapter.verify(request('', { query: { token: `${TOKEN}x` } }), SETTINGS))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(mailchimpAdapter.secretNames).toEqual(['MAILCHIMP_WEBHOOK_SECRET']);
    expect(refusal(() => mailchimpAdapter.verify(request(''), { secrets: {} }))).toBe('NOT_CONFIGURED');
  });
});

describe('mailchimp adapter: form bodies', () => {
  it('reads bracketed keys into nested objects', () => {
    expect(parseFormBody(fixture('subscribe.txt'))).toEqual({
      type: 'subscribe',
      fired_at: '2025-11-01 12:35:57',
      data: {
        id: '8a25ff1d98',
        list_id: LIST,
        email: 'Ann.Example@example.com',
        email_type: 'html',
        merges: { EMAIL: 'Ann.Example@example.com', FNAME: 'Ann', LNAME: 'Example', INTERESTS: 'Group1,Group2' },
        ip_opt: '10.20.10.30',
        ip_signup: '10.20.10.30',
      },
    });
  });

  it('appends empty brackets, keeps the first of conflicting keys and drops prototype keys', () => {
    const form = parseFormBody(
      'a[]=x&a[]=y&b=1&b[c]=2&d[e]=3&d=4&__proto__[polluted]=1&f[constructor][prototype][p]=1&g[h][i]=5',
    );
    expect(form).toEqual({ a: { '0': 'x', '1': 'y' }, b: '1', d: { e: '3' }, g: { h: { i: '5' } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bodies that are empty, JSON, or lack type, fired_at or data', () => {
    expect(refusal(() => toRecords(''))).toBe('MALFORMED_PAYLOAD');
    expect(refusal(() => toRecords('{"type":"subscribe"}'))).toBe('MALFORMED_PAYLOAD');
    expect(refusal(() => toRecords('fired_at=2025-11-01+12%3A35%3A57&data[email]=a%40example.com'))).toBe(
      'MALFORMED_PAYLOAD',
    );
    expect(refusal(() => toRecords('type=subscribe&fired_at=yesterday&data[email]=a%40example.com'))).toBe(
      'MALFORMED_PAYLOAD',
    );
    const february30 = fixture('subscribe.txt').replace('2025-11-01+12%3A35%3A57', '2025-02-30+12%3A00%3A00');
    expect(refusal(() => toRecords(february30))).toBe('MALFORMED_PAYLOAD');
    const month13 = fixture('subscribe.txt').replace('2025-11-01', '2025-13-01');
    expect(refusal(() => toRecords(month13))).toBe('MALFORMED_PAYLOAD');
    expect(refusal(() => toRecords('type=subscribe&fired_at=2025-11-01+12%3A35%3A57'))).toBe('MALFORMED_PAYLOAD');
    const noEmail = fixture('subscribe.txt').replace(/&data%5Bemail%5D=[^&]*/, '');
    expect(refusal(() => toRecords(noEmail))).toBe('MALFORMED_PAYLOAD');
  });
});

describe('mailchimp adapter: events', () => {
  it('turns a subscribe into the member profile and a granted consent with the opt-in evidence', () => {
    const { records, rejected } = toRecords(fixture('subscribe.txt'));
    expect(rejected).toEqual([]);
    const eventId = records[0].eventId as string;
    expect(eventId).toMatch(/^subscribe:a6b5da1054:8a25ff1d98:20251101T123557Z:[0-9a-f]{16}$/);
    expect(records).toEqual([
      {
        source: 'mailchimp',
        externalId: ANN,
        objectType: 'member',
        updatedAt: '2025-11-01T12:35:57.000Z',
        eventId,
        attributes: {
          email: 'Ann.Example@example.com',
          firstName: 'Ann',
          lastName: 'Example',
          custom: { 'mailchimp.INTERESTS': 'Group1,Group2' },
        },
      },
      {
        source: 'mailchimp',
        externalId: ANN,
        objectType: 'member',
        updatedAt: '2025-11-01T12:35:57.000Z',
        eventId: `${eventId}:status`,
        attributes: { email: 'Ann.Example@example.com' },
        consents: [
          {
            purpose: 'email_marketing',
            channel: 'email',
            status: 'granted',
            legalBasis: 'consent',
            capturedAt: '2025-11-01T12:35:57.000Z',
            contactPoint: 'ann.example@example.com',
            evidence: { listId: LIST, memberId: '8a25ff1d98', ipOpt: '10.20.10.30', ipSignup: '10.20.10.30' },
          },
        ],
      },
    ]);
  });

  it('turns an unsubscribe into a withdrawn consent and an unsubscribed event', () => {
    const { records } = toRecords(fixture('unsubscribe.txt'));
    const status = records[1];
    expect(status.consents).toEqual([
      expect.objectContaining({
        status: 'withdrawn',
        capturedAt: '2025-11-03T09:40:57.000Z',
        evidence: { reason: 'manual', action: 'unsub', listId: LIST, memberId: '8a25ff1d98', campaignId: 'cb398d21d2' },
      }),
    ]);
    expect(status.events).toEqual([
      {
        id: records[0].eventId,
        type: 'unsubscribed',
        occurredAt: '2025-11-03T09:40:57.000Z',
        properties: { listId: LIST, campaignId: 'cb398d21d2', action: 'unsub', reason: 'manual' },
      },
    ]);
    expect(status).not.toHaveProperty('deleted');
  });

  it('records an abuse unsubscribe as a spam complaint', () => {
    const [, status] = toRecords(fixture('unsubscribe-abuse.txt')).records;
    expect(status.consents).toEqual([
      expect.objectContaining({ status: 'withdrawn', evidence: expect.objectContaining({ reason: 'abuse' }) }),
    ]);
    expect(status.events).toEqual([expect.objectContaining({ type: 'email_spam_report' })]);
  });

  it('tombstones a member deleted from the audience', () => {
    const deleted = fixture('unsubscribe.txt').replace('data%5Baction%5D=unsub', 'data%5Baction%5D=delete');
    const [, status] = toRecords(deleted).records;
    expect(status).toMatchObject({ deleted: true, deleteReason: 'deleted', consents: [{ status: 'withdrawn' }] });
  });

  it('patches the profile with the merge fields, leaving empty ones alone', () => {
    const { records } = toRecords(fixture('profile.txt'));
    expect(records).toEqual([
      expect.objectContaining({
        externalId: ANN,
        updatedAt: '2025-11-02T08:31:21.000Z',
        attributes: {
          email: 'Ann.Example@example.com',
          firstName: 'Anna',
          custom: { 'mailchimp.INTERESTS': 'Group1' },
        },
      }),
    ]);
    expect(records[0]).not.toHaveProperty('consents');
  });

  it('moves the member to the new address on upemail, linked to the record of the old one', () => {
    const { records } = toRecords(fixture('upemail.txt'));
    expect(records).toEqual([
      {
        source: 'mailchimp',
        externalId: `${LIST}:ann.new@example.com`,
        objectType: 'member',
        updatedAt: '2025-11-04T10:15:09.000Z',
        eventId: expect.stringMatching(/^upemail:a6b5da1054:51da8c3259:20251104T101509Z:[0-9a-f]{16}$/),
        attributes: { email: 'ann.new@example.com' },
        links: [{ source: 'mailchimp', externalId: ANN }],
      },
    ]);
    const unchanged = fixture('upemail.txt').replace('ann.new%40example.com', 'ANN.EXAMPLE%40example.com');
    expect(toRecords(unchanged)).toEqual({
      records: [],
      skipped: [{ index: 0, reason: 'the address did not change' }],
    });
  });

  it('records a cleaned address as a bounce, not as an opt-out', () => {
    const { records } = toRecords(fixture('cleaned.txt'));
    expect(records).toEqual([
      expect.objectContaining({
        externalId: `${LIST}:bo.sample@example.org`,
        attributes: { email: 'bo.sample@example.org' },
        events: [
          {
            id: expect.stringMatching(/^cleaned:a6b5da1054:[0-9a-f]{12}:20251105T110100Z:[0-9a-f]{16}$/),
            type: 'email_bounced',
            occurredAt: '2025-11-05T11:01:00.000Z',
            properties: { listId: LIST, reason: 'hard', campaignId: '4fjk2ma9xd' },
          },
        ],
      }),
    ]);
    expect(records[0]).not.toHaveProperty('consents');
  });

  it('skips campaign events and unknown types with a reason', () => {
    expect(toRecords(fixture('campaign.txt'))).toEqual({
      records: [],
      skipped: [{ index: 0, reason: expect.stringContaining('campaign') }],
    });
    expect(toRecords('type=poke&fired_at=2025-11-05+11%3A31%3A21&data[list_id]=a6b5da1054').skipped).toEqual([
      { index: 0, reason: 'Mailchimp event type "poke" is not supported' },
    ]);
  });

  it('gives a re-delivery the same eventIds and different changes different ones', () => {
    const body = fixture('profile.txt');
    const ids = (text: string) => toRecords(text).records.map((r) => r.eventId);
    expect(ids(body)).toEqual(ids(body));
    const sameSecond = body.replace('FNAME%5D=Anna', 'FNAME%5D=Annie');
    expect(ids(sameSecond)).not.toEqual(ids(body));
    const later = body.replace('08%3A31%3A21', '08%3A31%3A22');
    expect(ids(later)).not.toEqual(ids(body));
    const all = [
      'subscribe.txt',
      'unsubscribe.txt',
      'unsubscribe-abuse.txt',
      'profile.txt',
      'upemail.txt',
      'cleaned.txt',
    ].flatMap((name) => ids(fixture(name)));
    expect(new Set(all).size).toBe(all.length);
  });

  it('applies the deployment mapping; a merge value it rejects does not cost the consent', () => {
    const cleared = toRecords(fixture('profile.txt'), { ...SETTINGS, mapping: { fields: {}, emptyAs: 'null' } });
    expect(cleared.records[0].attributes).toMatchObject({ lastName: null });

    const withBirthday = fixture('subscribe.txt') + '&data%5Bmerges%5D%5BBIRTHDAY%5D=13%2F45';
    const settings: AdapterSettings = {
      ...SETTINGS,
      mapping: { fields: { BIRTHDAY: { path: 'custom.birthday', format: 'date:MM/DD/YYYY' } } },
    };
    const { records, rejected } = toRecords(withBirthday, settings);
    expect(rejected).toEqual([
      { index: 0, code: 'INVALID_DATE', message: expect.stringContaining('BIRTHDAY'), path: '$.data.merges.BIRTHDAY' },
    ]);
    expect(records).toEqual([expect.objectContaining({ consents: [expect.objectContaining({ status: 'granted' })] })]);
  });

  it('produces records the canonical validator accepts, for every fixture', () => {
    for (const name of ['subscribe.txt', 'unsubscribe.txt', 'unsubscribe-abuse.txt', 'profile.txt', 'upemail.txt']) {
      for (const record of toRecords(fixture(name)).records) {
        expect({ name, result: validateCanonicalRecord(record, 'mailchimp', NOW) }).toEqual({
          name,
          result: expect.objectContaining({ ok: true }),
        });
      }
    }
    for (const record of toRecords(fixture('cleaned.txt')).records) {
      expect(validateCanonicalRecord(record, 'mailchimp', NOW).ok).toBe(true);
    }
  });
});
