import { AdapterError, type InboundRequest } from '../adapter';
import { requireSecret, safeEqual } from '../verify';

/** The key Dataverse sends with each call (the service endpoint's WebhookKey or HttpHeader value). */
export const WEBHOOK_KEY = 'DYNAMICS_WEBHOOK_KEY';
/** Header carrying the key when the service endpoint uses HttpHeader authentication. */
export const KEY_HEADER = 'x-hub-token';
/** Query parameter Dataverse appends (`?code=…`) when the service endpoint uses WebhookKey authentication. */
export const KEY_QUERY = 'code';

/**
 * Dataverse signs nothing: a webhook service endpoint authenticates with a static key, either as
 * `WebhookKey` (sent as `?code=<key>`) or as an `HttpHeader` pair — register it as `x-hub-token: <key>`.
 * The header wins when both are present; the comparison is constant-time.
 */
export function verifyDynamicsRequest(request: InboundRequest, secrets: Record<string, string | undefined>): void {
  const secret = requireSecret(secrets, WEBHOOK_KEY);
  const presented = request.headers[KEY_HEADER] ?? request.query[KEY_QUERY];
  if (!presented) {
    throw new AdapterError('MISSING_SIGNATURE', `the request carries no key (${KEY_HEADER} header or ?${KEY_QUERY}=)`);
  }
  if (!safeEqual(presented, secret)) throw new AdapterError('INVALID_SIGNATURE', 'the key does not match');
}
