import { mergeMappings } from '../../mapping/field-mapping';
import type { SourceAdapter } from '../adapter';
import { marketoDefaultMapping } from './default-mapping';
import { SOURCE, toCanonicalRecords } from './map';
import { parseMarketoBody } from './parse';
import { WEBHOOK_TOKEN, verifyMarketoRequest } from './verify';

/**
 * Marketo (`POST /webhooks/marketo`): Marketo does not push, so a relay or scheduled fetch posts the REST API's
 * responses as they are — Get Leads, Get Lead Activities, Get Lead Changes, Get Deleted Leads — with the
 * `MARKETO_WEBHOOK_TOKEN` in the `x-hub-token` header (or `?token=`).
 */
export const marketoAdapter: SourceAdapter = {
  key: SOURCE,
  defaultMapping: marketoDefaultMapping,
  secretNames: [WEBHOOK_TOKEN],
  verify(request, settings) {
    verifyMarketoRequest(request, settings.secrets);
  },
  toRecords(request, settings) {
    return toCanonicalRecords(
      parseMarketoBody(request.rawBody),
      mergeMappings(marketoDefaultMapping, settings.mapping),
    );
  },
};
