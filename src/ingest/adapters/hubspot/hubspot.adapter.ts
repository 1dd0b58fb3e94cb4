import { mergeMappings } from '../../mapping/field-mapping';
import type { SourceAdapter } from '../adapter';
import { requireSecret } from '../verify';
import { hubspotDefaultMapping } from './default-mapping';
import { mapHubSpotItems } from './map';
import { parseHubSpotPayload } from './parse';
import { verifyHubSpotSignature } from './verify';

/** The app's client secret, which keys HubSpot's v3 request signatures. */
export const HUBSPOT_CLIENT_SECRET = 'HUBSPOT_CLIENT_SECRET';

/**
 * `POST /webhooks/hubspot`: HubSpot webhooks v3 batches (contact creation, property changes, deletion, GDPR
 * deletion, merge, restore) signed with `X-HubSpot-Signature-v3`, and CRM v3 contact objects relayed with the
 * same signature.
 * @example HUBSPOT_CLIENT_SECRET=… and the app's target URL https://hub.example.com/webhooks/hubspot
 */
export const hubspotAdapter: SourceAdapter = {
  key: 'hubspot',
  defaultMapping: hubspotDefaultMapping,
  secretNames: [HUBSPOT_CLIENT_SECRET],

  verify(request, settings) {
    verifyHubSpotSignature(request, requireSecret(settings.secrets, HUBSPOT_CLIENT_SECRET));
  },

  toRecords(request, settings) {
    const mapping = mergeMappings(hubspotDefaultMapping, settings.mapping);
    return mapHubSpotItems(parseHubSpotPayload(request.rawBody), mapping);
  },
};
