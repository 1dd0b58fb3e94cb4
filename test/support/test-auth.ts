import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { testTempDir } from './test-temp';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** Every scope the hub knows: what the tests' default token carries. */
export const ALL_SCOPES = [
  'profiles:read',
  'pii:read',
  'steward',
  'segments:write',
  'consents:write',
  'privacy:erase',
  'privacy:export',
  'admin',
  'ingest:*',
];

export const TEST_ISSUER = 'https://issuer.profile-hub.test';
export const TEST_AUDIENCE = 'profile-hub';

interface TestKeys {
  privateKey: CryptoKey;
  kid: string;
  /** Environment that makes a hub trust this issuer's key set. */
  env: Record<string, string>;
}

let keys: Promise<TestKeys> | undefined;

/** One ES256 key pair per test process, its public half in a JWKS file the hubs under test read. */
export function testKeys(): Promise<TestKeys> {
  keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = randomUUID();
    const file = path.join(testTempDir('hub-jwks-'), 'jwks.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }),
    );
    return {
      privateKey,
      kid,
      env: { AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE, AUTH_JWKS_FILE: file },
    };
  })();
  return keys;
}

/** The auth settings of a hub under test. */
export async function testAuthEnv(): Promise<Record<string, string>> {
  return (await testKeys()).env;
}

export interface TestTokenOptions {
  subject?: string;
  /** Seconds from now; default one hour. */
  expiresIn?: number;
  /** Claims to add or override (e.g. a wrong `iss`). */
  claims?: JWTPayload;
}

const cached = new Map<string, Promise<string>>();

/** An access token the test issuer signs, with `scopes` (default: every scope). */
export function testToken(scopes: string[] = ALL_SCOPES, options: TestTokenOptions = {}): Promise<string> {
  const plain = !options.expiresIn && !options.claims;
  const key = `${options.subject ?? ''}|${scopes.join(' ')}`;
  if (plain && cached.has(key)) return cached.get(key)!;
  const token = (async () => {
    const { privateKey, kid } = await testKeys();
    return new SignJWT({ scope: scopes.join(' '), ...options.claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setSubject(options.subject ?? 'test-client')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 3600))
      .setJti(randomUUID())
      .sign(privateKey);
  })();
  if (plain) cached.set(key, token);
  return token;
}

/**
 * `{ authorization: 'Bearer …' }` with the default token: the headers of a request a test makes itself, or the
 * graphql-ws `connectionParams`.
 */
export async function authHeader(scopes?: string[]): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await testToken(scopes)}` };
}
