import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { AdapterError, type InboundRequest } from '../adapter';
import { requireSecret } from '../verify';

/** Base64 DER ECDSA signature of `timestamp + rawBody` (SHA-256, P-256). */
export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
/** Unix seconds at which SendGrid signed the request; part of the signed text. */
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
/** The public key SendGrid shows under Mail Settings → Signed Event Webhook (base64 SubjectPublicKeyInfo DER). */
export const VERIFICATION_KEY = 'SENDGRID_VERIFICATION_KEY';
/**
 * A signed request older (or further in the future) than this is refused as `STALE_SIGNATURE`, so a captured
 * request cannot be replayed later. SendGrid documents no window; five minutes is the usual webhook tolerance.
 */
export const MAX_SIGNATURE_AGE_SECONDS = 300;

const keys = new Map<string, KeyObject>();

/** The configured key as a P-256 public key; accepts the dashboard's base64 DER and, for convenience, PEM. */
function publicKey(configured: string): KeyObject {
  const cached = keys.get(configured);
  if (cached) return cached;
  let key: KeyObject;
  try {
    key = configured.includes('-----BEGIN')
      ? createPublicKey(configured)
      : createPublicKey({ key: Buffer.from(configured.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new AdapterError('NOT_CONFIGURED', `${VERIFICATION_KEY} is not a public key (expected base64 DER)`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AdapterError('NOT_CONFIGURED', `${VERIFICATION_KEY} is not an ECDSA P-256 public key`);
  }
  keys.set(configured, key);
  return key;
}

/**
 * SendGrid's Signed Event Webhook: an ECDSA P-256 / SHA-256 signature over the timestamp header followed by the
 * raw body, checked with the verification key; then the timestamp must be within
 * {@link MAX_SIGNATURE_AGE_SECONDS} of `receivedAt`.
 */
export function verifySendGridRequest(request: InboundRequest, secrets: Record<string, string | undefined>): void {
  const key = publicKey(requireSecret(secrets, VERIFICATION_KEY));
  const signature = request.headers[SIGNATURE_HEADER]?.trim();
  const timestamp = request.headers[TIMESTAMP_HEADER]?.trim();
  if (!signature || !timestamp) {
    throw new AdapterError(
      'MISSING_SIGNATURE',
      'the request carries no X-Twilio-Email-Event-Webhook-Signature / -Timestamp headers',
    );
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AdapterError('INVALID_SIGNATURE', 'X-Twilio-Email-Event-Webhook-Timestamp is not a Unix time');
  }
  let valid = false;
  try {
    valid = verifySignature(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), request.rawBody]),
      key,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new AdapterError('INVALID_SIGNATURE', 'the signature does not match the body and timestamp');
  const age = request.receivedAt.getTime() / 1000 - Number(timestamp);
  if (Math.abs(age) > MAX_SIGNATURE_AGE_SECONDS) {
    throw new AdapterError(
      'STALE_SIGNATURE',
      `the signature timestamp is ${Math.round(Math.abs(age))} s ${age > 0 ? 'old' : 'in the future'}; ` +
        `at most ${MAX_SIGNATURE_AGE_SECONDS} s is accepted`,
    );
  }
}
