import { createHash } from 'node:crypto';
import { applyMapping, type FieldMapping } from '../../mapping/field-mapping';
import type { AdapterOutput } from '../adapter';
// Dataverse's address1_country is free text like Marketo's; one table of country names serves both.
import { normaliseCountry } from '../marketo/map';
import { asReference, dotnetInstant, type DynamicsExecutionContext } from './parse';

export const SOURCE = 'dynamics';

/** Tables whose rows are people. */
const PERSON_TABLES = new Set(['contact', 'lead']);
/** `lead.statecode` Qualified. */
const LEAD_QUALIFIED = 1;
const DAY_MS = 86_400_000;
const RECORD_KEYS = new Set(['externalId', 'updatedAt', 'eventId', 'deleted', 'objectType', 'source']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function targetOf(mapping: FieldMapping, column: string): string | undefined {
  const rule = mapping.fields[column];
  return typeof rule === 'string' ? rule : rule?.path;
}

/**
 * A date-only column (`birthdate`) as `YYYY-MM-DD`. DateOnly columns arrive as UTC midnight; older
 * user-local ones as local midnight in UTC, so the nearest UTC midnight is the intended day.
 */
function dateOnly(value: string): string | undefined {
  const instant = dotnetInstant(value);
  if (!instant) return undefined;
  return new Date(Math.round(Date.parse(instant) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** A typed Dataverse value as the plain value its canonical target takes. `undefined` leaves the field out. */
function simplify(value: unknown, target: string | undefined): unknown {
  if (value === null) return null;
  const reference = asReference(value);
  if (reference) {
    if (target && (RECORD_KEYS.has(target) || /^(links|identifiers)\./.test(target))) return reference.id;
    // A lookup without its display name says nothing about the name: leave the field as it is.
    if (target && !target.startsWith('custom.')) return reference.name ?? undefined;
    return { id: reference.id, logicalName: reference.logicalName ?? null, name: reference.name ?? null };
  }
  if (typeof value === 'string' && value.startsWith('/Date(')) {
    return target === 'birthDate' ? (dateOnly(value) ?? value) : (dotnetInstant(value) ?? value);
  }
  if (Array.isArray(value)) return value.map((item) => simplify(item, undefined));
  if (isObject(value)) {
    // OptionSetValue and Money: { __type, Value }.
    if ('Value' in value && Object.keys(value).every((k) => k === 'Value' || k === '__type')) return value.Value;
    if ('Attributes' in value) return undefined;
    return value;
  }
  return value;
}

const truthy = (value: unknown) => value === true || value === 'true';
const filled = (value: unknown) => value !== undefined && value !== null && value !== '';

/** The eventId's request part: `RequestId`, else the async `OperationId`, else the body's hash. */
function requestKey(context: DynamicsExecutionContext, rawBody: Buffer): string {
  if (context.requestId) return context.requestId;
  if (context.operationId) return `op.${context.operationId}`;
  return `sha256.${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
}

/** Create / Update: the changed columns (plus a post image's, when registered) as a patch. */
function upsertRecord(
  context: DynamicsExecutionContext,
  attributes: Record<string, unknown>,
  mapping: FieldMapping,
  base: Record<string, unknown>,
): AdapterOutput {
  const merged: Record<string, unknown> = { ...(context.postImage ?? {}), ...attributes };
  // Where the payload shows telephone1 empty (cleared, or absent from a Create, whose Target carries every
  // value set), the mobile number is the person's phone; otherwise it stays custom data only. (A post image
  // may hold a chosen subset of columns, so a column missing there proves nothing.)
  const telephoneKnownEmpty = 'telephone1' in merged ? !filled(merged.telephone1) : context.messageName === 'Create';
  const ignore = new Set(mapping.ignore ?? []);
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(merged)) {
    if (ignore.has(column)) continue;
    const simple = simplify(value, targetOf(mapping, column));
    if (simple !== undefined) row[column] = simple;
  }
  if (telephoneKnownEmpty && filled(merged.mobilephone) && targetOf(mapping, 'telephone1')) {
    row.telephone1 = row.mobilephone;
  }
  const updatedAt = dotnetInstant(merged.modifiedon) ?? (base.updatedAt as string);
  const version = merged.versionnumber;
  const sequence =
    (typeof version === 'number' && Number.isSafeInteger(version)) ||
    (typeof version === 'string' && /^\d+$/.test(version))
      ? String(version)
      : undefined;
  const mapped = applyMapping(mapping, row, SOURCE, { ...base, updatedAt, ...(sequence ? { sequence } : {}) });
  if (!mapped.ok) {
    return { records: [], rejected: [{ index: 0, code: mapped.code, message: mapped.message, path: mapped.path }] };
  }
  const record = mapped.record;
  normaliseCountry(record, SOURCE);

  // From the message itself, not the post image: the statement is captured when the flag was set.
  const optedOut = ['donotbulkemail', 'donotemail'].filter((column) => truthy(attributes[column]));
  if (optedOut.length > 0) {
    const email = typeof merged.emailaddress1 === 'string' ? merged.emailaddress1 : undefined;
    record.consents = [
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: updatedAt,
        ...(email ? { contactPoint: email } : {}),
        evidence: Object.fromEntries(optedOut.map((column) => [column, true])),
      },
    ];
  }
  const state = simplify(attributes.statecode, undefined);
  if (context.primaryEntityName === 'lead' && state === LEAD_QUALIFIED) {
    record.events = [
      {
        id: record.eventId,
        type: 'lead_converted',
        occurredAt: updatedAt,
        properties: { statuscode: (simplify(merged.statuscode, undefined) as number | undefined) ?? null },
      },
    ];
  }
  return { records: [record] };
}

/**
 * One canonical record per webhook call: Create and Update of a contact or lead patch the columns the message
 * carries (at `modifiedon`, ordered by `versionnumber`); `donotbulkemail` / `donotemail` set to true withdraw
 * email-marketing consent; a lead set to Qualified adds a `lead_converted` event; Delete is a tombstone; Merge
 * deletes the subordinate row with reason `merged`, linked to the surviving one. Other tables and messages are
 * skipped.
 */
export function toCanonicalRecords(
  context: DynamicsExecutionContext,
  mapping: FieldMapping,
  rawBody: Buffer,
  receivedAt: Date,
): AdapterOutput {
  const skip = (reason: string): AdapterOutput => ({ records: [], skipped: [{ index: 0, reason }] });
  if (!PERSON_TABLES.has(context.primaryEntityName)) {
    return skip(`table "${context.primaryEntityName}" is not a person (contact, lead)`);
  }
  const key = requestKey(context, rawBody);
  const base: Record<string, unknown> = {
    externalId: context.primaryEntityId,
    objectType: context.primaryEntityName,
    updatedAt: context.operationCreatedOn ?? receivedAt.toISOString(),
    eventId: `${key}:${context.messageName}:${context.primaryEntityId}`,
  };
  switch (context.messageName) {
    case 'Create':
    case 'Update':
      if (context.target?.kind !== 'entity') {
        return skip(
          `${context.messageName} without Target attributes (Dataverse drops them from payloads above 256 KB)`,
        );
      }
      return upsertRecord(context, context.target.attributes, mapping, base);
    case 'Delete':
      return { records: [{ source: SOURCE, ...base, deleted: true, deleteReason: 'deleted' }] };
    case 'Merge':
      if (!context.subordinateId) return skip('Merge without SubordinateId');
      return {
        records: [
          {
            source: SOURCE,
            ...base,
            externalId: context.subordinateId,
            eventId: `${key}:Merge:${context.subordinateId}`,
            deleted: true,
            deleteReason: 'merged',
            links: [{ source: SOURCE, externalId: context.primaryEntityId }],
          },
        ],
      };
    default:
      return skip(`message "${context.messageName}" is not used by the hub`);
  }
}
