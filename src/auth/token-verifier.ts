import fs from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { AuthConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { AuthError, AuthErrorCode } from './auth-error';
import { loadOrCreateDevKey } from './dev-signing-key';
import type { Principal } from './principal';

/** How long a fetched key set is trusted before it is fetched again (keys rotate). */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 5_000;
/**
 * A verified token is remembered this long (and never past its `exp`): a client sends the same token with every
 * request, and checking its signature each time cost more CPU than a small GraphQL query. A key the issuer
 * withdraws stops being accepted within this time.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

/**
 * Verifies bearer access tokens: signature against the configured key set, algorithm from the allowed list (never
 * `none` or HMAC), issuer and audience pinned, `exp` required, `nbf` honoured, with a small clock tolerance.
 * Every failure becomes an {@link AuthError} with a stable code; nothing else escapes.
 */
export class TokenVerifier {
  private keys?: Promise<JWTVerifyGetKey>;
  /** Tokens verified recently, oldest first (insertion order). */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly config: AuthConfig,
    private readonly logger: Logger,
  ) {}

  /** Loads (dev mode: creates) the key material now, so a bad key file stops start-up instead of a request. */
  async init(): Promise<void> {
    if (this.config.mode === 'dev' || this.config.jwksFile) await this.keySet();
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const remembered = this.verified.get(token);
    if (remembered) {
      if (remembered.until > now) return remembered.principal;
      this.verified.delete(token);
    }
    const principal = await this.verifyNow(token);
    // Past `exp` (plus the tolerance) the token is checked again, and refused as expired.
    const expires = (principal.expiresAt?.getTime() ?? now) + this.config.clockToleranceSeconds * 1000;
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, until: Math.min(now + VERIFIED_TTL_MS, expires) });
    return principal;
  }

  private async verifyNow(token: string): Promise<Principal> {
    if (!/^[\w-]+\.[\w-]*\.[\w-]*$/.test(token)) {
      throw new AuthError(AuthErrorCode.Malformed, 'the bearer token is not a compact JWS');
    }
    let payload: JWTPayload;
    try {
      const getKey = await this.keySet();
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.toAuthError(error);
    }
    return principalOf(payload);
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.loadKeySet().catch((error: unknown) => {
      // Not cached: the next request tries again (the issuer may be back).
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async loadKeySet(): Promise<JWTVerifyGetKey> {
    const { config } = this;
    if (config.mode === 'dev') {
      const key = await loadOrCreateDevKey(config);
      return createLocalJWKSet({ keys: [key.publicJwk] });
    }
    if (config.jwksFile) return localFileKeySet(config.jwksFile);
    const jwksUrl = config.jwksUrl ?? (await discoverJwksUri(config.issuer));
    return createRemoteJWKSet(new URL(jwksUrl), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      // An unknown `kid` refetches the set, at most this often (a flood of forged kids cannot hammer the issuer).
      cooldownDuration: config.jwksCooldownSeconds * 1000,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
  }

  private toAuthError(error: unknown): AuthError {
    if (error instanceof AuthError) return error;
    if (error instanceof errors.JWTExpired) return new AuthError(AuthErrorCode.Expired, 'the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'exp' && error.reason === 'missing') {
        return new AuthError(AuthErrorCode.ExpiryMissing, 'the token has no "exp" claim; tokens must expire');
      }
      if (error.claim === 'nbf') return new AuthError(AuthErrorCode.NotYetValid, 'the token is not valid yet');
      if (error.claim === 'iss') return new AuthError(AuthErrorCode.IssuerInvalid, 'the token is from another issuer');
      if (error.claim === 'aud') {
        return new AuthError(AuthErrorCode.AudienceInvalid, 'the token is meant for another audience');
      }
      return new AuthError(AuthErrorCode.ClaimInvalid, `the token's "${error.claim}" claim is not acceptable`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      return new AuthError(AuthErrorCode.AlgorithmNotAllowed, 'the token is signed with an algorithm not allowed');
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return new AuthError(AuthErrorCode.SignatureInvalid, 'the token signature does not verify');
    }
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return new AuthError(AuthErrorCode.KeyUnknown, "the token's signing key is not in the issuer's key set");
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return new AuthError(AuthErrorCode.Malformed, 'the bearer token is malformed');
    }
    // Key set unreachable, timed out or unusable: the caller can do nothing about it, but it is still not
    // authenticated (and never a 500). Logged for the operator.
    this.logger.warn({ err: error }, 'could not verify a token: the issuer or its key set is unavailable');
    return new AuthError(AuthErrorCode.IssuerUnavailable, 'the token issuer cannot be reached; try again later');
  }
}

/** The caller as the token describes it: `sub` (or the client id), and `scope` (space-separated) or `scp`. */
export function principalOf(payload: JWTPayload): Principal {
  const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
  const subject = payload.sub ?? clientId;
  if (!subject) throw new AuthError(AuthErrorCode.ClaimInvalid, 'the token names no subject ("sub" or "client_id")');
  const raw = payload.scope ?? payload.scp;
  const scopes = Array.isArray(raw)
    ? raw.filter((s): s is string => typeof s === 'string')
    : typeof raw === 'string'
      ? raw.split(' ').filter(Boolean)
      : [];
  return {
    subject,
    clientId,
    // `*` is the process's own marker, never a scope a token can grant.
    scopes: new Set(scopes.filter((s) => s !== '*')),
    expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined,
    tokenId: stringClaim(payload.jti),
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A key set read from a file; re-read when a token names a key it does not hold and the file has changed. */
function localFileKeySet(file: string): JWTVerifyGetKey {
  let mtime = 0;
  let current: JWTVerifyGetKey = () => {
    throw new errors.JWKSNoMatchingKey();
  };
  const reload = () => {
    const stat = fs.statSync(file);
    if (stat.mtimeMs === mtime) return false;
    current = createLocalJWKSet(JSON.parse(fs.readFileSync(file, 'utf8')) as JSONWebKeySet);
    mtime = stat.mtimeMs;
    return true;
  };
  reload();
  return async (header, token) => {
    try {
      return await current(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && reload()) return current(header, token);
      throw error;
    }
  };
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`OpenID discovery at ${url} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (document.issuer !== issuer) throw new Error(`OpenID discovery at ${url} names another issuer`);
  if (typeof document.jwks_uri !== 'string') throw new Error(`OpenID discovery at ${url} has no jwks_uri`);
  return document.jwks_uri;
}
