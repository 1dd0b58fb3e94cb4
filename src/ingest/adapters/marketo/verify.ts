import type { InboundRequest } from '../adapter';
import { requireSecret, verifySharedToken } from '../verify';

/** The token the relay sends (the `x-hub-token` header, or `?token=` in the webhook URL). */
export const WEBHOOK_TOKEN = 'MARKETO_WEBHOOK_TOKEN';

/**
 * Marketo pushes nothing itself and signs nothing: the relay (or scheduled fetch) that posts its REST responses
 * proves itself with a shared token, compared in constant time.
 */
export function verifyMarketoRequest(request: InboundRequest, secrets: Record<string, string | undefined>): void {
  verifySharedToken(request.headers, request.query, requireSecret(secrets, WEBHOOK_TOKEN));
}
