import { mergeMappings } from '../../mapping/field-mapping';
import type { SourceAdapter } from '../adapter';
import { sendgridDefaultMapping } from './default-mapping';
import { SOURCE, toCanonicalRecords } from './map';
import { parseSendGridEvents } from './parse';
import { VERIFICATION_KEY, verifySendGridRequest } from './verify';

/**
 * SendGrid Event Webhook (`POST /webhooks/sendgrid`): a JSON array of delivery and engagement events, signed
 * with the Signed Event Webhook's ECDSA key. Set `SENDGRID_VERIFICATION_KEY` to the verification key SendGrid
 * shows (base64); requests older than five minutes are refused.
 */
export const sendgridAdapter: SourceAdapter = {
  key: SOURCE,
  defaultMapping: sendgridDefaultMapping,
  secretNames: [VERIFICATION_KEY],
  verify(request, settings) {
    verifySendGridRequest(request, settings.secrets);
  },
  toRecords(request, settings) {
    return toCanonicalRecords(
      parseSendGridEvents(request.rawBody),
      mergeMappings(sendgridDefaultMapping, settings.mapping),
    );
  },
};
