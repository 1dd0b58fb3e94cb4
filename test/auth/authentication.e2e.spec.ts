import { generateKeyPair, SignJWT, UnsecuredJWT, exportSPKI } from 'jose';
import WebSocket from 'ws';
import { OidcIssuer, HUB_AUDIENCE } from '../support/oidc-issuer';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

/** The hub trusting the in-process issuer through OpenID discovery (no JWKS URL or file configured). */
function hubFor(issuer: OidcIssuer): Promise<TestHub> {
  return startTestHub({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: HUB_AUDIENCE,
    AUTH_JWKS_FILE: '',
    AUTH_JWKS_COOLDOWN_SECONDS: '0',
    AUTH_CLOCK_TOLERANCE_SECONDS: '5',
  });
}

const QUERY = '{ segments { key } }';

async function expect401(hub: TestHub, token: string | null, code: string): Promise<void> {
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: QUERY }),
  });
  const text = await response.text();
  expect({ status: response.status, code: JSON.parse(text).errors?.[0]?.extensions?.code }).toEqual({
    status: 401,
    code,
  });
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="profile-hub"/);
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|stack/i);
}

/** Opens a graphql-ws connection, sends `connection_init` with `payload`, resolves with how the server answered. */
function wsInit(
  hub: TestHub,
  payload: Record<string, unknown> | undefined,
): Promise<{ acked: boolean; socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(hub.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve({ acked: true, socket, closed });
    });
    socket.on('error', reject);
    void closed.then(() => resolve({ acked: false, socket, closed }));
  });
}

describe('authentication against a real OpenID Connect issuer (oidc-provider, client credentials)', () => {
  let issuer: OidcIssuer;
  let hub: TestHub;

  beforeAll(async () => {
    issuer = await OidcIssuer.start();
    hub = await hubFor(issuer);
  });
  afterAll(async () => {
    await hub?.stop();
    await issuer?.stop();
  });

  it('accepts an access token from the token endpoint, and the caller is its client', async () => {
    const token = await issuer.clientCredentialsToken(['profiles:read']);
    const result = await graphql(hub.url, QUERY, {}, { token });
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ segments: [] });
  });

  it('refuses each bad token with 401 and its code, never a 500, and keeps serving', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: strangerKey } = await generateKeyPair('RS256');
    const publicPem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey);
    const cases: [string, string | null, string][] = [
      ['no token', null, 'TOKEN_MISSING'],
      ['not a JWT', 'hello', 'TOKEN_MALFORMED'],
      [
        'alg: none',
        new UnsecuredJWT({ scope: 'admin', exp: now + 600, sub: 'x' })
          .setIssuer(issuer.issuer)
          .setAudience(HUB_AUDIENCE)
          .encode(),
        'TOKEN_ALGORITHM_NOT_ALLOWED',
      ],
      [
        'HS256 signed with a public key as the secret',
        await new SignJWT({ scope: 'admin', sub: 'x' })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
          .setIssuer(issuer.issuer)
          .setAudience(HUB_AUDIENCE)
          .setExpirationTime(now + 600)
          .sign(new TextEncoder().encode(publicPem)),
        'TOKEN_ALGORITHM_NOT_ALLOWED',
      ],
      ['wrong issuer', await issuer.craftedToken({ iss: 'https://evil.example.com' }), 'TOKEN_ISSUER_INVALID'],
      ['wrong audience', await issuer.craftedToken({ aud: 'another-api' }), 'TOKEN_AUDIENCE_INVALID'],
      ['expired', await issuer.craftedToken({ iat: now - 3600, exp: now - 600 }), 'TOKEN_EXPIRED'],
      ['not yet valid', await issuer.craftedToken({ nbf: now + 600 }), 'TOKEN_NOT_YET_VALID'],
      ['no exp', await issuer.craftedToken({ exp: undefined }), 'TOKEN_EXPIRY_MISSING'],
      [
        'unknown kid',
        await new SignJWT({ scope: 'admin', sub: 'x' })
          .setProtectedHeader({ alg: 'RS256', kid: 'not-a-key-of-the-issuer' })
          .setIssuer(issuer.issuer)
          .setAudience(HUB_AUDIENCE)
          .setExpirationTime(now + 600)
          .sign(strangerKey),
        'TOKEN_KEY_UNKNOWN',
      ],
      [
        "the issuer's kid, another key's signature",
        await new SignJWT({ scope: 'admin', sub: 'x' })
          .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
          .setIssuer(issuer.issuer)
          .setAudience(HUB_AUDIENCE)
          .setExpirationTime(now + 600)
          .sign(strangerKey),
        'TOKEN_SIGNATURE_INVALID',
      ],
    ];
    for (const [, token, code] of cases) await expect401(hub, token, code);
    const health = await fetch(hub.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('follows a key rotation: new tokens verify at once, tokens of the retired key do not', async () => {
    const before = await issuer.clientCredentialsToken(['profiles:read']);
    expect((await graphql(hub.url, QUERY, {}, { token: before })).status).toBe(200);
    const retired = issuer.key;
    await issuer.rotate('key-2');
    const after = await issuer.clientCredentialsToken(['profiles:read']);
    expect((await graphql(hub.url, QUERY, {}, { token: after })).status).toBe(200);
    // A token signed with the retired key (one the hub has not seen before) is refused…
    await expect401(hub, await issuer.craftedToken({}, {}, retired), 'TOKEN_KEY_UNKNOWN');
    // …while one it verified before the rotation stays accepted for at most a minute (never past its exp).
    expect((await graphql(hub.url, QUERY, {}, { token: before })).status).toBe(200);
  });

  it('refuses a WebSocket with a bad token: closed with 4403 and the code', async () => {
    const expired = await issuer.craftedToken({ exp: Math.floor(Date.now() / 1000) - 600 });
    for (const [payload, reason] of [
      [undefined, 'TOKEN_MISSING'],
      [{ authorization: `Bearer ${expired}` }, 'TOKEN_EXPIRED'],
      [{ authorization: 'Bearer nonsense' }, 'TOKEN_MALFORMED'],
    ] as const) {
      const { acked, closed } = await wsInit(hub, payload);
      expect(acked).toBe(false);
      expect(await closed).toEqual({ code: 4403, reason });
    }
    const good = await wsInit(hub, {
      authorization: `Bearer ${await issuer.clientCredentialsToken(['profiles:read'])}`,
    });
    expect(good.acked).toBe(true);
    good.socket.close(1000);
  });

  it('closes a WebSocket when its token expires (4403 TOKEN_EXPIRED)', async () => {
    const token = await issuer.craftedToken({ exp: Math.floor(Date.now() / 1000) + 2 });
    const { acked, socket, closed } = await wsInit(hub, { token });
    expect(acked).toBe(true);
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
    expect(await closed).toEqual({ code: 4403, reason: 'TOKEN_EXPIRED' });
    expect(messages.find((m) => m.id === '1' && m.type === 'next')).toBeDefined();
  });

  it('keeps the graphql-ws protocol close codes', async () => {
    const token = await issuer.clientCredentialsToken(['profiles:read']);
    // 4400: a message that is not a protocol message.
    const bad = await wsInit(hub, { token });
    bad.socket.send('{"type":"nonsense"}');
    expect((await bad.closed).code).toBe(4400);
    // 4429: a second connection_init.
    const twice = await wsInit(hub, { token });
    twice.socket.send(JSON.stringify({ type: 'connection_init', payload: { token } }));
    expect((await twice.closed).code).toBe(4429);
    // 4409: a subscription id already in use.
    const dup = await wsInit(hub, { token });
    const live = JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription { changes { id } }' } });
    dup.socket.send(live);
    dup.socket.send(live);
    expect((await dup.closed).code).toBe(4409);
    // 4401: subscribe before the connection is acknowledged.
    const early = new WebSocket(hub.wsUrl, 'graphql-transport-ws');
    const earlyClosed = new Promise<number>((resolve) => early.on('close', (code) => resolve(code)));
    early.on('open', () => early.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } })));
    expect(await earlyClosed).toBe(4401);
    // 4408: no connection_init within the wait timeout.
    const silent = new WebSocket(hub.wsUrl, 'graphql-transport-ws');
    expect(await new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)))).toBe(4408);
  });
});

describe('an issuer that cannot be reached', () => {
  it('answers 401 AUTH_ISSUER_UNAVAILABLE, and the hub stays up', async () => {
    const issuer = await OidcIssuer.start();
    const token = await issuer.craftedToken();
    await issuer.stop();
    const hub = await hubFor(issuer);
    try {
      await expect401(hub, token, 'AUTH_ISSUER_UNAVAILABLE');
      await expect401(hub, token, 'AUTH_ISSUER_UNAVAILABLE');
      expect((await fetch(hub.url.replace('/graphql', '/healthz'))).status).toBe(200);
    } finally {
      await hub.stop();
    }
  });
});
