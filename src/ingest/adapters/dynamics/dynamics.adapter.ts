import { mergeMappings } from '../../mapping/field-mapping';
import type { SourceAdapter } from '../adapter';
import { dynamicsDefaultMapping } from './default-mapping';
import { SOURCE, toCanonicalRecords } from './map';
import { parseExecutionContext } from './parse';
import { WEBHOOK_KEY, verifyDynamicsRequest } from './verify';

/**
 * Dynamics 365 / Dataverse (`POST /webhooks/dynamics`): a webhook service endpoint with steps on Create, Update,
 * Delete (and optionally Merge) of contact and lead posts the `RemoteExecutionContext`. Authenticate it with
 * `DYNAMICS_WEBHOOK_KEY` as WebhookKey (`?code=`) or as the HttpHeader `x-hub-token`.
 */
export const dynamicsAdapter: SourceAdapter = {
  key: SOURCE,
  defaultMapping: dynamicsDefaultMapping,
  secretNames: [WEBHOOK_KEY],
  verify(request, settings) {
    verifyDynamicsRequest(request, settings.secrets);
  },
  toRecords(request, settings) {
    return toCanonicalRecords(
      parseExecutionContext(request.rawBody),
      mergeMappings(dynamicsDefaultMapping, settings.mapping),
      request.rawBody,
      request.receivedAt,
    );
  },
};
