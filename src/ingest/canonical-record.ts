import { domainToASCII } from 'node:url';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { ErrorCode } from '../common/hub-error';
import { isCalendarDate, isCanonicalInstant } from '../common/calendar';
import {
  ADDRESS_KEYS,
  ADDRESS_PARTS,
  type AddressPart,
  type AttributeValue,
  type FlatAttributes,
} from '../identity/golden-attributes';

/**
 * The canonical record every adapter produces and `ingest`, `POST /ingest/:source` and `import` accept
 * (see DESIGN.md). Attributes are a patch: an absent key leaves the field as it was, `null` clears it.
 */
export interface CanonicalRecord {
  source: string;
  externalId: string;
  objectType: string;
  /** When the source changed the record; drives "an older update never overwrites a newer value". */
  updatedAt: string;
  eventId?: string;
  /** `true` deletes (a tombstone), `false` undeletes, absent leaves the flag as it was. */
  deleted?: boolean;
  /** Why the source deleted it: `deleted`, `merged`, `privacy_deletion`. */
  deleteReason?: string;
  /** The source's own change counter (decimal string, may exceed 2^53): orders changes with equal `updatedAt`. */
  sequence?: string;
  /** Flat patch: `email`, `address.city`, `custom.<key>` → value or null. */
  attributes: FlatAttributes;
  identifiers: { type: string; value: string }[];
  links: { source: string; externalId: string }[];
  consents: ConsentInput[];
  events: EngagementEventInput[];
}

export const CONSENT_STATUSES = ['granted', 'denied', 'withdrawn', 'pending'] as const;

/** A consent statement as a source reports it (purpose × channel × contact point). */
export interface ConsentInput {
  purpose: string;
  channel: string;
  status: (typeof CONSENT_STATUSES)[number];
  legalBasis?: string;
  capturedAt: string;
  expiresAt?: string;
  /** Which email or phone the statement is about; empty means the person's any. */
  contactPoint: string;
  evidence: Record<string, AttributeValue>;
}

/** One engagement event for the profile's timeline; `id` is unique per source and stable across deliveries. */
export interface EngagementEventInput {
  id: string;
  type: string;
  occurredAt: string;
  properties: Record<string, AttributeValue>;
}

/** Options of validation that come from the deployment. */
export interface ValidationOptions {
  /** Region for phone numbers written without a country code (`HUB_PHONE_REGION`). */
  phoneRegion?: string;
}

export interface RecordRejection {
  code: ErrorCode;
  message: string;
  /** JSON path of the offending value inside the record, e.g. `$.attributes.email`. */
  path: string;
}

export type RecordValidation = { ok: true; record: CanonicalRecord } | ({ ok: false } & RecordRejection);

const SOURCE_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_TEXT = 1000;
// Deliberately strict about shape, lenient about characters: local part and a dotted domain with a TLD.
const EMAIL = /^[^\s@"(),:;<>[\\\]]{1,64}@(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

const TOP_LEVEL = new Set([
  'source',
  'externalId',
  'objectType',
  'updatedAt',
  'eventId',
  'deleted',
  'attributes',
  'identifiers',
  'links',
  'consents',
  'events',
  'sequence',
  'deleteReason',
]);
const TEXT_ATTRIBUTES = new Set(['firstName', 'lastName', 'company', 'jobTitle']);
const KEY = /^[a-z][a-z0-9_.:-]{0,63}$/;

class Rejection extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function text(value: unknown, path: string, { required = false, max = MAX_TEXT } = {}): string | undefined {
  if (value === undefined || (value === null && !required)) return undefined;
  if (typeof value !== 'string')
    throw new Rejection(ErrorCode.InvalidType, `expected a string, got ${describe(value)}`, path);
  const trimmed = value.trim();
  if (required && trimmed === '') throw new Rejection(ErrorCode.InvalidRecord, 'must not be empty', path);
  if (trimmed.length > max) throw new Rejection(ErrorCode.ValueTooLong, `longer than ${max} characters`, path);
  return trimmed;
}

function collapse(value: string): string {
  return value.replace(/\s+/g, ' ');
}

function normaliseEmail(value: unknown, path: string): string | null {
  if (value === null) return null;
  const raw = text(value, path, { max: 320 }) ?? '';
  const at = raw.lastIndexOf('@');
  // Internationalised domains go to their ASCII (punycode) form, so one mailbox has one spelling.
  const domain = at > 0 ? domainToASCII(raw.slice(at + 1).toLowerCase()) : '';
  const email = at > 0 && domain ? `${raw.slice(0, at).toLowerCase()}@${domain}` : raw.toLowerCase();
  if (!EMAIL.test(email))
    throw new Rejection(ErrorCode.InvalidEmail, `"${raw.slice(0, 80)}" is not an email address`, path);
  return email;
}

function normalisePhone(value: unknown, path: string, region: string | undefined): string | null {
  if (value === null) return null;
  const raw = text(typeof value === 'number' ? String(value) : value, path, { max: 64 }) ?? '';
  const phone = parsePhoneNumberFromString(raw, region as CountryCode | undefined);
  if (!phone || !phone.isValid()) {
    const hint = region ? '' : ' (no HUB_PHONE_REGION is set, so numbers need a +country code)';
    throw new Rejection(ErrorCode.InvalidPhone, `"${raw.slice(0, 40)}" is not a valid phone number${hint}`, path);
  }
  return phone.number;
}

function normaliseDate(value: unknown, path: string): string | null {
  if (value === null) return null;
  const raw = text(value, path) ?? '';
  if (!ISO_DATE.test(raw) || !isCalendarDate(raw)) {
    throw new Rejection(ErrorCode.InvalidDate, `"${raw.slice(0, 40)}" is not a date (YYYY-MM-DD)`, path);
  }
  return raw;
}

function normaliseTimestamp(value: unknown, path: string): string {
  const raw = text(value, path, { required: true }) ?? '';
  // Most sources send the normal form already (`Date#toISOString`'s): nothing to parse.
  if (isCanonicalInstant(raw)) return raw;
  const parsed = new Date(raw);
  if (!ISO_DATETIME.test(raw) || Number.isNaN(parsed.getTime())) {
    throw new Rejection(
      ErrorCode.InvalidDate,
      `"${raw.slice(0, 40)}" is not an ISO 8601 timestamp with a time zone`,
      path,
    );
  }
  return parsed.toISOString();
}

function customValue(value: unknown, path: string, depth = 0): AttributeValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Rejection(ErrorCode.InvalidType, 'numbers must be finite', path);
    return value;
  }
  if (depth > 5) throw new Rejection(ErrorCode.InvalidType, 'nested deeper than 5 levels', path);
  if (Array.isArray(value)) return value.map((item, i) => customValue(item, `${path}[${i}]`, depth + 1));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, customValue(v, `${path}.${k}`, depth + 1)]));
  }
  throw new Rejection(ErrorCode.InvalidType, `unsupported value ${describe(value)}`, path);
}

function attributes(raw: unknown, options: ValidationOptions): FlatAttributes {
  if (raw === undefined) return {};
  if (!isObject(raw))
    throw new Rejection(ErrorCode.InvalidType, `expected an object, got ${describe(raw)}`, '$.attributes');
  const flat: FlatAttributes = {};
  // Own keys in `Object.entries`' order, without its array of pairs per record.
  for (const key in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, key)) continue;
    const value = raw[key];
    if (value === undefined) continue;
    const path = `$.attributes.${key}`;
    if (key === 'email') flat.email = normaliseEmail(value, path);
    else if (key === 'birthDate') flat.birthDate = normaliseDate(value, path);
    else if (key === 'phone') flat.phone = normalisePhone(value, path, options.phoneRegion);
    else if (TEXT_ATTRIBUTES.has(key)) flat[key] = value === null ? null : collapse(text(value, path) ?? '') || null;
    else if (key === 'address') {
      if (value === null) {
        for (const part of ADDRESS_PARTS) flat[ADDRESS_KEYS[part]] = null;
        continue;
      }
      if (!isObject(value))
        throw new Rejection(ErrorCode.InvalidType, `expected an object, got ${describe(value)}`, path);
      for (const [part, partValue] of Object.entries(value)) {
        const partPath = `${path}.${part}`;
        if (!(ADDRESS_PARTS as readonly string[]).includes(part)) {
          throw new Rejection(
            ErrorCode.UnknownAttribute,
            `unknown address field "${part}"; known: ${ADDRESS_PARTS.join(', ')}`,
            partPath,
          );
        }
        if (partValue === undefined) continue;
        let normalised = partValue === null ? null : collapse(text(partValue, partPath) ?? '') || null;
        if (part === 'country' && normalised !== null) {
          normalised = normalised.toUpperCase();
          if (!/^[A-Z]{2}$/.test(normalised)) {
            throw new Rejection(
              ErrorCode.InvalidCountry,
              `"${normalised.slice(0, 20)}" is not an ISO 3166 alpha-2 code`,
              partPath,
            );
          }
        }
        flat[ADDRESS_KEYS[part as AddressPart]] = normalised;
      }
    } else if (key === 'custom') {
      if (value === null) continue;
      if (!isObject(value))
        throw new Rejection(ErrorCode.InvalidType, `expected an object, got ${describe(value)}`, path);
      for (const [customKey, customRaw] of Object.entries(value)) {
        if (customRaw !== undefined) flat[`custom.${customKey}`] = customValue(customRaw, `${path}.${customKey}`);
      }
    } else {
      throw new Rejection(
        ErrorCode.UnknownAttribute,
        `unknown attribute "${key}"; put source-specific fields under attributes.custom`,
        path,
      );
    }
  }
  return flat;
}

function list<T>(raw: unknown, path: string, item: (value: Record<string, unknown>, path: string) => T): T[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Rejection(ErrorCode.InvalidType, `expected an array, got ${describe(raw)}`, path);
  return raw.map((value, i) => {
    const itemPath = `${path}[${i}]`;
    if (!isObject(value))
      throw new Rejection(ErrorCode.InvalidType, `expected an object, got ${describe(value)}`, itemPath);
    return item(value, itemPath);
  });
}

function document(value: unknown, path: string): Record<string, AttributeValue> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new Rejection(ErrorCode.InvalidType, `expected an object, got ${describe(value)}`, path);
  return customValue(value, path) as Record<string, AttributeValue>;
}

function key(value: unknown, path: string): string {
  const raw = text(value, path, { required: true, max: 64 })!;
  if (!KEY.test(raw)) throw new Rejection(ErrorCode.InvalidRecord, 'use lower-case letters, digits, _ . : or -', path);
  return raw;
}

function consent(value: Record<string, unknown>, path: string, recordTime: string): ConsentInput {
  const status = text(value.status, `${path}.status`, { required: true }) as ConsentInput['status'];
  if (!CONSENT_STATUSES.includes(status)) {
    throw new Rejection(
      ErrorCode.InvalidRecord,
      `status must be one of ${CONSENT_STATUSES.join(', ')}`,
      `${path}.status`,
    );
  }
  const contactPoint = text(value.contactPoint, `${path}.contactPoint`, { max: 320 }) ?? '';
  return {
    purpose: key(value.purpose, `${path}.purpose`),
    channel: key(value.channel, `${path}.channel`),
    status,
    legalBasis: text(value.legalBasis, `${path}.legalBasis`, { max: 64 }),
    capturedAt:
      value.capturedAt === undefined || value.capturedAt === null
        ? recordTime
        : normaliseTimestamp(value.capturedAt, `${path}.capturedAt`),
    expiresAt:
      value.expiresAt === undefined || value.expiresAt === null
        ? undefined
        : normaliseTimestamp(value.expiresAt, `${path}.expiresAt`),
    contactPoint: contactPoint.includes('@') ? contactPoint.toLowerCase() : contactPoint,
    evidence: document(value.evidence, `${path}.evidence`),
  };
}

function engagementEvent(value: Record<string, unknown>, path: string): EngagementEventInput {
  return {
    id: text(typeof value.id === 'number' ? String(value.id) : value.id, `${path}.id`, { required: true, max: 255 })!,
    type: key(value.type, `${path}.type`),
    occurredAt: normaliseTimestamp(value.occurredAt, `${path}.occurredAt`),
    properties: document(value.properties, `${path}.properties`),
  };
}

function sequence(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,39}$/.test(value)) return value.replace(/^0+(?=\d)/, '');
  throw new Rejection(
    ErrorCode.InvalidType,
    'sequence must be a non-negative integer (a decimal string beyond 2^53)',
    '$.sequence',
  );
}

/**
 * Validates and normalises one canonical record. `defaultSource` is the source the caller ingests as (the
 * `source` argument or the URL); a record naming another source is rejected.
 * @example validateCanonicalRecord({ externalId: '42', attributes: { email: ' Ann@X.io ' } }, 'hubspot')
 *          // → { ok: true, record: { source: 'hubspot', attributes: { email: 'ann@x.io' }, … } }
 */
export function validateCanonicalRecord(
  raw: unknown,
  defaultSource?: string,
  receivedAt = new Date(),
  options: ValidationOptions = {},
): RecordValidation {
  try {
    if (!isObject(raw))
      throw new Rejection(ErrorCode.InvalidType, `a record must be an object, got ${describe(raw)}`, '$');
    for (const key of Object.keys(raw)) {
      if (!TOP_LEVEL.has(key)) throw new Rejection(ErrorCode.UnknownField, `unknown field "${key}"`, `$.${key}`);
    }
    const source = text(raw.source, '$.source') ?? defaultSource;
    if (!source) throw new Rejection(ErrorCode.MissingSource, 'the record names no source', '$.source');
    if (!SOURCE_KEY.test(source)) {
      throw new Rejection(ErrorCode.InvalidSource, 'a source key is lower-case letters, digits, - or _', '$.source');
    }
    if (defaultSource && source !== defaultSource) {
      throw new Rejection(
        ErrorCode.SourceMismatch,
        `record source "${source}" differs from "${defaultSource}"`,
        '$.source',
      );
    }
    if (raw.externalId === undefined || raw.externalId === null) {
      throw new Rejection(ErrorCode.MissingExternalId, 'the record has no externalId', '$.externalId');
    }
    const externalId = text(
      typeof raw.externalId === 'number' ? String(raw.externalId) : raw.externalId,
      '$.externalId',
      {
        required: true,
        max: 255,
      },
    )!;
    if (raw.deleted !== undefined && typeof raw.deleted !== 'boolean') {
      throw new Rejection(ErrorCode.InvalidType, `expected a boolean, got ${describe(raw.deleted)}`, '$.deleted');
    }
    const updatedAt =
      raw.updatedAt === undefined || raw.updatedAt === null
        ? receivedAt.toISOString()
        : normaliseTimestamp(raw.updatedAt, '$.updatedAt');
    // Each value in the order the fields are checked (the first problem is the one reported), then the record
    // built with only the optional fields that are present, in the fields' order. Deleting the absent ones from a
    // full literal instead turned every record into a dictionary-mode object: a hash look-up, and several times
    // the memory, for each of its fields read on the way through the pipeline.
    const objectType = text(raw.objectType, '$.objectType', { max: 64 }) ?? 'contact';
    const eventId = text(raw.eventId, '$.eventId', { max: 255 });
    const deleteReason =
      raw.deleted === true ? (text(raw.deleteReason, '$.deleteReason', { max: 64 }) ?? 'deleted') : undefined;
    const changeSequence = sequence(raw.sequence);
    const flat = attributes(raw.attributes, options);
    const identifiers = list(raw.identifiers, '$.identifiers', (value, path) => ({
      type: text(value.type, `${path}.type`, { required: true, max: 64 })!,
      value: text(value.value, `${path}.value`, { required: true, max: 255 })!,
    }));
    const links = list(raw.links, '$.links', (value, path) => ({
      source: text(value.source, `${path}.source`, { required: true, max: 63 })!,
      externalId: text(value.externalId, `${path}.externalId`, { required: true, max: 255 })!,
    }));
    const consents = list(raw.consents, '$.consents', (value, path) => consent(value, path, updatedAt));
    const events = list(raw.events, '$.events', engagementEvent);
    const record = { source, externalId, objectType, updatedAt } as CanonicalRecord;
    if (eventId !== undefined) record.eventId = eventId;
    if (raw.deleted !== undefined) record.deleted = raw.deleted as boolean;
    if (deleteReason !== undefined) record.deleteReason = deleteReason;
    if (changeSequence !== undefined) record.sequence = changeSequence;
    record.attributes = flat;
    record.identifiers = identifiers;
    record.links = links;
    record.consents = consents;
    record.events = events;
    return { ok: true, record };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, code: error.code, message: error.message, path: error.path };
    throw error;
  }
}

/**
 * An identifier value as ingest stores it (email lower-cased with an ASCII domain, phone in E.164, others
 * trimmed), for look-ups by identifier; null when the value cannot be one.
 */
export function normaliseIdentifier(type: string, value: string, phoneRegion?: string): string | null {
  try {
    if (type === 'email') return normaliseEmail(value, '$');
    if (type === 'phone') return normalisePhone(value, '$', phoneRegion);
    return value.trim() || null;
  } catch (error) {
    if (error instanceof Rejection) return null;
    throw error;
  }
}
