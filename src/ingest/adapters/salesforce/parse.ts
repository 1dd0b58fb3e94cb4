import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AdapterError, type InboundRequest } from '../adapter';

/**
 * Salesforce reaches `POST /webhooks/salesforce` in three shapes, told apart by content:
 * - Change Data Capture events (JSON, one event or an array) as a relay forwards them from the Pub/Sub API
 *   (decoded Avro: every field present, unchanged ones null, dates as epoch numbers) or CometD (only changed
 *   fields, dates as ISO strings), bare or in their `{ payload }` / `{ data: { payload } }` envelopes;
 * - REST sObjects (JSON) as `/services/data/vXX.X/sobjects/Contact/<id>` returns them, or a query result
 *   `{ totalSize, done, records: [...] }`;
 * - Outbound Messages (SOAP 1.1 XML) that a workflow rule sends itself.
 */

export interface ChangeEventHeader {
  entityName: string;
  changeType: string;
  recordIds: string[];
  /** Epoch milliseconds of the commit (checked when mapping: gap events need none). */
  commitTimestamp: number | undefined;
  /** The system change number, exact (it exceeds 2^53), as a decimal string. */
  commitNumber?: string;
  transactionKey?: string;
  sequenceNumber?: number;
  changeOrigin?: string;
  /** Names as Salesforce writes them: `Email`, or `CompoundField.ComponentField` such as `Name.LastName`. */
  changedFields: string[];
  nulledFields: string[];
  /** Fields sent as a diff of their old value (long text areas): never usable as a value. */
  diffFields: string[];
}

export interface ChangeEventItem {
  kind: 'change_event';
  /** JSON path of the event in the body, for rejections. */
  path: string;
  header: ChangeEventHeader;
  /** The event body with compound fields flattened to sObject names (`Name.LastName` → `LastName`). */
  fields: Record<string, unknown>;
}

export interface SObjectItem {
  kind: 'sobject';
  path: string;
  /** `attributes.type`, e.g. `Contact`. */
  type: string;
  /** Fields with relationships flattened (`Account.Name`), compound address/geolocation copies dropped. */
  fields: Record<string, unknown>;
}

export interface InvalidItem {
  kind: 'invalid';
  message: string;
  path: string;
}

export type JsonItem = ChangeEventItem | SObjectItem | InvalidItem;

export interface OutboundNotification {
  /** The notification id (`04l…`), the same on every re-delivery. */
  id: string | undefined;
  /** From `xsi:type="sf:Contact"`. */
  type: string | undefined;
  /** Field → text; `null` for `xsi:nil="true"`; booleans for the known checkbox fields. */
  fields: Record<string, string | boolean | null>;
  /** Set when the notification cannot be read (a repeated field, a nested element). */
  problem?: string;
}

export interface OutboundMessage {
  organizationId: string | undefined;
  actionId: string | undefined;
  notifications: OutboundNotification[];
}

/** An Outbound Message is XML; everything else that reaches this endpoint is JSON. */
export function isXmlRequest(request: InboundRequest): boolean {
  if (/xml/i.test(request.headers['content-type'] ?? '')) return true;
  return bodyText(request).trimStart().startsWith('<');
}

export function bodyText(request: InboundRequest): string {
  return request.rawBody.toString('utf8').replace(/^\uFEFF/, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ── JSON: change events and sObjects ─────────────────────────────────────────────────────────────────────────

// `commitNumber` exceeds 2^53: quote the integer before JSON.parse rounds it. The look-behind skips an escaped
// quote (the text inside a string value), the look-ahead a number with a fraction or exponent.
const COMMIT_NUMBER = /(?<!\\)("commitNumber"\s*:\s*)(-?\d+)(?=\s*[,}\]])/g;

/** Parses a JSON body keeping `commitNumber` exact; `MALFORMED_PAYLOAD` when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new AdapterError('MALFORMED_PAYLOAD', 'the body is empty');
  try {
    return JSON.parse(text.replace(COMMIT_NUMBER, '$1"$2"'));
  } catch {
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is neither JSON nor an Outbound Message (XML)');
  }
}

/** The change event inside the envelopes relays keep: CometD `{ data: { payload } }`, Pub/Sub `{ payload }`. */
function unwrapEvent(value: unknown): unknown {
  let current = value;
  if (isObject(current) && !('ChangeEventHeader' in current) && isObject(current.data)) current = current.data;
  if (isObject(current) && isObject(current.payload) && isObject(current.payload.ChangeEventHeader)) {
    current = current.payload;
  }
  return current;
}

function isQueryResult(value: Record<string, unknown>): boolean {
  return Array.isArray(value.records) && ('totalSize' in value || 'done' in value);
}

/**
 * Splits a JSON body into items: one per change event and one per sObject (a query result contributes one per
 * record). Item indexes are positions in this flat list. `UNSUPPORTED_PAYLOAD` when nothing in it is Salesforce.
 */
export function parseJsonItems(body: unknown): JsonItem[] {
  const values: { value: unknown; path: string }[] = [];
  const top = Array.isArray(body) ? body.map((value, i) => ({ value, path: `$[${i}]` })) : [{ value: body, path: '$' }];
  for (const { value, path } of top) {
    if (isObject(value) && isQueryResult(value)) {
      (value.records as unknown[]).forEach((record, i) =>
        values.push({ value: record, path: `${path}.records[${i}]` }),
      );
    } else values.push({ value, path });
  }
  const items = values.map(({ value, path }) => parseJsonItem(value, path));
  const recognised = items.some((item) => item.kind !== 'invalid');
  const emptyQuery = isObject(body) && isQueryResult(body);
  if (!recognised && !emptyQuery && items.length > 0) {
    throw new AdapterError(
      'UNSUPPORTED_PAYLOAD',
      'expected Change Data Capture events, REST sObjects or a query result, or an Outbound Message',
    );
  }
  return items;
}

function parseJsonItem(raw: unknown, path: string): JsonItem {
  const value = unwrapEvent(raw);
  if (isObject(value) && isObject(value.ChangeEventHeader)) return parseChangeEvent(value, path);
  if (isObject(value) && isObject(value.attributes) && typeof value.attributes.type === 'string') {
    return { kind: 'sobject', path, type: value.attributes.type, fields: flattenSObject(value) };
  }
  return {
    kind: 'invalid',
    message: 'neither a change event (ChangeEventHeader) nor an sObject (attributes.type)',
    path,
  };
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return undefined;
  return value as string[];
}

function parseChangeEvent(event: Record<string, unknown>, path: string): JsonItem {
  const header = event.ChangeEventHeader as Record<string, unknown>;
  const at = (field: string) => `${path}.ChangeEventHeader.${field}`;
  const invalid = (field: string, message: string): InvalidItem => ({ kind: 'invalid', message, path: at(field) });

  if (typeof header.entityName !== 'string' || header.entityName === '') {
    return invalid('entityName', 'the change event names no entity');
  }
  if (typeof header.changeType !== 'string' || header.changeType === '') {
    return invalid('changeType', 'the change event has no changeType');
  }
  const recordIds = stringList(header.recordIds);
  if (!recordIds) return invalid('recordIds', 'recordIds must be a list of record ids');
  const commitTimestamp =
    typeof header.commitTimestamp === 'string' && header.commitTimestamp.trim() !== ''
      ? Number(header.commitTimestamp)
      : header.commitTimestamp;
  const changedFields = stringList(header.changedFields);
  const nulledFields = stringList(header.nulledFields);
  const diffFields = stringList(header.diffFields);
  if (!changedFields) return invalid('changedFields', 'changedFields must be a list of field names');
  if (!nulledFields) return invalid('nulledFields', 'nulledFields must be a list of field names');
  if (!diffFields) return invalid('diffFields', 'diffFields must be a list of field names');
  // Pub/Sub API clients that skip bitmap decoding forward `0x…` bitmaps: unreadable without the Avro schema.
  if ([...changedFields, ...nulledFields].some((name) => /^(?:\d+-)?0x[0-9A-F]+$/i.test(name))) {
    return invalid('changedFields', 'changedFields/nulledFields are undecoded bitmaps; decode them in the relay');
  }
  const commitNumber = header.commitNumber;
  const sequenceNumber =
    typeof header.sequenceNumber === 'string' ? Number(header.sequenceNumber) : header.sequenceNumber;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'ChangeEventHeader') continue;
    if (isObject(value)) {
      for (const [component, part] of Object.entries(value)) fields[flatFieldName(key, component)] = part;
    } else fields[key] = value;
  }
  for (const field of DATE_FIELDS) {
    if (typeof fields[field] === 'number') fields[field] = epochDate(fields[field]);
  }
  return {
    kind: 'change_event',
    path,
    header: {
      entityName: header.entityName,
      changeType: header.changeType,
      recordIds,
      commitTimestamp:
        typeof commitTimestamp === 'number' && Number.isFinite(commitTimestamp) ? commitTimestamp : undefined,
      commitNumber:
        typeof commitNumber === 'string' && /^\d+$/.test(commitNumber)
          ? commitNumber
          : typeof commitNumber === 'number' && Number.isSafeInteger(commitNumber) && commitNumber >= 0
            ? String(commitNumber)
            : undefined,
      transactionKey: typeof header.transactionKey === 'string' ? header.transactionKey : undefined,
      sequenceNumber:
        typeof sequenceNumber === 'number' && Number.isFinite(sequenceNumber) ? sequenceNumber : undefined,
      changeOrigin: typeof header.changeOrigin === 'string' ? header.changeOrigin : undefined,
      changedFields,
      nulledFields,
      diffFields,
    },
    fields,
  };
}

/** Components of the compound fields a change event may name without a component. */
export const COMPOUND_COMPONENTS: Record<'name' | 'address', readonly string[]> = {
  name: ['Salutation', 'FirstName', 'MiddleName', 'LastName', 'Suffix', 'InformalName'],
  address: [
    'Street',
    'City',
    'State',
    'PostalCode',
    'Country',
    'StateCode',
    'CountryCode',
    'Latitude',
    'Longitude',
    'GeocodeAccuracy',
  ],
};

/**
 * The sObject field behind a compound component of a change event: `Name.LastName` → `LastName`,
 * `MailingAddress.City` → `MailingCity`, a lead's `Address.Street` → `Street`, a geolocation
 * `Site__c.Latitude` → `Site__Latitude__s`; anything else keeps its dotted name.
 */
export function flatFieldName(compound: string, component: string): string {
  if (compound === 'Name') return component;
  if (compound.endsWith('Address')) return `${compound.slice(0, -'Address'.length)}${component}`;
  if (compound.endsWith('__c')) return `${compound.slice(0, -'__c'.length)}__${component}__s`;
  return `${compound}.${component}`;
}

/**
 * A changedFields/nulledFields entry as sObject field names: `Name.LastName` → [`LastName`]; a compound named
 * whole (`MailingAddress`) → each of its components.
 */
export function expandChangedField(name: string, event: Record<string, unknown>): string[] {
  const dot = name.indexOf('.');
  if (dot > 0) return [flatFieldName(name.slice(0, dot), name.slice(dot + 1))];
  const value = event[name];
  const plain = value !== undefined && value !== null && typeof value !== 'object';
  if (name === 'Name' && !plain) return [...COMPOUND_COMPONENTS.name];
  if (name.endsWith('Address') && !plain) {
    return COMPOUND_COMPONENTS.address.map((component) => flatFieldName(name, component));
  }
  const prefix = `${name.endsWith('__c') ? name.slice(0, -'__c'.length) : name}__`;
  const components = Object.keys(event).filter((key) => key.startsWith(prefix) && key.endsWith('__s'));
  return components.length > 0 ? components : [name];
}

/** Contact and Lead date (not date-time) fields, which the Pub/Sub API sends as epoch numbers. */
const DATE_FIELDS = ['Birthdate', 'ConvertedDate', 'LastActivityDate'];

/** A Pub/Sub API date: days since the epoch (Avro `date`), or milliseconds for a schema that sends those. */
function epochDate(value: number): string | number {
  const ms = Math.abs(value) < 1e6 ? value * 86_400_000 : value;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 10);
}

/**
 * REST sObject fields with relationship records flattened (`Account: { attributes, Name }` → `Account.Name`).
 * Compound values (`MailingAddress`, geolocations) are dropped: REST repeats their parts as plain fields.
 */
export function flattenSObject(record: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (isObject(value)) {
      if (isObject(value.attributes)) Object.assign(fields, flattenSObject(value, `${prefix}${key}.`));
      continue;
    }
    if (Array.isArray(value)) continue;
    fields[`${prefix}${key}`] = value;
  }
  return fields;
}

/**
 * A Salesforce timestamp as ISO 8601: epoch milliseconds (Pub/Sub API, `commitTimestamp`), or text such as
 * REST's `2026-11-01T10:00:00.000+0000` (an offset without a colon) and CometD's `…Z`.
 */
export function salesforceTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') {
    const date = new Date(value);
    return Number.isFinite(value) && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!match) return undefined;
  const zone = match[2] === 'Z' ? 'Z' : `${match[2].slice(0, 3)}:${match[2].slice(-2)}`;
  const date = new Date(`${match[1]}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ── XML: Outbound Messages ──────────────────────────────────────────────────────────────────────────────────

const xmlParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Ids, numbers ("39.0") and flags stay text: the mapping decides what they are.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  isArray: (name) => name === 'Notification',
});

/** Checkbox fields read as booleans (the WSDL types them `xsd:boolean`; text fields stay text). */
const BOOLEAN_FIELDS = new Set([
  'HasOptedOutOfEmail',
  'HasOptedOutOfFax',
  'DoNotCall',
  'IsConverted',
  'IsDeleted',
  'IsEmailBounced',
  'IsUnreadByOwner',
]);

function xmlText(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (isObject(node) && typeof node['#text'] === 'string') return node['#text'];
  if (isObject(node) && Object.keys(node).every((key) => key.startsWith('@_'))) return '';
  return undefined;
}

function isNil(node: unknown): boolean {
  return isObject(node) && node['@_nil'] === 'true';
}

/**
 * Reads a SOAP `notifications` message. `MALFORMED_PAYLOAD` for XML that is not well-formed (or declares a
 * DTD, which SOAP forbids), `UNSUPPORTED_PAYLOAD` for well-formed XML that is not an Outbound Message.
 */
export function parseOutboundMessage(text: string): OutboundMessage {
  if (/<!DOCTYPE/i.test(text)) throw new AdapterError('MALFORMED_PAYLOAD', 'a SOAP message must not declare a DTD');
  if (XMLValidator.validate(text) !== true)
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is not well-formed XML');
  const document: unknown = xmlParser.parse(text);
  const envelope = isObject(document) ? document.Envelope : undefined;
  const body = isObject(envelope) ? envelope.Body : undefined;
  const notifications = isObject(body) ? body.notifications : undefined;
  if (!isObject(notifications)) {
    throw new AdapterError(
      'UNSUPPORTED_PAYLOAD',
      'expected a SOAP Envelope whose Body holds Outbound Message notifications',
    );
  }
  const list = Array.isArray(notifications.Notification) ? notifications.Notification : [];
  return {
    organizationId: xmlText(notifications.OrganizationId)?.trim() || undefined,
    actionId: xmlText(notifications.ActionId)?.trim() || undefined,
    notifications: list.map(parseNotification),
  };
}

function parseNotification(node: unknown): OutboundNotification {
  if (!isObject(node)) return { id: undefined, type: undefined, fields: {}, problem: 'the Notification is empty' };
  const id = xmlText(node.Id)?.trim() || undefined;
  const sObject = node.sObject;
  if (!isObject(sObject)) return { id, type: undefined, fields: {}, problem: 'the Notification carries no sObject' };
  const rawType = typeof sObject['@_type'] === 'string' ? sObject['@_type'] : undefined;
  const type = rawType?.includes(':') ? rawType.slice(rawType.indexOf(':') + 1) : rawType;
  const fields: Record<string, string | boolean | null> = {};
  for (const [field, value] of Object.entries(sObject)) {
    if (field.startsWith('@_')) continue;
    if (isNil(value)) {
      fields[field] = null;
      continue;
    }
    const textValue = xmlText(value);
    if (textValue === undefined) {
      return { id, type, fields: {}, problem: `field ${field} is repeated or nested; expected one value` };
    }
    fields[field] =
      BOOLEAN_FIELDS.has(field) && (textValue === 'true' || textValue === 'false') ? textValue === 'true' : textValue;
  }
  return { id, type, fields };
}
