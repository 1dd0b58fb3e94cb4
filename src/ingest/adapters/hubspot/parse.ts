import { ErrorCode } from '../../../common/hub-error';
import { AdapterError, type ItemRejection } from '../adapter';

/** One event of a HubSpot webhooks v3 batch (ids as decimal strings, whatever their size). */
export interface HubSpotEvent {
  /** Not unique on its own: only together with portal and subscription (and object). */
  eventId: string;
  subscriptionId: string;
  portalId: string;
  appId?: string;
  /** Epoch milliseconds. */
  occurredAt: number;
  subscriptionType: string;
  /** Grows with each retry; never part of an idempotency key. */
  attemptNumber?: number;
  objectId?: string;
  objectTypeId?: string;
  changeSource?: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: string;
  mergedObjectIds?: string[];
  newObjectId?: string;
}

/** A CRM v3 contact object as a relay posts it (`GET /crm/v3/objects/contacts/{id}` and friends). */
export interface HubSpotContactObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  archivedAt?: string;
}

/** One item of the body, with its position (`index`) and JSON path (`path`) for rejections. */
export type HubSpotItem = { index: number; path: string } & (
  | { kind: 'event'; event: HubSpotEvent }
  | { kind: 'object'; object: HubSpotContactObject }
  | { kind: 'invalid'; rejection: ItemRejection }
);

// Integer literals too long for a double are quoted before JSON.parse so that no id loses digits; string
// literals are matched first and left alone.
const LITERALS = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])(-?\d{16,})(?![\d.eE])/g;

function parseJson(text: string): unknown {
  return JSON.parse(text.replace(LITERALS, (literal, digits?: string) => (digits ? `"${digits}"` : literal)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class ItemError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function id(value: unknown, field: string, required: true): string;
function id(value: unknown, field: string, required?: boolean): string | undefined;
function id(value: unknown, field: string, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new ItemError(field, `${field} is missing`);
    return undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,40}$/.test(value)) return value;
  throw new ItemError(field, `${field} is not a numeric id`);
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ItemError(field, `${field} is not a string`);
  return value;
}

function readEvent(raw: Record<string, unknown>): HubSpotEvent {
  const occurredAt = typeof raw.occurredAt === 'string' ? Number(raw.occurredAt) : raw.occurredAt;
  if (typeof occurredAt !== 'number' || !Number.isSafeInteger(occurredAt) || occurredAt < 0) {
    throw new ItemError('occurredAt', 'occurredAt is not a time in epoch milliseconds');
  }
  const subscriptionType = optionalText(raw.subscriptionType, 'subscriptionType');
  if (!subscriptionType) throw new ItemError('subscriptionType', 'subscriptionType is missing');
  let mergedObjectIds: string[] | undefined;
  if (raw.mergedObjectIds !== undefined && raw.mergedObjectIds !== null) {
    if (!Array.isArray(raw.mergedObjectIds)) throw new ItemError('mergedObjectIds', 'mergedObjectIds is not a list');
    mergedObjectIds = raw.mergedObjectIds.map((value, i) => id(value, `mergedObjectIds[${i}]`, true));
  }
  const propertyValue = raw.propertyValue;
  return {
    eventId: id(raw.eventId, 'eventId', true),
    subscriptionId: id(raw.subscriptionId, 'subscriptionId', true),
    portalId: id(raw.portalId, 'portalId', true),
    appId: id(raw.appId, 'appId'),
    occurredAt,
    subscriptionType,
    attemptNumber: typeof raw.attemptNumber === 'number' ? raw.attemptNumber : undefined,
    objectId: id(raw.objectId, 'objectId'),
    objectTypeId: optionalText(raw.objectTypeId, 'objectTypeId'),
    changeSource: optionalText(raw.changeSource, 'changeSource'),
    sourceId: optionalText(raw.sourceId, 'sourceId'),
    propertyName: optionalText(raw.propertyName, 'propertyName'),
    // HubSpot sends property values as strings; a number or boolean from a relay is read as its text.
    propertyValue:
      typeof propertyValue === 'number' || typeof propertyValue === 'boolean'
        ? String(propertyValue)
        : optionalText(propertyValue, 'propertyValue'),
    primaryObjectId: id(raw.primaryObjectId, 'primaryObjectId'),
    mergedObjectIds,
    newObjectId: id(raw.newObjectId, 'newObjectId'),
  };
}

function readObject(raw: Record<string, unknown>): HubSpotContactObject {
  if (!isObject(raw.properties)) throw new ItemError('properties', 'properties is not an object');
  const properties: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(raw.properties)) {
    if (value === null || value === undefined) properties[name] = null;
    else if (typeof value === 'string') properties[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') properties[name] = String(value);
    else throw new ItemError(`properties.${name}`, `property ${name} is not a string`);
  }
  if (raw.archived !== undefined && typeof raw.archived !== 'boolean') {
    throw new ItemError('archived', 'archived is not a boolean');
  }
  return {
    id: id(raw.id, 'id', true),
    properties,
    createdAt: optionalText(raw.createdAt, 'createdAt'),
    updatedAt: optionalText(raw.updatedAt, 'updatedAt'),
    archived: raw.archived,
    archivedAt: optionalText(raw.archivedAt, 'archivedAt'),
  };
}

function readItem(raw: unknown, index: number, path: string): HubSpotItem {
  try {
    if (isObject(raw) && raw.subscriptionType !== undefined) {
      return { index, path, kind: 'event', event: readEvent(raw) };
    }
    if (isObject(raw) && raw.properties !== undefined) return { index, path, kind: 'object', object: readObject(raw) };
    throw new ItemError('', 'neither a webhook event (subscriptionType) nor a CRM object (id, properties)');
  } catch (error) {
    if (!(error instanceof ItemError)) throw error;
    return {
      index,
      path,
      kind: 'invalid',
      rejection: {
        index,
        code: ErrorCode.InvalidRecord,
        message: error.message,
        path: error.field ? `${path}.${error.field}` : path,
      },
    };
  }
}

/**
 * Reads a HubSpot body by its shape: a webhooks v3 batch (a JSON array of events), or CRM v3 contact objects
 * as a relay posts them (one object, a `{ results: [...] }` page, or an array of objects). Items that cannot
 * be read become rejections; a body that is not JSON is `MALFORMED_PAYLOAD`, any other shape
 * `UNSUPPORTED_PAYLOAD`.
 */
export function parseHubSpotPayload(rawBody: Buffer): HubSpotItem[] {
  let body: unknown;
  try {
    body = parseJson(rawBody.toString('utf8'));
  } catch {
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is not JSON');
  }
  if (Array.isArray(body)) return body.map((item, i) => readItem(item, i, `$[${i}]`));
  if (isObject(body) && Array.isArray(body.results)) {
    return body.results.map((item, i) => readItem(item, i, `$.results[${i}]`));
  }
  if (isObject(body) && body.properties !== undefined) return [readItem(body, 0, '$')];
  throw new AdapterError(
    'UNSUPPORTED_PAYLOAD',
    'expected a HubSpot webhook batch (a JSON array of events) or CRM contact objects ({ id, properties } or { results })',
  );
}
