import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { AuthConfig } from '../config/config';

const ALGORITHM = 'ES256';

export interface DevSigningKey {
  /** The public half, as the verifier's key set. */
  publicJwk: JWK;
  privateJwk: JWK;
}

/**
 * Dev mode's signing key: generated once (ES256) and kept in `<HUB_DATA_DIR>/dev-signing-key.json`, readable by
 * its owner only, so `profile-hub token` and every hub process on this data directory agree on it.
 */
export async function loadOrCreateDevKey(config: AuthConfig): Promise<DevSigningKey> {
  const file = config.devKeyFile;
  const existing = readKeyFile(file);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  const key = { ...privateJwk, kid, alg: ALGORITHM, use: 'sig' };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // `wx`: when two processes start together, the first key written wins and the other reads it.
    fs.writeFileSync(file, `${JSON.stringify({ key }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const written = readKeyFile(file);
  if (!written) throw new Error(`could not read the dev signing key at ${file}`);
  return written;
}

function readKeyFile(file: string): DevSigningKey | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { key } = JSON.parse(text) as { key: JWK };
  const { d: _d, ...publicJwk } = key;
  return { privateJwk: key, publicJwk };
}

export interface TokenRequest {
  scopes: string[];
  subject?: string;
  /** Lifetime in seconds, default 3600. */
  ttlSeconds?: number;
}

/** Signs an access token with the dev key: the hub's issuer and audience, `scope` space-separated. */
export async function signDevToken(config: AuthConfig, key: DevSigningKey, request: TokenRequest): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, ALGORITHM);
  return new SignJWT({ scope: request.scopes.join(' '), client_id: request.subject ?? 'dev-cli' })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.privateJwk.kid, typ: 'at+jwt' })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(request.subject ?? 'dev-cli')
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .setJti(randomUUID())
    .sign(privateKey);
}
