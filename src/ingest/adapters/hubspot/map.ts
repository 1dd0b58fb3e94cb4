import { ErrorCode } from '../../../common/hub-error';
import { applyMapping, type FieldMapping } from '../../mapping/field-mapping';
import type { AdapterOutput, ItemRejection } from '../adapter';
import type { HubSpotContactObject, HubSpotEvent, HubSpotItem } from './parse';

const SOURCE = 'hubspot';
const OBJECT_TYPE = 'contact';
/** `objectTypeId` of contacts in HubSpot's generic (`object.*`) webhooks. */
const CONTACT_TYPE_ID = '0-1';

type CanonicalObject = Record<string, unknown>;
type Outcome = { records: { at: number; record: CanonicalObject }[] } | { skip: string } | { reject: ItemRejection };

const skip = (reason: string): Outcome => ({ skip: reason });
const reject = (index: number, path: string, message: string, code: string = ErrorCode.InvalidRecord): Outcome => ({
  reject: { index, code, message, path },
});

// ── Value normalisation ──────────────────────────────────────────────────────────────────────────────────────

// Region codes ICU names that are not ISO 3166-1 countries (EU, UN …, and the exceptionally reserved ones).
const NOT_COUNTRIES = new Set(['AC', 'CP', 'DG', 'EA', 'EU', 'EZ', 'IC', 'QO', 'TA', 'UN', 'XA', 'XB', 'ZZ']);
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'united states of america': 'US',
  uk: 'GB',
  'great britain': 'GB',
};
let countriesByName: Map<string, string> | undefined;

/** Replaces a deprecated region code by its successor (`UK` → `GB`, `YU` → `RS`). */
function canonicalRegion(code: string): string {
  return Intl.getCanonicalLocales(`und-${code}`)[0].slice(4).toUpperCase();
}

function countryNames(): Map<string, string> {
  if (countriesByName) return countriesByName;
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  const byName = new Map(Object.entries(COUNTRY_ALIASES));
  for (let first = 65; first <= 90; first++) {
    for (let second = 65; second <= 90; second++) {
      const code = String.fromCharCode(first, second);
      const name = names.of(code);
      if (!name || name === code || name === 'Unknown Region' || NOT_COUNTRIES.has(code)) continue;
      if (canonicalRegion(code) !== code) continue;
      byName.set(name.toLowerCase(), code);
    }
  }
  countriesByName = byName;
  return byName;
}

/** HubSpot's `country` is free text ("Poland"); the canonical record wants ISO alpha-2 ("PL"). */
export function countryCode(value: string): string | undefined {
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) return canonicalRegion(text);
  return countryNames().get(text.toLowerCase().replace(/\s+/g, ' '));
}

/** HubSpot date properties: `YYYY-MM-DD` (CRM API), midnight-UTC epoch ms (webhooks) or a midnight instant. */
export function hubSpotDate(value: string): string {
  const text = value.trim();
  if (/^\d{1,15}$/.test(text)) {
    const date = new Date(Number(text));
    return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 10);
  }
  const midnight = /^(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?Z$/.exec(text);
  return midnight ? midnight[1] : value;
}

/** Turns HubSpot's spellings of a mapped record's country and birth date into canonical ones. */
function normaliseValues(record: CanonicalObject): void {
  const attributes = record.attributes as Record<string, unknown> | undefined;
  if (!attributes) return;
  const address = attributes.address as Record<string, unknown> | undefined;
  if (address && typeof address.country === 'string') {
    const code = countryCode(address.country);
    if (code) address.country = code;
    else {
      // An unknown country name must not reject the whole record: keep it as source data instead.
      const custom = (attributes.custom ??= {}) as Record<string, unknown>;
      custom[`${SOURCE}.country`] = address.country;
      delete address.country;
      if (Object.keys(address).length === 0) delete attributes.address;
    }
  }
  if (typeof attributes.birthDate === 'string') attributes.birthDate = hubSpotDate(attributes.birthDate);
}

// ── Consent ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `hs_email_optout` ("Unsubscribed from all email") and `hs_email_optout_<subscription type id>` ("Opted out of
 * email: <type>") set to `true` are an email-marketing opt-out. `false` is not an opt-in (it is also what a
 * contact who never chose anything has), so it yields no statement; the flag itself stays in `custom`.
 */
function optOutConsent(
  property: string,
  value: string | null,
  capturedAt: string,
  context: { contactPoint?: string; changeSource?: string; portalId?: string },
): CanonicalObject | undefined {
  const match = /^hs_email_optout(?:_(\d+))?$/.exec(property);
  if (!match || value?.trim().toLowerCase() !== 'true') return undefined;
  const evidence: Record<string, string> = { property };
  if (match[1]) evidence.subscriptionTypeId = match[1];
  if (context.changeSource) evidence.changeSource = context.changeSource;
  if (context.portalId) evidence.portalId = context.portalId;
  const consent: CanonicalObject = {
    purpose: 'email_marketing',
    channel: 'email',
    status: 'withdrawn',
    capturedAt,
    evidence,
  };
  if (context.contactPoint) consent.contactPoint = context.contactPoint;
  return consent;
}

// ── Webhook events ───────────────────────────────────────────────────────────────────────────────────────────

/** `eventId` alone repeats across portals and subscriptions; `attemptNumber` must not change the key. */
function eventKey(event: HubSpotEvent): string {
  return `${event.portalId}:${event.subscriptionId}:${event.eventId}:${event.objectId ?? ''}`;
}

function contactAction(event: HubSpotEvent): string | undefined {
  const dot = event.subscriptionType.indexOf('.');
  const object = event.subscriptionType.slice(0, dot);
  if (object === 'contact' || (object === 'object' && event.objectTypeId === CONTACT_TYPE_ID)) {
    return event.subscriptionType.slice(dot + 1);
  }
  return undefined;
}

function mapEvent(event: HubSpotEvent, index: number, path: string, mapping: FieldMapping): Outcome {
  const action = contactAction(event);
  if (action === undefined) return skip(`"${event.subscriptionType}" is not a contact event`);
  const at = event.occurredAt;
  const updatedAt = new Date(at).toISOString();
  const base = (externalId: string, eventId = eventKey(event)): CanonicalObject => ({
    source: SOURCE,
    externalId,
    objectType: OBJECT_TYPE,
    updatedAt,
    eventId,
  });
  const one = (record: CanonicalObject): Outcome => ({ records: [{ at, record }] });

  if (action === 'merge') return mapMerge(event, index, path, base);
  if (action === 'associationChange') return skip('association changes link CRM objects; they are not profile data');
  if (!['creation', 'propertyChange', 'deletion', 'privacyDeletion', 'restore'].includes(action)) {
    return skip(`subscription type "${event.subscriptionType}" is not supported`);
  }
  if (!event.objectId) return reject(index, `${path}.objectId`, 'objectId is missing');
  const objectId = event.objectId;

  switch (action) {
    case 'creation':
      return one(base(objectId));
    case 'deletion':
      return one({ ...base(objectId), deleted: true, deleteReason: 'deleted' });
    case 'privacyDeletion':
      return one({ ...base(objectId), deleted: true, deleteReason: 'privacy_deletion' });
    case 'restore':
      return one({ ...base(objectId), deleted: false });
  }

  if (!event.propertyName) return reject(index, `${path}.propertyName`, 'propertyName is missing');
  if (event.propertyValue === undefined) return skip(`the change of "${event.propertyName}" carries no propertyValue`);
  // In a property change an empty value is the user clearing the property.
  const value = event.propertyValue === '' ? null : event.propertyValue;
  const mapped = applyMapping(mapping, { [event.propertyName]: value }, SOURCE, base(objectId));
  if (!mapped.ok) return reject(index, `${path}.propertyValue`, mapped.message, mapped.code);
  const record = mapped.record;
  normaliseValues(record);
  const consent = optOutConsent(event.propertyName, value, updatedAt, {
    changeSource: event.changeSource,
    portalId: event.portalId,
  });
  if (consent) record.consents = [consent];
  if (record.attributes === undefined && consent === undefined) {
    return skip(`property "${event.propertyName}" is not mapped (ignored or dropped by the field mapping)`);
  }
  return one(record);
}

/**
 * The surviving contact (`newObjectId` when HubSpot created a new one, else `primaryObjectId`) links to every
 * merged-away id; each of those becomes a tombstone (`merged`) linking to the survivor.
 */
function mapMerge(
  event: HubSpotEvent,
  index: number,
  path: string,
  base: (externalId: string, eventId?: string) => CanonicalObject,
): Outcome {
  const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
  if (!survivor) return reject(index, `${path}.primaryObjectId`, 'the merge names no surviving contact');
  const mergedAway = [...new Set([...(event.mergedObjectIds ?? []), event.primaryObjectId ?? survivor])].filter(
    (id) => id !== survivor,
  );
  if (mergedAway.length === 0) return reject(index, `${path}.mergedObjectIds`, 'the merge names no merged contacts');
  const key = eventKey(event);
  const link = (externalId: string) => ({ source: SOURCE, externalId });
  return {
    records: [
      { at: event.occurredAt, record: { ...base(survivor, `${key}:${survivor}`), links: mergedAway.map(link) } },
      ...mergedAway.map((id) => ({
        at: event.occurredAt,
        record: {
          ...base(id, `${key}:${id}`),
          deleted: true,
          deleteReason: 'merged',
          links: [link(survivor)],
        },
      })),
    ],
  };
}

// ── CRM objects ──────────────────────────────────────────────────────────────────────────────────────────────

function instant(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = /^\d{1,15}$/.test(value.trim()) ? Number(value) : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A contact object is the contact's whole state: unset properties (`null`, `""`) are left as they are rather
 * than cleared, because a snapshot cannot tell "cleared just now" from "never set" — clears arrive as
 * property-change events.
 */
function mapObject(object: HubSpotContactObject, index: number, path: string, mapping: FieldMapping): Outcome {
  const changedAt = object.archived
    ? (instant(object.archivedAt) ?? instant(object.updatedAt))
    : (instant(object.updatedAt) ?? instant(object.properties.lastmodifieddate));
  if (changedAt === undefined) {
    return reject(index, `${path}.updatedAt`, 'the contact has no valid updatedAt or lastmodifieddate', 'INVALID_DATE');
  }
  const updatedAt = new Date(changedAt).toISOString();
  const row = Object.fromEntries(
    Object.entries(object.properties).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  const base: CanonicalObject = {
    externalId: object.id,
    objectType: OBJECT_TYPE,
    updatedAt,
    // A snapshot is identified by its object and change time, so a relay posting it twice is a replay.
    eventId: `crm:${object.id}:${updatedAt}${object.archived ? ':archived' : ''}`,
  };
  if (object.archived === true) Object.assign(base, { deleted: true, deleteReason: 'deleted' });
  else if (object.archived === false) base.deleted = false;
  const mapped = applyMapping(mapping, row, SOURCE, base);
  if (!mapped.ok) return reject(index, `${path}.properties${mapped.path.slice(1)}`, mapped.message, mapped.code);
  const record = mapped.record;
  normaliseValues(record);
  const email = row.email?.trim().toLowerCase() || undefined;
  const consents = Object.entries(row)
    .map(([name, value]) => optOutConsent(name, value, updatedAt, { contactPoint: email }))
    .filter((consent): consent is CanonicalObject => consent !== undefined);
  if (consents.length > 0) record.consents = consents;
  return { records: [{ at: changedAt, record }] };
}

/**
 * Maps parsed HubSpot items to canonical records, ordered by when they happened (stable for ties), so that
 * several changes to one contact in a batch apply in their order. Unsupported events are skipped with a
 * reason; unreadable ones are rejected.
 */
export function mapHubSpotItems(items: HubSpotItem[], mapping: FieldMapping): AdapterOutput {
  const pending: { at: number; record: CanonicalObject }[] = [];
  const skipped: { index: number; reason: string }[] = [];
  const rejected: ItemRejection[] = [];
  for (const item of items) {
    if (item.kind === 'invalid') {
      rejected.push(item.rejection);
      continue;
    }
    const outcome =
      item.kind === 'event'
        ? mapEvent(item.event, item.index, item.path, mapping)
        : mapObject(item.object, item.index, item.path, mapping);
    if ('skip' in outcome) skipped.push({ index: item.index, reason: outcome.skip });
    else if ('reject' in outcome) rejected.push(outcome.reject);
    else pending.push(...outcome.records);
  }
  const records = pending
    .map((entry, order) => ({ ...entry, order }))
    .sort((a, b) => a.at - b.at || a.order - b.order)
    .map((entry) => entry.record);
  return { records, skipped, rejected };
}
