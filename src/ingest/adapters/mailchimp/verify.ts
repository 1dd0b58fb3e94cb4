import type { InboundRequest } from '../adapter';
import { requireSecret, verifySharedToken } from '../verify';

/** The secret in the webhook URL Mailchimp is given: `https://hub.example.com/webhooks/mailchimp?token=<secret>`. */
export const MAILCHIMP_WEBHOOK_SECRET = 'MAILCHIMP_WEBHOOK_SECRET';

/**
 * Mailchimp signs nothing; its documentation suggests a secret in the callback URL. The request must carry
 * `?token=` (or `x-hub-token`) equal to `MAILCHIMP_WEBHOOK_SECRET`, compared in constant time.
 */
export function verifyMailchimpToken(request: InboundRequest, secrets: Record<string, string | undefined>): void {
  verifySharedToken(request.headers, request.query, requireSecret(secrets, MAILCHIMP_WEBHOOK_SECRET));
}
