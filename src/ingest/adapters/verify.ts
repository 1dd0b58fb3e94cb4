import { createHmac, timingSafeEqual } from 'node:crypto';
import { AdapterError } from './adapter';

/** Compares two secrets or signatures in constant time (different lengths compare unequal, not faster). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const right = Buffer.isBuffer(b) ? b : Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function hmacSha256(secret: string, data: string | Buffer, encoding: 'hex' | 'base64' = 'base64'): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

/** The named secret, or `NOT_CONFIGURED`: an adapter without its secret accepts nothing. */
export function requireSecret(secrets: Record<string, string | undefined>, name: string): string {
  const value = secrets[name];
  if (!value) throw new AdapterError('NOT_CONFIGURED', `this webhook is not configured: set ${name}`);
  return value;
}

/**
 * For vendors that sign nothing: a secret token in the URL (`?token=`) or the `x-hub-token` header, compared
 * in constant time.
 */
export function verifySharedToken(
  headers: Record<string, string | undefined>,
  query: Record<string, string>,
  secret: string,
): void {
  const presented = headers['x-hub-token'] ?? query.token;
  if (!presented) throw new AdapterError('MISSING_SIGNATURE', 'the request carries no token');
  if (!safeEqual(presented, secret)) throw new AdapterError('INVALID_SIGNATURE', 'the token does not match');
}
