import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureHeader, verifyWebhookSignature, webhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"profile.updated"}';
  const now = new Date('2026-11-27T10:00:00Z');

  it('is HMAC-SHA256 of "<timestamp>.<body>" in hex, sent as t=…,v1=…', () => {
    const t = Math.floor(now.getTime() / 1000);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(webhookSignature(secret, t, body)).toBe(expected);
    expect(signatureHeader(secret, body, now)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies the header it makes, and refuses another body, another secret, a stale or malformed header', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifyWebhookSignature(secret, header, body, { now })).toBe(true);
    expect(verifyWebhookSignature(secret, header, body.replace('e1', 'e2'), { now })).toBe(false);
    expect(verifyWebhookSignature('whsec_other', header, body, { now })).toBe(false);
    const later = new Date(now.getTime() + 301_000);
    expect(verifyWebhookSignature(secret, header, body, { now: later })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { now: later, toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature(secret, undefined, body, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, 't=abc,v1=00', body, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(/v1=../, 'v1=zz'), body, { now })).toBe(false);
  });

  it('makes a new random secret every time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
