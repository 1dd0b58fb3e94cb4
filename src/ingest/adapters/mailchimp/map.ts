import { createHash } from 'node:crypto';
import { AdapterError, type AdapterOutput, type ItemRejection } from '../adapter';
import { applyMapping, type FieldMapping } from '../../mapping/field-mapping';
import type { FormObject, MailchimpWebhook } from './parse';

const SOURCE = 'mailchimp';
const OBJECT_TYPE = 'member';

type CanonicalObject = Record<string, unknown>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function field(data: FormObject, name: string): string | undefined {
  const value = data[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function required(hook: MailchimpWebhook, name: string): string {
  const value = field(hook.data, name);
  if (!value) throw new AdapterError('MALFORMED_PAYLOAD', `the ${hook.type} webhook has no data[${name}]`);
  return value;
}

/**
 * The audience member's key: audience id and lower-cased address. Mailchimp's own member id (`data[id]`) is
 * derived from the address and changes with it (`upemail` reports a `new_id` and no old one; `cleaned` carries
 * no id at all), so it cannot follow a person through an address change — the address can, via `upemail`.
 */
export function memberKey(listId: string, email: string): string {
  return `${listId}:${email.trim().toLowerCase()}`;
}

/**
 * Mailchimp re-sends a webhook it could not deliver, unchanged. The key names the event (type, audience,
 * member, `fired_at`) and ends with a digest of all its parameters: two different changes to one member in the
 * same second (`fired_at` has whole seconds) differ in content, a re-delivery does not.
 */
function deliveryId(hook: MailchimpWebhook, listId: string, email: string): string {
  const member = field(hook.data, 'id') ?? field(hook.data, 'new_id') ?? sha256(email.toLowerCase()).slice(0, 12);
  const digest = sha256(
    hook.params
      .map(([key, value]) => `${key}=${value}`)
      .sort()
      .join('&'),
  ).slice(0, 16);
  const at = hook.occurredAt.replace(/[-:]|\.000/g, '');
  return `${hook.type}:${listId}:${member}:${at}:${digest}`;
}

/** Merge fields as a flat row: `ADDRESS[addr1]` becomes `ADDRESS.addr1`; deeper structures stay whole. */
function mergeRow(data: FormObject): Record<string, unknown> {
  const merges = data.merges;
  if (typeof merges !== 'object') return {};
  const row: Record<string, unknown> = {};
  for (const [tag, value] of Object.entries(merges)) {
    if (typeof value === 'object' && Object.values(value).every((part) => typeof part === 'string')) {
      for (const [part, text] of Object.entries(value)) row[`${tag}.${part}`] = text;
    } else row[tag] = value;
  }
  return row;
}

function evidence(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

interface Member {
  listId: string;
  email: string;
  externalId: string;
  eventId: string;
}

function member(hook: MailchimpWebhook): Member {
  const listId = required(hook, 'list_id');
  const email = required(hook, 'email');
  return { listId, email, externalId: memberKey(listId, email), eventId: deliveryId(hook, listId, email) };
}

function base(hook: MailchimpWebhook, externalId: string, eventId: string): CanonicalObject {
  return { source: SOURCE, externalId, objectType: OBJECT_TYPE, updatedAt: hook.occurredAt, eventId };
}

/**
 * The member's merge fields as an attribute patch. It travels apart from the status record (consents,
 * events, deletes) so that a merge value the hub rejects — a phone that is not one — cannot take the
 * member's consent down with it.
 */
function profileRecord(
  hook: MailchimpWebhook,
  m: Member,
  mapping: FieldMapping,
): { record?: CanonicalObject; rejection?: ItemRejection } {
  const mapped = applyMapping(mapping, mergeRow(hook.data), SOURCE, {
    ...base(hook, m.externalId, m.eventId),
    attributes: { email: m.email },
  });
  if (mapped.ok) return { record: mapped.record };
  return {
    rejection: { index: 0, code: mapped.code, message: mapped.message, path: `$.data.merges${mapped.path.slice(1)}` },
  };
}

function statusRecord(hook: MailchimpWebhook, m: Member, extra: CanonicalObject): CanonicalObject {
  return { ...base(hook, m.externalId, `${m.eventId}:status`), attributes: { email: m.email }, ...extra };
}

function withProfile(
  hook: MailchimpWebhook,
  m: Member,
  mapping: FieldMapping,
  status?: CanonicalObject,
): AdapterOutput {
  const profile = profileRecord(hook, m, mapping);
  return {
    records: [profile.record, status].filter((r): r is CanonicalObject => r !== undefined),
    rejected: profile.rejection ? [profile.rejection] : [],
  };
}

function subscribe(hook: MailchimpWebhook, mapping: FieldMapping): AdapterOutput {
  const m = member(hook);
  const consent = {
    purpose: 'email_marketing',
    channel: 'email',
    status: 'granted',
    legalBasis: 'consent',
    capturedAt: hook.occurredAt,
    contactPoint: m.email.toLowerCase(),
    evidence: evidence({
      listId: m.listId,
      memberId: field(hook.data, 'id'),
      ipOpt: field(hook.data, 'ip_opt'),
      ipSignup: field(hook.data, 'ip_signup'),
    }),
  };
  return withProfile(hook, m, mapping, statusRecord(hook, m, { consents: [consent] }));
}

/**
 * An unsubscribe withdraws email-marketing consent; `reason=abuse` is a spam complaint (and its timeline
 * event says so). `action=delete` means the member was deleted from the audience: a tombstone as well.
 */
function unsubscribe(hook: MailchimpWebhook, mapping: FieldMapping): AdapterOutput {
  const m = member(hook);
  const action = field(hook.data, 'action');
  const reason = field(hook.data, 'reason');
  const campaignId = field(hook.data, 'campaign_id');
  const consent = {
    purpose: 'email_marketing',
    channel: 'email',
    status: 'withdrawn',
    capturedAt: hook.occurredAt,
    contactPoint: m.email.toLowerCase(),
    evidence: evidence({ reason, action, listId: m.listId, memberId: field(hook.data, 'id'), campaignId }),
  };
  const event = {
    id: m.eventId,
    type: reason === 'abuse' ? 'email_spam_report' : 'unsubscribed',
    occurredAt: hook.occurredAt,
    properties: evidence({ listId: m.listId, campaignId, action, reason }),
  };
  const deletion = action === 'delete' ? { deleted: true, deleteReason: 'deleted' } : {};
  return withProfile(hook, m, mapping, statusRecord(hook, m, { consents: [consent], events: [event], ...deletion }));
}

/** A cleaned address bounced hard (or was reported): a bounce on the timeline, not an opt-out. */
function cleaned(hook: MailchimpWebhook): AdapterOutput {
  const m = member(hook);
  const event = {
    id: m.eventId,
    type: 'email_bounced',
    occurredAt: hook.occurredAt,
    properties: evidence({
      listId: m.listId,
      reason: field(hook.data, 'reason'),
      campaignId: field(hook.data, 'campaign_id'),
    }),
  };
  return { records: [statusRecord(hook, m, { events: [event] })] };
}

/**
 * An address change: the member continues under the new address, in a record linked to the old one so that
 * both stay one person. The old record is not tombstoned: it still holds the member's merge fields (the
 * upemail event carries none) and its address stays a known identifier of the person; the new address wins
 * the golden email by being the more recent value.
 */
function upemail(hook: MailchimpWebhook): AdapterOutput {
  const listId = required(hook, 'list_id');
  const oldEmail = required(hook, 'old_email');
  const newEmail = required(hook, 'new_email');
  const oldKey = memberKey(listId, oldEmail);
  const newKey = memberKey(listId, newEmail);
  if (oldKey === newKey) return { records: [], skipped: [{ index: 0, reason: 'the address did not change' }] };
  return {
    records: [
      {
        ...base(hook, newKey, deliveryId(hook, listId, oldEmail)),
        attributes: { email: newEmail },
        links: [{ source: SOURCE, externalId: oldKey }],
      },
    ],
  };
}

/**
 * Maps one Mailchimp webhook to canonical records (source `mailchimp`, object type `member`, keyed by
 * `<list_id>:<email>`, `updatedAt` = `fired_at` in UTC). Campaign events and unknown types are skipped.
 */
export function mapMailchimpWebhook(hook: MailchimpWebhook, mapping: FieldMapping): AdapterOutput {
  switch (hook.type) {
    case 'subscribe':
      return subscribe(hook, mapping);
    case 'unsubscribe':
      return unsubscribe(hook, mapping);
    case 'profile':
      return withProfile(hook, member(hook), mapping);
    case 'cleaned':
      return cleaned(hook);
    case 'upemail':
      return upemail(hook);
    case 'campaign':
      return { records: [], skipped: [{ index: 0, reason: 'campaign events describe a campaign, not a member' }] };
    default:
      return {
        records: [],
        skipped: [{ index: 0, reason: `Mailchimp event type "${hook.type.slice(0, 40)}" is not supported` }],
      };
  }
}
