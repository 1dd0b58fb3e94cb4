import { AdapterError } from '../adapter';

/** A lead as the REST API returns it (Get Leads by Id / by Filter Type): `id` plus the requested fields. */
export interface MarketoLead {
  kind: 'lead';
  index: number;
  path: string;
  id: string;
  /** Every field as returned, `id` included (Marketo omits fields that have no value). */
  fields: Record<string, unknown>;
}

/** A field change as Get Lead Changes reports it (`fields[]` of a Change Data Value activity). */
export interface MarketoFieldChange {
  /** REST API name (`firstName`) — or, from Get Lead Activities, the display name (`First Name`). */
  name: string;
  newValue: unknown;
  oldValue: unknown;
}

/** An activity from Get Lead Activities, Get Lead Changes or Get Deleted Leads. */
export interface MarketoActivity {
  kind: 'activity';
  index: number;
  path: string;
  /** `marketoGUID`, else the integer `id` as a string: unique per activity. */
  activityId: string;
  /** The integer `id` (ascending in time), when the API gave one: orders activities with equal dates. */
  sequence: string | undefined;
  leadId: string;
  /** ISO 8601 instant. */
  activityDate: string;
  activityTypeId: number;
  primaryAttributeValueId: unknown;
  primaryAttributeValue: unknown;
  /** `attributes: [{ name, value }]` as an object by name. */
  attributes: Record<string, unknown>;
  fieldChanges: MarketoFieldChange[];
}

export type MarketoItem =
  MarketoLead | MarketoActivity | { kind: 'invalid'; index: number; path: string; code: string; message: string };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Marketo's datetimes (`2023-01-16T23:32:19Z`, `2014-09-17T22:31:49+0000`) as ISO 8601 UTC, or undefined. */
export function marketoInstant(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value.trim())) return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value.trim())) return value.trim();
  return undefined;
}

function activity(item: Record<string, unknown>, index: number, path: string): MarketoItem {
  const invalid = (code: string, message: string, at: string) => ({
    kind: 'invalid' as const,
    index,
    path: `${path}.${at}`,
    code,
    message,
  });
  const activityTypeId = Number(item.activityTypeId);
  if (!Number.isInteger(activityTypeId))
    return invalid('INVALID_TYPE', 'activityTypeId is not an integer', 'activityTypeId');
  const leadId = idText(item.leadId);
  if (!leadId) return invalid('MISSING_EXTERNAL_ID', 'the activity names no leadId', 'leadId');
  const activityDate = marketoInstant(item.activityDate);
  if (!activityDate) return invalid('INVALID_DATE', 'activityDate is not an ISO 8601 datetime', 'activityDate');
  const sequence = idText(item.id);
  const guid =
    typeof item.marketoGUID === 'string' && item.marketoGUID.trim() !== '' ? item.marketoGUID.trim() : sequence;
  if (!guid) return invalid('INVALID_RECORD', 'the activity has neither marketoGUID nor id', 'marketoGUID');
  const attributes: Record<string, unknown> = {};
  if (Array.isArray(item.attributes)) {
    for (const attribute of item.attributes) {
      if (isObject(attribute) && typeof attribute.name === 'string') attributes[attribute.name] = attribute.value;
    }
  }
  const fieldChanges: MarketoFieldChange[] = Array.isArray(item.fields)
    ? item.fields
        .filter((f): f is Record<string, unknown> => isObject(f) && typeof f.name === 'string')
        .map((f) => ({ name: f.name as string, newValue: f.newValue, oldValue: f.oldValue }))
    : [];
  return {
    kind: 'activity',
    index,
    path,
    activityId: guid,
    sequence,
    leadId,
    activityDate,
    activityTypeId,
    primaryAttributeValueId: item.primaryAttributeValueId,
    primaryAttributeValue: item.primaryAttributeValue,
    attributes,
    fieldChanges,
  };
}

function resultItem(item: unknown, index: number, path: string): MarketoItem {
  if (!isObject(item)) {
    return { kind: 'invalid', index, path, code: 'INVALID_TYPE', message: 'a result item must be a JSON object' };
  }
  if (item.activityTypeId !== undefined) return activity(item, index, path);
  const id = idText(item.id);
  if (id) return { kind: 'lead', index, path, id, fields: item };
  return {
    kind: 'invalid',
    index,
    path,
    code: 'UNSUPPORTED_ITEM',
    message: 'neither a lead (numeric id) nor an activity (activityTypeId)',
  };
}

/**
 * Reads what a relay posts: one Marketo REST response (`{ requestId, success, result: [...] }`) or an array of
 * them. Items are routed by shape — `activityTypeId` makes an activity (Get Lead Activities, Get Lead Changes,
 * Get Deleted Leads), a numeric `id` without it a lead (Get Leads). A failed response (`success: false`) is
 * refused with Marketo's error codes.
 */
export function parseMarketoBody(rawBody: Buffer): MarketoItem[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is not JSON');
  }
  const responses = Array.isArray(body) ? body : [body];
  const items: MarketoItem[] = [];
  responses.forEach((response: unknown, r) => {
    const at = Array.isArray(body) ? `$[${r}]` : '$';
    if (isObject(response) && response.success === false) {
      const errors = Array.isArray(response.errors) ? response.errors.filter(isObject) : [];
      const codes = errors.map((e) => `${String(e.code ?? '?')} ${String(e.message ?? '')}`.trim()).join('; ');
      throw new AdapterError('UNSUPPORTED_PAYLOAD', `${at} is a failed Marketo response${codes ? `: ${codes}` : ''}`);
    }
    if (!isObject(response) || !Array.isArray(response.result)) {
      throw new AdapterError(
        'UNSUPPORTED_PAYLOAD',
        `${at} is not a Marketo REST response: expected { "result": [ … ] }`,
      );
    }
    for (const [i, item] of response.result.entries()) {
      items.push(resultItem(item, items.length, `${at}.result[${i}]`));
    }
  });
  return items;
}
