import { createHash } from 'node:crypto';
import { stableJson } from '../../apply-patch';
import { applyMapping, type FieldMapping } from '../../mapping/field-mapping';
import type { AdapterOutput, ItemRejection } from '../adapter';
import { MARKETO_DISPLAY_NAMES } from './default-mapping';
import type { MarketoActivity, MarketoItem, MarketoLead } from './parse';

export const SOURCE = 'marketo';

/** Marketo's standard activity type ids the hub uses (ids as listed by Get Activity Types). */
export const ACTIVITY = {
  VisitWebpage: 1,
  FillOutForm: 2,
  SendEmail: 6,
  EmailDelivered: 7,
  EmailBounced: 8,
  UnsubscribeEmail: 9,
  OpenEmail: 10,
  ClickEmail: 11,
  ChangeDataValue: 13,
  EmailBouncedSoft: 27,
  DeleteLead: 37,
} as const;

const EVENT_TYPES: Record<number, string> = {
  [ACTIVITY.VisitWebpage]: 'web_visit',
  [ACTIVITY.FillOutForm]: 'form_submitted',
  [ACTIVITY.SendEmail]: 'email_sent',
  [ACTIVITY.EmailDelivered]: 'email_delivered',
  [ACTIVITY.EmailBounced]: 'email_bounced',
  [ACTIVITY.EmailBouncedSoft]: 'email_bounced',
  [ACTIVITY.UnsubscribeEmail]: 'unsubscribed',
  [ACTIVITY.OpenEmail]: 'email_opened',
  [ACTIVITY.ClickEmail]: 'email_clicked',
  [ACTIVITY.ChangeDataValue]: 'field_changed',
};

/** Activity attributes left off the timeline: form submissions repeat every field the person typed. */
const OMITTED_ATTRIBUTES = new Set(['Form Fields']);

// ── country names → ISO 3166 alpha-2 (Marketo's country field is free text) ─────────────────────────────
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  us: 'US',
  unitedstatesofamerica: 'US',
  uk: 'GB',
  greatbritain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  czechrepublic: 'CZ',
  russianfederation: 'RU',
  republicofkorea: 'KR',
  holland: 'NL',
  thenetherlands: 'NL',
  turkey: 'TR',
  turkiye: 'TR',
  vietnam: 'VN',
  ivorycoast: 'CI',
  macedonia: 'MK',
  swaziland: 'SZ',
  burma: 'MM',
  myanmar: 'MM',
  democraticrepublicofthecongo: 'CD',
  republicofthecongo: 'CG',
};
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'QO', 'XA', 'XB']);
const fold = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
let countryNames: Map<string, string> | undefined;

/** `PL`, `pl`, `Poland`, `United States of America` → ISO alpha-2; undefined when not recognised. */
export function countryCode(value: string): string | undefined {
  if (!countryNames) {
    countryNames = new Map(Object.entries(COUNTRY_ALIASES));
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        // Skips groupings and retired codes (`DD` is named "Germany" too, but is not DE).
        const current = Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`;
        const name = NOT_COUNTRIES.has(code) || !current ? undefined : names.of(code);
        if (name && name !== code && !countryNames.has(fold(name))) countryNames.set(fold(name), code);
      }
    }
  }
  const key = fold(value);
  if (COUNTRY_ALIASES[key]) return COUNTRY_ALIASES[key];
  if (/^[A-Za-z]{2}$/.test(value.trim())) return value.trim().toUpperCase();
  return countryNames.get(key);
}

/**
 * Puts a recognised country name in canonical form; an unrecognised one is kept under `custom["<source>.country"]`
 * rather than rejecting the record. (Dynamics' address country is free text too and uses this.)
 */
export function normaliseCountry(record: Record<string, unknown>, source: string = SOURCE): void {
  const attributes = record.attributes as Record<string, unknown> | undefined;
  const address = attributes?.address as Record<string, unknown> | undefined;
  if (!address || typeof address.country !== 'string') return;
  const code = countryCode(address.country);
  if (code) {
    address.country = code;
    return;
  }
  const custom = (attributes!.custom ??= {}) as Record<string, unknown>;
  custom[`${source}.country`] = address.country;
  delete address.country;
}

const truthy = (value: unknown) => value === true || (typeof value === 'string' && /^(true|1)$/i.test(value.trim()));

function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 24);
}

function camel(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join('');
}

function properties(activity: MarketoActivity): Record<string, unknown> {
  const props: Record<string, unknown> = { activityTypeId: activity.activityTypeId };
  if (activity.primaryAttributeValueId !== undefined && activity.primaryAttributeValueId !== null)
    props.primaryAttributeValueId = activity.primaryAttributeValueId;
  if (activity.primaryAttributeValue !== undefined && activity.primaryAttributeValue !== null)
    props.primaryAttributeValue = activity.primaryAttributeValue;
  for (const [name, value] of Object.entries(activity.attributes)) {
    if (OMITTED_ATTRIBUTES.has(name) || value === undefined || (typeof value === 'object' && value !== null)) continue;
    props[camel(name)] = value;
  }
  return props;
}

/** The field changes of a Change Data Value, by REST API name where Marketo gave a display name. */
function fieldChanges(activity: MarketoActivity): { name: string; newValue: unknown; oldValue: unknown }[] {
  const changes =
    activity.fieldChanges.length > 0
      ? activity.fieldChanges
      : typeof activity.primaryAttributeValue === 'string'
        ? [
            {
              name: activity.primaryAttributeValue,
              newValue: activity.attributes['New Value'],
              oldValue: activity.attributes['Old Value'],
            },
          ]
        : [];
  return changes.map((c) => ({ ...c, name: MARKETO_DISPLAY_NAMES[c.name] ?? c.name }));
}

type Mapped = { ok: true; record: Record<string, unknown> } | { ok: false; rejection: ItemRejection };

function rejectionAt(item: { index: number; path: string }, code: string, message: string, path: string): Mapped {
  return { ok: false, rejection: { index: item.index, code, message, path: `${item.path}${path.slice(1)}` } };
}

/** A lead snapshot: a patch of the fields Marketo returned, at the lead's `updatedAt`. */
function leadRecord(lead: MarketoLead, mapping: FieldMapping): Mapped {
  const mapped = applyMapping(mapping, lead.fields, SOURCE, {
    externalId: lead.id,
    objectType: 'lead',
    // The whole item: a re-delivery repeats it, a different field set at the same updatedAt does not.
    eventId: `lead:${lead.id}:${hashOf(lead.fields)}`,
  });
  if (!mapped.ok) return rejectionAt(lead, mapped.code, mapped.message, mapped.path);
  const record = mapped.record;
  normaliseCountry(record);
  if (truthy(lead.fields.unsubscribed)) {
    const email = typeof lead.fields.email === 'string' ? lead.fields.email : undefined;
    record.consents = [
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        ...(record.updatedAt ? { capturedAt: record.updatedAt } : {}),
        ...(email ? { contactPoint: email } : {}),
        evidence: {
          field: 'unsubscribed',
          ...(typeof lead.fields.unsubscribedReason === 'string' ? { reason: lead.fields.unsubscribedReason } : {}),
        },
      },
    ];
  }
  return { ok: true, record };
}

/** An activity: a timeline event on the lead, a patch for a mapped Change Data Value, or a tombstone. */
function activityRecord(activity: MarketoActivity, mapping: FieldMapping): Mapped | { skip: string } {
  const base: Record<string, unknown> = {
    source: SOURCE,
    externalId: activity.leadId,
    objectType: 'lead',
    updatedAt: activity.activityDate,
    eventId: `activity:${activity.activityId}`,
    ...(activity.sequence ? { sequence: activity.sequence } : {}),
  };
  if (activity.activityTypeId === ACTIVITY.DeleteLead) {
    return { ok: true, record: { ...base, deleted: true, deleteReason: 'deleted' } };
  }
  const type = EVENT_TYPES[activity.activityTypeId];
  if (!type) return { skip: `activity type ${activity.activityTypeId} is not used by the hub` };

  if (activity.activityTypeId !== ACTIVITY.ChangeDataValue) {
    const record: Record<string, unknown> = {
      ...base,
      events: [{ id: activity.activityId, type, occurredAt: activity.activityDate, properties: properties(activity) }],
    };
    if (activity.activityTypeId === ACTIVITY.UnsubscribeEmail) {
      record.consents = [
        {
          purpose: 'email_marketing',
          channel: 'email',
          status: 'withdrawn',
          capturedAt: activity.activityDate,
          evidence: { activity: 'Unsubscribe Email', marketoGUID: activity.activityId },
        },
      ];
    }
    return { ok: true, record };
  }

  const changes = fieldChanges(activity);
  if (changes.length === 0) return { skip: 'the Change Data Value names no field' };
  const context = properties(activity);
  delete context.newValue;
  delete context.oldValue;
  const events = changes.map((change) => ({
    id: changes.length === 1 ? activity.activityId : `${activity.activityId}:${change.name}`,
    type,
    occurredAt: activity.activityDate,
    properties: {
      ...context,
      field: change.name,
      newValue: change.newValue ?? null,
      oldValue: change.oldValue ?? null,
    },
  }));
  // Only fields with a mapping rule patch the lead; the rest stay on the timeline.
  const row: Record<string, unknown> = {};
  for (const change of changes) {
    const rule = mapping.fields[change.name];
    const path = typeof rule === 'string' ? rule : rule?.path;
    if (!path || path === 'updatedAt' || path === 'externalId' || mapping.ignore?.includes(change.name)) continue;
    row[change.name] = change.newValue === undefined || change.newValue === '' ? null : change.newValue;
  }
  const mapped = applyMapping({ ...mapping, emptyAs: 'null' }, row, SOURCE, { ...base, events });
  if (!mapped.ok) return rejectionAt(activity, mapped.code, mapped.message, mapped.path);
  const record = mapped.record;
  normaliseCountry(record);
  const unsubscribed = changes.find((c) => c.name === 'unsubscribed');
  if (unsubscribed && truthy(unsubscribed.newValue)) {
    record.consents = [
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: activity.activityDate,
        evidence: { activity: 'Change Data Value', field: 'unsubscribed', marketoGUID: activity.activityId },
      },
    ];
  }
  return { ok: true, record };
}

/**
 * Leads become attribute patches (externalId = the lead id) with `unsubscribed: true` as a withdrawn email
 * consent; activities become timeline events on their lead; a mapped Change Data Value also patches that field
 * at the activity date; Delete Lead is a tombstone.
 */
export function toCanonicalRecords(items: MarketoItem[], mapping: FieldMapping): AdapterOutput {
  const records: Record<string, unknown>[] = [];
  const skipped: AdapterOutput['skipped'] = [];
  const rejected: ItemRejection[] = [];
  for (const item of items) {
    if (item.kind === 'invalid') {
      rejected.push({ index: item.index, code: item.code, message: item.message, path: item.path });
      continue;
    }
    const result = item.kind === 'lead' ? leadRecord(item, mapping) : activityRecord(item, mapping);
    if ('skip' in result) skipped.push({ index: item.index, reason: result.skip });
    else if (result.ok) records.push(result.record);
    else rejected.push(result.rejection);
  }
  return { records, skipped, rejected };
}
