import { createHash } from 'node:crypto';
import { ErrorCode } from '../../../common/hub-error';
import { applyMapping, type FieldMapping, type FieldRule } from '../../mapping/field-mapping';
import type { AdapterOutput } from '../adapter';
import {
  expandChangedField,
  salesforceTimestamp,
  type ChangeEventItem,
  type JsonItem,
  type OutboundMessage,
  type SObjectItem,
} from './parse';

export const SOURCE = 'salesforce';

/** The sObjects that are people; every other object's payloads are skipped with a reason. */
const OBJECT_TYPES = { Contact: 'contact', Lead: 'lead' } as const;

type Entity = keyof typeof OBJECT_TYPES;
type Canonical = Record<string, unknown>;
type Via = 'change_event' | 'rest' | 'outbound_message';

interface Output {
  records: Canonical[];
  skipped: { index: number; reason: string }[];
  rejected: { index: number; code: string; message: string; path: string }[];
}

interface Snapshot {
  entity: Entity;
  /** sObject field → value: the patch (absent = unchanged, null = cleared). */
  row: Record<string, unknown>;
  /** Record-level keys: externalId, objectType, updatedAt, eventId, sequence, deleted. */
  base: Canonical & { externalId: string; updatedAt: string };
  /** True when an absent field means "empty" (a change event's CREATE/UNDELETE), not "not sent". */
  complete: boolean;
  via: Via;
}

function isEntity(name: string | undefined): name is Entity {
  return name !== undefined && Object.hasOwn(OBJECT_TYPES, name);
}

function newOutput(): Output {
  return { records: [], skipped: [], rejected: [] };
}

function result(out: Output): AdapterOutput {
  return {
    records: out.records,
    ...(out.skipped.length > 0 ? { skipped: out.skipped } : {}),
    ...(out.rejected.length > 0 ? { rejected: out.rejected } : {}),
  };
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** A short digest of a snapshot: the same content gives the same id, any other content another. */
function digest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url').slice(0, 22);
}

// ── JSON: change events and sObjects ─────────────────────────────────────────────────────────────────────────

/** Maps the items of a JSON body (see `parseJsonItems`) to canonical records. */
export function mapJsonItems(items: JsonItem[], mapping: FieldMapping, receivedAt: Date): AdapterOutput {
  const out = newOutput();
  items.forEach((item, index) => {
    if (item.kind === 'invalid') {
      out.rejected.push({ index, code: ErrorCode.InvalidRecord, message: item.message, path: item.path });
    } else if (item.kind === 'change_event') mapChangeEvent(item, index, mapping, out);
    else mapSObject(item, index, mapping, receivedAt, out);
  });
  return result(out);
}

const CHANGE_TYPES = new Set(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);

/**
 * The patch a change event carries. CREATE/UNDELETE: every non-null field. UPDATE: only `changedFields`
 * (null there = cleared) and `nulledFields` (→ null) — the Pub/Sub API sends unchanged fields as null, so
 * nothing else may clear a value; without either list (an old CometD relay) only non-null values are taken.
 * `diffFields` hold a diff of a long text, never a value, and are left out.
 */
export function changeEventPatch(item: ChangeEventItem): Record<string, unknown> {
  const { header, fields } = item;
  if (header.changeType === 'DELETE') return {};
  const diff = new Set(header.diffFields.flatMap((name) => expandChangedField(name, fields)));
  const nonNull = () =>
    Object.fromEntries(
      Object.entries(fields).filter(([key, value]) => value !== null && value !== undefined && !diff.has(key)),
    );
  if (header.changeType !== 'UPDATE') return nonNull();
  if (header.changedFields.length === 0 && header.nulledFields.length === 0) return nonNull();
  const patch: Record<string, unknown> = {};
  for (const name of header.changedFields.flatMap((field) => expandChangedField(field, fields))) {
    if (diff.has(name) || fields[name] === undefined) continue;
    patch[name] = fields[name];
  }
  for (const name of header.nulledFields.flatMap((field) => expandChangedField(field, fields))) patch[name] = null;
  return patch;
}

function mapChangeEvent(item: ChangeEventItem, index: number, mapping: FieldMapping, out: Output): void {
  const { header } = item;
  const ids = header.recordIds.length > 0 ? header.recordIds.join(', ') : '(record ids not given)';
  if (header.changeType.startsWith('GAP_')) {
    out.skipped.push({
      index,
      reason:
        `${header.changeType}: a gap event carries no field values; re-read ${header.entityName} ${ids} ` +
        'through the REST API and post the sObjects here',
    });
    return;
  }
  if (!isEntity(header.entityName)) {
    out.skipped.push({ index, reason: `${header.entityName} change events are not profile data (only Contact, Lead)` });
    return;
  }
  if (!CHANGE_TYPES.has(header.changeType)) {
    out.skipped.push({ index, reason: `change type ${header.changeType} is not one the hub knows` });
    return;
  }
  const reject = (field: string, message: string): void => {
    out.rejected.push({
      index,
      code: ErrorCode.InvalidRecord,
      message,
      path: `${item.path}.ChangeEventHeader.${field}`,
    });
  };
  if (header.recordIds.length === 0) return reject('recordIds', 'the change event names no record');
  if (header.commitTimestamp === undefined)
    return reject('commitTimestamp', 'commitTimestamp must be epoch milliseconds');
  if (header.transactionKey === undefined || header.sequenceNumber === undefined) {
    return reject(
      'transactionKey',
      'the change event has no transactionKey and sequenceNumber to derive its idempotency key from',
    );
  }
  const entity = header.entityName;
  const commitTime = salesforceTimestamp(header.commitTimestamp)!;
  // An UNDELETE carries the record's old LastModifiedDate: only the commit time orders it after the delete.
  const updatedAt =
    header.changeType === 'CREATE' || header.changeType === 'UPDATE'
      ? (salesforceTimestamp(item.fields.LastModifiedDate) ?? commitTime)
      : commitTime;
  const patch = changeEventPatch(item);
  for (const recordId of header.recordIds) {
    if (recordId.endsWith('*')) {
      out.skipped.push({
        index,
        reason: `wildcard record id ${recordId} (a field type conversion): re-read the affected records`,
      });
      continue;
    }
    const base = {
      externalId: recordId,
      objectType: OBJECT_TYPES[entity],
      updatedAt,
      eventId: `cdc:${header.transactionKey}:${header.sequenceNumber}:${recordId}`,
      ...(header.commitNumber !== undefined ? { sequence: header.commitNumber } : {}),
    };
    if (header.changeType === 'DELETE') {
      out.records.push({ source: SOURCE, ...base, deleted: true, deleteReason: 'deleted' });
      continue;
    }
    const snapshot: Snapshot = {
      entity,
      row: patch,
      base: header.changeType === 'UNDELETE' ? { ...base, deleted: false } : base,
      complete: header.changeType !== 'UPDATE',
      via: 'change_event',
    };
    push(out, index, item.path, toCanonical(mapping, snapshot));
  }
}

function mapSObject(item: SObjectItem, index: number, mapping: FieldMapping, receivedAt: Date, out: Output): void {
  if (!isEntity(item.type)) {
    out.skipped.push({ index, reason: `${item.type} records are not profile data (only Contact, Lead)` });
    return;
  }
  mapSnapshot(item.type, item.fields, `rest:${item.type}`, 'rest', index, item.path, mapping, receivedAt, out);
}

/**
 * A full or partial current state (REST sObject, Outbound Message sObject): every field sent is a fact, `null`
 * included; `IsDeleted` (a query with `queryAll`) is a tombstone, `merged` when `MasterRecordId` names the
 * record that survived the merge.
 */
function mapSnapshot(
  entity: Entity,
  fields: Record<string, unknown>,
  eventPrefix: string,
  via: Via,
  index: number,
  path: string,
  mapping: FieldMapping,
  receivedAt: Date,
  out: Output,
): void {
  const id = fields.Id;
  if (typeof id !== 'string' || id.trim() === '') {
    out.rejected.push({
      index,
      code: ErrorCode.MissingExternalId,
      message: 'the sObject has no Id',
      path: `${path}.Id`,
    });
    return;
  }
  const updatedAt =
    salesforceTimestamp(fields.LastModifiedDate) ??
    salesforceTimestamp(fields.SystemModstamp) ??
    receivedAt.toISOString();
  const base = {
    externalId: id,
    objectType: OBJECT_TYPES[entity],
    updatedAt,
    eventId: `${eventPrefix}:${id}:${digest(fields)}`,
  };
  if (fields.IsDeleted === true) {
    const master =
      typeof fields.MasterRecordId === 'string' && fields.MasterRecordId ? fields.MasterRecordId : undefined;
    out.records.push({
      source: SOURCE,
      ...base,
      deleted: true,
      deleteReason: master ? 'merged' : 'deleted',
      ...(master ? { links: [{ source: SOURCE, externalId: master }] } : {}),
    });
    return;
  }
  push(out, index, path, toCanonical(mapping, { entity, row: fields, base, complete: false, via }));
}

// ── XML: Outbound Messages ──────────────────────────────────────────────────────────────────────────────────

/**
 * Maps each `Notification` of an Outbound Message. An Outbound Message carries the current values of the
 * fields chosen in Setup (`xsi:nil` = empty now); its event id is the notification id plus a digest of those
 * values, so a re-delivery is a replay but a retry that Salesforce refilled with newer values is not lost.
 */
export function mapOutboundMessage(message: OutboundMessage, mapping: FieldMapping, receivedAt: Date): AdapterOutput {
  const out = newOutput();
  message.notifications.forEach((notification, index) => {
    const path = `$.notifications.Notification[${index}]`;
    if (notification.problem) {
      out.rejected.push({ index, code: ErrorCode.InvalidRecord, message: notification.problem, path });
      return;
    }
    if (!isEntity(notification.type)) {
      out.skipped.push({
        index,
        reason: `${notification.type ?? 'an untyped sObject'} is not profile data (only Contact, Lead)`,
      });
      return;
    }
    if (!notification.id) {
      out.rejected.push({
        index,
        code: ErrorCode.InvalidRecord,
        message: 'the Notification has no Id',
        path: `${path}.Id`,
      });
      return;
    }
    mapSnapshot(
      notification.type,
      notification.fields,
      `om:${notification.id}`,
      'outbound_message',
      index,
      `${path}.sObject`,
      mapping,
      receivedAt,
      out,
    );
  });
  return result(out);
}

// ── Shared: one sObject patch → one canonical record ───────────────────────────────────────────────────────

type MapResult = { ok: true; record: Canonical } | { ok: false; code: string; message: string; path: string };

function push(out: Output, index: number, itemPath: string, mapped: MapResult): void {
  if (mapped.ok) out.records.push(mapped.record);
  else
    out.rejected.push({
      index,
      code: mapped.code,
      message: mapped.message,
      path: `${itemPath}${mapped.path.slice(1)}`,
    });
}

function target(rule: string | FieldRule | undefined): string | undefined {
  return typeof rule === 'string' ? rule : rule?.path;
}

function fieldsTargeting(mapping: FieldMapping, path: string): string[] {
  const ignore = new Set(mapping.ignore ?? []);
  return Object.entries(mapping.fields)
    .filter(([field, rule]) => target(rule) === path && !ignore.has(field))
    .map(([field]) => field);
}

type Attributes = Record<string, unknown> & { address?: Record<string, unknown>; custom?: Record<string, unknown> };

function toCanonical(mapping: FieldMapping, snapshot: Snapshot): MapResult {
  const row = withNullRelationships(snapshot.row, mapping);
  const mapped = applyMapping(mapping, row, SOURCE, { ...snapshot.base });
  if (!mapped.ok) return mapped;
  const record = mapped.record;
  const attributes: Attributes = { ...((record.attributes as Attributes | undefined) ?? {}) };
  if (attributes.address) attributes.address = { ...attributes.address };
  if (attributes.custom) attributes.custom = { ...attributes.custom };
  normaliseCountry(attributes, row, mapping);
  splitStreet(attributes, mapping);
  mobileAsPhone(attributes, row, mapping, snapshot.complete);
  if (attributes.address && Object.keys(attributes.address).length === 0) delete attributes.address;
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  else delete record.attributes;

  if (row.HasOptedOutOfEmail === true) {
    // Only an opt-out is a fact; an unchecked box is not a grant.
    record.consents = [
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: snapshot.base.updatedAt,
        evidence: { object: snapshot.entity, field: 'HasOptedOutOfEmail', value: true, via: snapshot.via },
      },
    ];
  }
  if (snapshot.entity === 'Lead' && row.IsConverted === true && typeof row.ConvertedContactId === 'string') {
    const leadId = snapshot.base.externalId;
    const contactId = row.ConvertedContactId;
    record.links = [...((record.links as unknown[] | undefined) ?? []), { source: SOURCE, externalId: contactId }];
    const properties: Record<string, unknown> = { leadId, convertedContactId: contactId };
    for (const [field, key] of [
      ['ConvertedAccountId', 'convertedAccountId'],
      ['ConvertedOpportunityId', 'convertedOpportunityId'],
      ['ConvertedDate', 'convertedDate'],
      ['Status', 'status'],
    ] as const) {
      if (typeof row[field] === 'string' && row[field] !== '') properties[key] = row[field];
    }
    // A lead converts once: the same id whichever channel reports it, however often.
    record.events = [
      { id: `lead_converted:${leadId}`, type: 'lead_converted', occurredAt: snapshot.base.updatedAt, properties },
    ];
  }
  return { ok: true, record };
}

/** `"Account": null` (no related record) clears what the mapping reads through it, such as `Account.Name`. */
function withNullRelationships(row: Record<string, unknown>, mapping: FieldMapping): Record<string, unknown> {
  const nulls = Object.keys(row).filter((key) => row[key] === null);
  if (nulls.length === 0) return row;
  const expanded = { ...row };
  for (const relationship of nulls) {
    for (const field of Object.keys(mapping.fields)) {
      if (field.startsWith(`${relationship}.`) && expanded[field] === undefined) expanded[field] = null;
    }
  }
  return expanded;
}

/**
 * Salesforce's street is one multi-line text: its first line is `line1`, the rest `line2` (unless the mapping
 * fills `line2` from a field of its own).
 */
function splitStreet(attributes: Attributes, mapping: FieldMapping): void {
  const address = attributes.address;
  if (!address || address.line1 === undefined) return;
  const ownsLine2 = fieldsTargeting(mapping, 'address.line2').length === 0;
  if (typeof address.line1 === 'string') {
    const lines = address.line1
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    address.line1 = lines[0] ?? null;
    if (ownsLine2) address.line2 = lines.length > 1 ? lines.slice(1).join(', ') : null;
  } else if (address.line1 === null && ownsLine2) address.line2 = null;
}

/**
 * `MobilePhone` stands in for `Phone` only when the payload says `Phone` is empty (null, or absent from a
 * complete record) — never in an update that merely did not touch `Phone`.
 */
function mobileAsPhone(
  attributes: Attributes,
  row: Record<string, unknown>,
  mapping: FieldMapping,
  complete: boolean,
): void {
  if (mapping.fields.MobilePhone !== undefined || target(mapping.fields.Phone) !== 'phone') return;
  const mobile = row.MobilePhone;
  if (typeof mobile !== 'string' || mobile.trim() === '') return;
  const phone = row.Phone;
  if (phone === null || phone === '' || (phone === undefined && complete)) attributes.phone = mobile;
}

/**
 * Country fields hold a name ("Poland") unless State and Country Picklists are on (`MailingCountryCode`). A
 * code wins over a name; a name becomes its ISO code; what matches nothing leaves `address.country` unchanged
 * and is kept under `custom["salesforce.<Field>"]` — never a reason to reject the record.
 */
function normaliseCountry(attributes: Attributes, row: Record<string, unknown>, mapping: FieldMapping): void {
  const present = fieldsTargeting(mapping, 'address.country').filter((field) => row[field] !== undefined);
  if (present.length === 0) return;
  const values = present.filter((field) => row[field] !== null && row[field] !== '');
  if (values.length === 0) return;
  const ordered = [...values.filter((f) => /CountryCode$/.test(f)), ...values.filter((f) => !/CountryCode$/.test(f))];
  const address = (attributes.address ??= {});
  for (const field of ordered) {
    const code = countryCode(row[field]);
    if (code) {
      address.country = code;
      return;
    }
  }
  delete address.country;
  const custom = (attributes.custom ??= {});
  for (const field of values) custom[`${SOURCE}.${field}`] = row[field];
}

// ── Country names → ISO 3166-1 alpha-2 ──────────────────────────────────────────────────────────────────────

/** Names ICU does not give (older spellings, common short forms, alpha-3 codes seen in CRMs). */
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'u s a': 'US',
  'u s': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u k': 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  turkey: 'TR',
  'czech republic': 'CZ',
  holland: 'NL',
  'the netherlands': 'NL',
  'ivory coast': 'CI',
  'south korea': 'KR',
  'republic of korea': 'KR',
  'russian federation': 'RU',
  burma: 'MM',
  swaziland: 'SZ',
  macedonia: 'MK',
  'cape verde': 'CV',
  'vatican city': 'VA',
  pol: 'PL',
  deu: 'DE',
  ger: 'DE',
  fra: 'FR',
  gbr: 'GB',
  esp: 'ES',
  ita: 'IT',
  nld: 'NL',
  bel: 'BE',
  che: 'CH',
  aut: 'AT',
  swe: 'SE',
  nor: 'NO',
  dnk: 'DK',
  fin: 'FI',
  irl: 'IE',
  prt: 'PT',
  cze: 'CZ',
  can: 'CA',
  aus: 'AU',
  jpn: 'JP',
  chn: 'CN',
  ind: 'IN',
  bra: 'BR',
  mex: 'MX',
};

// Not countries: user-assigned (AA, QM–QZ, XA–XZ, ZZ), groupings (EU, EZ, UN) and ICU's extra regions.
const NOT_COUNTRIES = /^(AA|Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN|AC|CP|DG|EA|IC|TA)$/;
const NAME_LOCALES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'da', 'cs'];

function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

let countryIndex: { codes: Set<string>; names: Map<string, string> } | undefined;

/** ISO regions and their names in a few European languages, from the ICU data Node ships (built on first use). */
function countries(): { codes: Set<string>; names: Map<string, string> } {
  if (countryIndex) return countryIndex;
  const codes = new Set<string>();
  const names = new Map<string, string>();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const displays = NAME_LOCALES.map((locale) => new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' }));
  for (const a of letters) {
    for (const b of letters) {
      const code = a + b;
      if (NOT_COUNTRIES.test(code)) continue;
      // Deprecated codes (BU, UK …) canonicalise to their successors: only current codes are countries.
      if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) continue;
      const english = displays[0].of(code);
      if (!english || english === code) continue;
      codes.add(code);
      for (const display of displays) {
        const name = display.of(code);
        if (!name) continue;
        for (const variant of [name, name.replace(/\s*\(.*\)\s*/, ' '), /\((.*)\)/.exec(name)?.[1]]) {
          const key = variant ? nameKey(variant) : '';
          if (key && !names.has(key)) names.set(key, code);
        }
      }
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) names.set(nameKey(alias), code);
  countryIndex = { codes, names };
  return countryIndex;
}

/** "Poland", "polska", "PL", "pl", "POL", "USA" → ISO alpha-2; `undefined` when nothing matches. */
export function countryCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  if (value === '') return undefined;
  const index = countries();
  if (/^[A-Za-z]{2}$/.test(value)) {
    const code = value.toUpperCase();
    if (index.codes.has(code)) return code;
  }
  return index.names.get(nameKey(value));
}
