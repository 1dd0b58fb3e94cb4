import { mergeMappings } from '../../mapping/field-mapping';
import type { SourceAdapter } from '../adapter';
import { mailchimpDefaultMapping } from './default-mapping';
import { mapMailchimpWebhook } from './map';
import { parseMailchimpWebhook } from './parse';
import { MAILCHIMP_WEBHOOK_SECRET, verifyMailchimpToken } from './verify';

/**
 * `POST /webhooks/mailchimp?token=<MAILCHIMP_WEBHOOK_SECRET>`: Mailchimp audience webhooks (form-encoded
 * subscribe, unsubscribe, profile, upemail, cleaned; campaign is skipped). Mailchimp's URL check is a `GET`
 * to the same URL, which this POST adapter does not answer.
 * @example MAILCHIMP_WEBHOOK_SECRET=… and the audience webhook URL https://hub.example.com/webhooks/mailchimp?token=…
 */
export const mailchimpAdapter: SourceAdapter = {
  key: 'mailchimp',
  defaultMapping: mailchimpDefaultMapping,
  secretNames: [MAILCHIMP_WEBHOOK_SECRET],

  verify(request, settings) {
    verifyMailchimpToken(request, settings.secrets);
  },

  toRecords(request, settings) {
    const mapping = mergeMappings(mailchimpDefaultMapping, settings.mapping);
    return mapMailchimpWebhook(parseMailchimpWebhook(request.rawBody), mapping);
  },
};
