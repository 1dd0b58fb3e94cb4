import { createClient, type Client } from 'graphql-ws';

const TOKEN_KEY = 'profile-hub.token';

/** The access token the steward pasted; kept for this browser tab only. */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** The token's scopes and expiry, read from its payload (the hub verifies it; this only shapes the screens). */
export function tokenInfo(raw: string | null): { scopes: string[]; subject: string; expiresAt: Date | null } | null {
  if (!raw) return null;
  try {
    const payload = JSON.parse(atob(raw.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as {
      scope?: string;
      scp?: string[] | string;
      sub?: string;
      client_id?: string;
      exp?: number;
    };
    const scopes =
      payload.scope?.split(' ') ?? (Array.isArray(payload.scp) ? payload.scp : (payload.scp?.split(' ') ?? []));
    return {
      scopes,
      subject: payload.sub ?? payload.client_id ?? 'unknown',
      expiresAt: payload.exp ? new Date(payload.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

/** A refusal the hub explained: its code (e.g. `FORBIDDEN`, `TOKEN_EXPIRED`) and message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
  /** The token is missing, expired or refused: the steward has to sign in again. */
  get needsSignIn(): boolean {
    return this.status === 401;
  }
}

/** One GraphQL operation over HTTP with the steward's token. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.get() ?? ''}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('NETWORK', 'The hub cannot be reached. Is it running?');
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.extensions?.code ?? 'ERROR', error.message, response.status);
  if (!response.ok || !body.data) throw new ApiError('HTTP_' + response.status, `The hub answered ${response.status}.`);
  return body.data;
}

let client: Client | undefined;

/** The live connection (graphql-ws on the same URL), with the token in `connection_init`. */
export function liveClient(): Client {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => ({ authorization: `Bearer ${token.get() ?? ''}` }),
    lazy: true,
    retryAttempts: 3,
  });
  return client;
}

export function closeLiveClient(): void {
  void client?.dispose();
  client = undefined;
}

/** Result types the mutations share: the happy type or `ActionRefused { code message }`. */
export interface Refused {
  __typename: 'ActionRefused';
  code: string;
  message: string;
}
