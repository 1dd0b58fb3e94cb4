import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

export const HUB_AUDIENCE = 'profile-hub';
const RESOURCE = 'https://profile-hub.test/graphql';
const HUB_SCOPES =
  'profiles:read pii:read steward segments:write consents:write privacy:erase privacy:export admin ingest:salesforce ingest:hubspot';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  privateJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, privateJwk };
}

/**
 * A real OpenID Connect issuer in this process (the `oidc-provider` package) on a free port: discovery, a JWKS
 * endpoint, and the client-credentials grant issuing JWT access tokens for the hub's audience. `rotate()` swaps the
 * signing key as an issuer does on rotation; `stop()` makes it unreachable.
 */
export class OidcIssuer {
  private server?: http.Server;
  private provider?: Provider;
  issuer = '';
  key!: SigningKey;

  static async start(): Promise<OidcIssuer> {
    const issuer = new OidcIssuer();
    issuer.server = http.createServer((req, res) => issuer.provider!.callback()(req, res));
    await new Promise<void>((resolve) => issuer.server!.listen(0, '127.0.0.1', resolve));
    issuer.issuer = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`;
    await issuer.rotate('key-1');
    return issuer;
  }

  /** A new signing key (and only it in the JWKS), as after a rotation. */
  async rotate(kid: string): Promise<void> {
    this.key = await newKey(kid);
    // The provider warns that its in-memory store is for development: that is what a test wants.
    const quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      this.provider = this.createProvider();
    } finally {
      quiet.mockRestore();
    }
  }

  private createProvider(): Provider {
    return new Provider(this.issuer, {
      ttl: { ClientCredentials: 600 },
      clients: [
        {
          client_id: 'analytics-app',
          client_secret: 'analytics-secret-analytics-secret',
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          scope: HUB_SCOPES,
        },
      ],
      jwks: { keys: [this.key.privateJwk] },
      scopes: HUB_SCOPES.split(' '),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: HUB_SCOPES,
            audience: HUB_AUDIENCE,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
  }

  /** An access token from the token endpoint (client-credentials grant), as a client gets one. */
  async clientCredentialsToken(scopes: string[]): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('analytics-app:analytics-secret-analytics-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' '), resource: RESOURCE }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!body.access_token) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /**
   * A token signed with the issuer's current key but claims of the test's choosing: what a forged, stale or
   * misdirected token looks like. `claims` override the defaults; `undefined` removes a claim.
   */
  async craftedToken(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: SigningKey = this.key,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      aud: HUB_AUDIENCE,
      sub: 'analytics-app',
      client_id: 'analytics-app',
      scope: 'profiles:read',
      iat: now,
      exp: now + 600,
      ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload as JWTPayload)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header })
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
