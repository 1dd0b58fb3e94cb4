import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type InboundRequest } from '../adapter';
import { sendgridAdapter } from './sendgrid.adapter';
import { MAX_SIGNATURE_AGE_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify';

const FIXTURE = readFileSync(join(__dirname, 'fixtures', 'events.json'));
const NOW = new Date('2026-01-02T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

function keyPair(): { privateKey: KeyObject; verificationKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, verificationKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

const { privateKey, verificationKey } = keyPair();
const settings = { secrets: { SENDGRID_VERIFICATION_KEY: verificationKey } };

function signed(body: Buffer | string, options: { timestamp?: number; key?: KeyObject } = {}): InboundRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const timestamp = String(options.timestamp ?? NOW_S);
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), rawBody]), options.key ?? privateKey);
  return request(rawBody, { [SIGNATURE_HEADER]: signature.toString('base64'), [TIMESTAMP_HEADER]: timestamp });
}

function request(rawBody: Buffer, headers: Record<string, string> = {}, receivedAt = NOW): InboundRequest {
  return {
    method: 'POST',
    url: '/webhooks/sendgrid',
    publicUrl: 'https://hub.example.com/webhooks/sendgrid',
    headers: { 'content-type': 'application/json', ...headers },
    query: {},
    rawBody,
    receivedAt,
  };
}

function refusal(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error('expected an AdapterError');
}

function recordsOf(body: unknown) {
  return sendgridAdapter.toRecords(signed(JSON.stringify(body)), settings);
}

describe('sendgrid adapter: signature', () => {
  it('accepts a body signed with the verification key', () => {
    expect(() => sendgridAdapter.verify(signed(FIXTURE), settings)).not.toThrow();
  });

  it("verifies SendGrid's own published test vector", () => {
    // From sendgrid-nodejs packages/eventwebhook (the documented key, signature and payload).
    const payload = JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' });
    const req = request(
      Buffer.from(payload),
      {
        [SIGNATURE_HEADER]:
          'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
        [TIMESTAMP_HEADER]: '1588788367',
      },
      new Date(1588788367_000 + 10_000),
    );
    const key =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
    expect(() => sendgridAdapter.verify(req, { secrets: { SENDGRID_VERIFICATION_KEY: key } })).not.toThrow();
  });

  it('also accepts the key as PEM', () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${verificationKey}\n-----END PUBLIC KEY-----\n`;
    expect(() =>
      sendgridAdapter.verify(signed(FIXTURE), { secrets: { SENDGRID_VERIFICATION_KEY: pem } }),
    ).not.toThrow();
  });

  it('refuses a request without the signature or the timestamp header (MISSING_SIGNATURE)', () => {
    const good = signed(FIXTURE);
    for (const drop of [SIGNATURE_HEADER, TIMESTAMP_HEADER]) {
      const headers = { ...good.headers };
      delete headers[drop];
      const error = refusal(() => sendgridAdapter.verify({ ...good, headers }, settings));
      expect(error.code).toBe('MISSING_SIGNATURE');
      expect(error.status).toBe(401);
    }
  });

  it('refuses a signature from another key, a changed body or a changed timestamp (INVALID_SIGNATURE)', () => {
    const other = keyPair().privateKey;
    expect(refusal(() => sendgridAdapter.verify(signed(FIXTURE, { key: other }), settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    const good = signed(FIXTURE);
    const tampered = Buffer.from(FIXTURE.toString().replace('ann.example', 'eve.example'));
    expect(refusal(() => sendgridAdapter.verify({ ...good, rawBody: tampered }, settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    const shifted = { ...good.headers, [TIMESTAMP_HEADER]: String(NOW_S - 1) };
    expect(refusal(() => sendgridAdapter.verify({ ...good, headers: shifted }, settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    const garbage = { ...good.headers, [SIGNATURE_HEADER]: 'bm90IGEgc2lnbmF0dXJl' };
    expect(refusal(() => sendgridAdapter.verify({ ...good, headers: garbage }, settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    const notTime = { ...good.headers, [TIMESTAMP_HEADER]: 'yesterday' };
    expect(refusal(() => sendgridAdapter.verify({ ...good, headers: notTime }, settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('refuses a correctly signed request older or newer than five minutes (STALE_SIGNATURE)', () => {
    const old = refusal(() =>
      sendgridAdapter.verify(signed(FIXTURE, { timestamp: NOW_S - MAX_SIGNATURE_AGE_SECONDS - 1 }), settings),
    );
    expect(old.code).toBe('STALE_SIGNATURE');
    expect(old.status).toBe(401);
    const future = refusal(() =>
      sendgridAdapter.verify(signed(FIXTURE, { timestamp: NOW_S + MAX_SIGNATURE_AGE_SECONDS + 1 }), settings),
    );
    expect(future.code).toBe('STALE_SIGNATURE');
    expect(() =>
      sendgridAdapter.verify(signed(FIXTURE, { timestamp: NOW_S - MAX_SIGNATURE_AGE_SECONDS + 5 }), settings),
    ).not.toThrow();
  });

  it('accepts nothing without a verification key, or with one that is not a P-256 key (NOT_CONFIGURED)', () => {
    const missing = refusal(() => sendgridAdapter.verify(signed(FIXTURE), { secrets: {} }));
    expect(missing.code).toBe('NOT_CONFIGURED');
    expect(missing.status).toBe(503);
    expect(
      refusal(() => sendgridAdapter.verify(signed(FIXTURE), { secrets: { SENDGRID_VERIFICATION_KEY: 'bm9wZQ==' } }))
        .code,
    ).toBe('NOT_CONFIGURED');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' });
    expect(
      refusal(() =>
        sendgridAdapter.verify(signed(FIXTURE), { secrets: { SENDGRID_VERIFICATION_KEY: rsa.toString('base64') } }),
      ).code,
    ).toBe('NOT_CONFIGURED');
  });

  it('declares its secret', () => {
    expect(sendgridAdapter.key).toBe('sendgrid');
    expect(sendgridAdapter.secretNames).toEqual(['SENDGRID_VERIFICATION_KEY']);
  });
});

describe('sendgrid adapter: events → canonical records', () => {
  const output = sendgridAdapter.toRecords(signed(FIXTURE), settings);
  const byType = (event: string) => {
    const index = (JSON.parse(FIXTURE.toString()) as { event: string }[]).findIndex((e) => e.event === event);
    return output.records[index] as any;
  };

  it('gives one valid recipient record per event, each passing the canonical validation', () => {
    expect(output.records).toHaveLength(11);
    expect(output.rejected).toEqual([]);
    expect(output.skipped).toEqual([]);
    for (const record of output.records) {
      const result = validateCanonicalRecord(record, 'sendgrid', NOW);
      expect(result).toMatchObject({ ok: true });
    }
  });

  it('maps every event type to its normalised engagement event', () => {
    const expected: Record<string, string> = {
      processed: 'email_sent',
      deferred: 'email_deferred',
      delivered: 'email_delivered',
      open: 'email_opened',
      click: 'email_clicked',
      bounce: 'email_bounced',
      dropped: 'email_dropped',
      spamreport: 'email_spam_report',
      unsubscribe: 'unsubscribed',
      group_unsubscribe: 'unsubscribed',
      group_resubscribe: 'resubscribed',
    };
    for (const [event, type] of Object.entries(expected)) {
      expect(byType(event).events).toEqual([expect.objectContaining({ type })]);
    }
  });

  it('keys the recipient by the lower-cased email and sends only the email as a patch', () => {
    const processed = byType('processed');
    expect(processed).toMatchObject({
      source: 'sendgrid',
      externalId: 'ann.example@example.com',
      objectType: 'recipient',
      updatedAt: '2026-01-01T10:00:00.000Z',
      eventId: 'rbtnWrG1DVDGGGFHFyun0A==',
      attributes: { email: 'Ann.Example@example.com' },
    });
    for (const record of output.records as any[]) {
      expect(Object.keys(record.attributes)).toEqual(['email']);
      expect(record.deleted).toBeUndefined();
    }
  });

  it('keeps the useful vendor fields and custom arguments on the event', () => {
    expect(byType('processed').events[0]).toEqual({
      id: 'rbtnWrG1DVDGGGFHFyun0A==',
      type: 'email_sent',
      occurredAt: '2026-01-01T10:00:00.000Z',
      properties: {
        sgMessageId: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000',
        category: ['newsletter', 'january'],
        customArgs: { customer_id: 'C-1042' },
      },
    });
    expect(byType('click').events[0].properties).toMatchObject({
      url: 'https://www.example.com/offers/january',
      ip: '255.255.255.255',
      userAgent: expect.stringContaining('Chrome'),
    });
    expect(byType('bounce').events[0].properties).toMatchObject({
      reason: '500 unknown recipient',
      status: '5.0.0',
      bounceType: 'bounce',
      bounceClassification: 'Invalid Address',
    });
    expect(byType('deferred').events[0].properties).toMatchObject({ response: '400 try again later', attempt: '5' });
    expect(byType('open').events[0].properties).toMatchObject({ machineOpen: false });
  });

  it('records unsubscribes, spam reports and group changes as consent statements', () => {
    expect(byType('unsubscribe').consents).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: '2026-01-01T12:01:40.000Z',
        contactPoint: 'dana.example@example.net',
        evidence: expect.objectContaining({ reason: 'unsubscribe', sgEventId: 'jWmZXTZbtHTV2-S47asrww==' }),
      },
    ]);
    expect(byType('spamreport').consents).toEqual([
      expect.objectContaining({ status: 'withdrawn', evidence: expect.objectContaining({ reason: 'spam_report' }) }),
    ]);
    expect(byType('group_unsubscribe').consents).toEqual([
      expect.objectContaining({
        purpose: 'email_marketing',
        status: 'withdrawn',
        evidence: expect.objectContaining({ asmGroupId: 10 }),
      }),
    ]);
    expect(byType('group_resubscribe').consents).toEqual([
      expect.objectContaining({
        status: 'granted',
        legalBasis: 'consent',
        evidence: expect.objectContaining({ asmGroupId: 10 }),
      }),
    ]);
  });

  it('does not treat bounces, drops or opens as opt-outs', () => {
    for (const event of ['bounce', 'dropped', 'deferred', 'open', 'click', 'delivered', 'processed']) {
      expect(byType(event).consents).toBeUndefined();
    }
  });

  it('gives the same event ids for a re-delivery and distinct ids for distinct events', () => {
    const again = sendgridAdapter.toRecords(signed(FIXTURE), settings);
    expect(again.records.map((r) => r.eventId)).toEqual(output.records.map((r) => r.eventId));
    expect(new Set(output.records.map((r) => r.eventId)).size).toBe(output.records.length);
  });

  it('derives a stable id for an event without sg_event_id', () => {
    const event = { email: 'x@example.com', timestamp: 1767261600, event: 'open', sg_message_id: 'm1' };
    const first = recordsOf([event]).records[0] as any;
    const second = recordsOf([{ ...event }]).records[0] as any;
    const other = recordsOf([{ ...event, timestamp: 1767261601 }]).records[0] as any;
    expect(first.eventId).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(second.eventId).toBe(first.eventId);
    expect(first.events[0].id).toBe(first.eventId);
    expect(other.eventId).not.toBe(first.eventId);
  });

  it('lets a deployment map a custom argument into the profile', () => {
    const out = sendgridAdapter.toRecords(signed(FIXTURE), {
      ...settings,
      mapping: { fields: { customer_id: 'identifiers.customerNumber' } },
    });
    expect(out.records[0]).toMatchObject({ identifiers: [{ type: 'customerNumber', value: 'C-1042' }] });
    expect(out.records[1]).not.toHaveProperty('identifiers');
  });
});

describe('sendgrid adapter: bodies it cannot use', () => {
  it('refuses a body that is not JSON, or JSON that is not an array (MALFORMED_PAYLOAD)', () => {
    for (const body of ['{"email":', 'not json at all', '{"event":"open"}', '"open"', '']) {
      const error = refusal(() => sendgridAdapter.toRecords(signed(body), settings));
      expect(error.code).toBe('MALFORMED_PAYLOAD');
      expect(error.status).toBe(400);
    }
  });

  it('rejects single events it cannot read and skips event types the hub does not use', () => {
    const out = recordsOf([
      'open',
      { timestamp: 1767261600, event: 'open', sg_event_id: 'a' },
      { email: 'x@example.com', event: 'open', sg_event_id: 'b' },
      { email: 'x@example.com', timestamp: 1767261600, event: 'account_status_change', sg_event_id: 'c' },
      { email: 'x@example.com', timestamp: 1767261600, sg_event_id: 'd' },
      { email: 'x@example.com', timestamp: '1767261600', event: 'delivered', sg_event_id: 'e' },
    ]);
    expect(out.rejected).toEqual([
      { index: 0, code: 'INVALID_TYPE', message: expect.any(String), path: '$[0]' },
      { index: 1, code: 'MISSING_EXTERNAL_ID', message: expect.any(String), path: '$[1].email' },
      { index: 2, code: 'INVALID_DATE', message: expect.any(String), path: '$[2].timestamp' },
    ]);
    expect(out.skipped).toEqual([
      { index: 3, reason: expect.stringContaining('account_status_change') },
      { index: 4, reason: expect.stringContaining('(none)') },
    ]);
    expect(out.records).toEqual([expect.objectContaining({ eventId: 'e', updatedAt: '2026-01-01T10:00:00.000Z' })]);
  });

  it('accepts an empty array as nothing to do', () => {
    expect(recordsOf([])).toEqual({ records: [], skipped: [], rejected: [] });
  });
});
