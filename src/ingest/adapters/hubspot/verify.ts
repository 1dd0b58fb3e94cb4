import { AdapterError, type InboundRequest } from '../adapter';
import { hmacSha256, safeEqual } from '../verify';

/** HubSpot's replay window for `X-HubSpot-Request-Timestamp`: five minutes either side of `receivedAt`. */
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

// The characters HubSpot signs in their decoded form (developers.hubspot.com, "Validating requests", v3).
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The request URI as HubSpot signs it: the URL it called, with the listed percent-escapes decoded. */
export function signedUri(publicUrl: string): string {
  return publicUrl.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED[escape.toUpperCase()]);
}

/**
 * Checks a HubSpot v3 signature: base64 HMAC-SHA256, keyed with the app's client secret, over
 * `method + uri + body + timestamp`, where the timestamp (epoch ms) must be within five minutes of receipt.
 * Throws `MISSING_SIGNATURE`, `STALE_SIGNATURE` or `INVALID_SIGNATURE`.
 */
export function verifyHubSpotSignature(request: InboundRequest, clientSecret: string): void {
  const signature = request.headers['x-hubspot-signature-v3']?.trim();
  const timestamp = request.headers['x-hubspot-request-timestamp']?.trim();
  if (!signature || !timestamp) {
    throw new AdapterError(
      'MISSING_SIGNATURE',
      'the request carries no X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers',
    );
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    throw new AdapterError('INVALID_SIGNATURE', 'X-HubSpot-Request-Timestamp is not a time in epoch milliseconds');
  }
  const skew = request.receivedAt.getTime() - Number(timestamp);
  if (Math.abs(skew) > MAX_TIMESTAMP_SKEW_MS) {
    throw new AdapterError('STALE_SIGNATURE', 'X-HubSpot-Request-Timestamp is more than five minutes from now');
  }
  const signed = Buffer.concat([
    Buffer.from(`${request.method.toUpperCase()}${signedUri(request.publicUrl)}`, 'utf8'),
    request.rawBody,
    Buffer.from(timestamp, 'utf8'),
  ]);
  if (!safeEqual(hmacSha256(clientSecret, signed, 'base64'), signature)) {
    throw new AdapterError('INVALID_SIGNATURE', 'the X-HubSpot-Signature-v3 signature does not match');
  }
}
