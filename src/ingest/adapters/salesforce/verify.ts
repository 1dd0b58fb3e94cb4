import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { requireSecret, safeEqual, verifySharedToken } from '../verify';
import { bodyText, isXmlRequest, parseOutboundMessage } from './parse';

/** The secret token in the endpoint URL (`?token=`) or the `x-hub-token` header of a relay. */
export const WEBHOOK_TOKEN = 'SALESFORCE_WEBHOOK_TOKEN';
/** The organisation whose Outbound Messages are accepted (15- or 18-character id, `00D…`). */
export const ORGANIZATION_ID = 'SALESFORCE_ORGANIZATION_ID';

/**
 * Salesforce signs nothing. Every request must present `SALESFORCE_WEBHOOK_TOKEN` (Outbound Messages carry it
 * in the endpoint URL configured in Setup, relays as `?token=` or `x-hub-token`); an Outbound Message must also
 * come from `SALESFORCE_ORGANIZATION_ID`.
 */
export function verifySalesforceRequest(request: InboundRequest, settings: AdapterSettings): void {
  const token = requireSecret(settings.secrets, WEBHOOK_TOKEN);
  if (!isXmlRequest(request)) {
    verifySharedToken(request.headers, request.query, token);
    return;
  }
  const organizationId = requireSecret(settings.secrets, ORGANIZATION_ID);
  verifySharedToken(request.headers, request.query, token);
  const message = parseOutboundMessage(bodyText(request));
  if (!message.organizationId) {
    throw new AdapterError('MISSING_SIGNATURE', 'the Outbound Message names no OrganizationId');
  }
  if (!sameOrganization(message.organizationId, organizationId)) {
    throw new AdapterError('INVALID_SIGNATURE', 'the Outbound Message comes from another Salesforce organisation');
  }
}

/**
 * Salesforce ids come in a case-sensitive 15-character form and an 18-character form with a case-safe suffix:
 * the first 15 characters identify the organisation, compared case-sensitively and in constant time.
 */
export function sameOrganization(presented: string, expected: string): boolean {
  const short = (id: string) => (id.length === 18 ? id.slice(0, 15) : id);
  return safeEqual(short(presented.trim()), short(expected.trim()));
}
