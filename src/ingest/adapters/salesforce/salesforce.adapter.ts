import { mergeMappings } from '../../mapping/field-mapping';
import type { AdapterError, AdapterResponse, InboundRequest, SourceAdapter } from '../adapter';
import { salesforceDefaultMapping } from './default-mapping';
import { mapJsonItems, mapOutboundMessage, SOURCE } from './map';
import { bodyText, isXmlRequest, parseJsonBody, parseJsonItems, parseOutboundMessage } from './parse';
import { ORGANIZATION_ID, verifySalesforceRequest, WEBHOOK_TOKEN } from './verify';

/** The acknowledgement the Outbound Message WSDL defines; anything else makes Salesforce retry for 24 hours. */
export const OUTBOUND_MESSAGE_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body>
    <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
      <Ack>true</Ack>
    </notificationsResponse>
  </soapenv:Body>
</soapenv:Envelope>
`;

const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A SOAP 1.1 fault: `soapenv:Client` for what the sender got wrong, `soapenv:Server` for the hub's own state. */
export function soapFault(error: AdapterError): string {
  const faultCode = error.code === 'NOT_CONFIGURED' ? 'soapenv:Server' : 'soapenv:Client';
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body>
    <soapenv:Fault>
      <faultcode>${faultCode}</faultcode>
      <faultstring>${escapeXml(`${error.code}: ${error.message}`)}</faultstring>
    </soapenv:Fault>
  </soapenv:Body>
</soapenv:Envelope>
`;
}

/**
 * Salesforce at `POST /webhooks/salesforce`: Change Data Capture events and REST sObjects (JSON, from a
 * relay) and Outbound Messages (SOAP XML, sent by Salesforce itself), told apart by content. Contacts and leads
 * become canonical records; other objects and gap events are skipped with a reason.
 *
 * Secrets: `SALESFORCE_WEBHOOK_TOKEN` (every request, `?token=` or `x-hub-token`) and
 * `SALESFORCE_ORGANIZATION_ID` (Outbound Messages). An Outbound Message is answered with the SOAP `Ack` —
 * also when some notifications were dead-lettered, which keeps them for replay instead of Salesforce retrying
 * the whole message for a day — and a refusal with a SOAP fault.
 */
export const salesforceAdapter: SourceAdapter = {
  key: SOURCE,
  defaultMapping: salesforceDefaultMapping,
  secretNames: [WEBHOOK_TOKEN, ORGANIZATION_ID],

  verify: verifySalesforceRequest,

  toRecords(request, settings) {
    const mapping = mergeMappings(salesforceDefaultMapping, settings.mapping);
    const text = bodyText(request);
    if (isXmlRequest(request)) return mapOutboundMessage(parseOutboundMessage(text), mapping, request.receivedAt);
    return mapJsonItems(parseJsonItems(parseJsonBody(text)), mapping, request.receivedAt);
  },

  respond(request: InboundRequest): AdapterResponse | undefined {
    if (isXmlRequest(request)) return { status: 200, contentType: SOAP_CONTENT_TYPE, body: OUTBOUND_MESSAGE_ACK };
    return undefined;
  },

  respondError(request: InboundRequest, error: AdapterError): AdapterResponse | undefined {
    if (isXmlRequest(request)) return { status: error.status, contentType: SOAP_CONTENT_TYPE, body: soapFault(error) };
    return undefined;
  },

  // An Outbound Message may carry a live API session ("Send Session ID"): never keep it in a dead letter.
  redact: (body: string) => body.replace(/(<(?:\w+:)?SessionId>)[^<]*(<\/(?:\w+:)?SessionId>)/g, '$1[redacted]$2'),
};
