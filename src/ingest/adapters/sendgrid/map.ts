import { createHash } from 'node:crypto';
import { ErrorCode } from '../../../common/hub-error';
import { stableJson } from '../../apply-patch';
import { applyMapping, type FieldMapping } from '../../mapping/field-mapping';
import type { AdapterOutput, ItemRejection } from '../adapter';
import type { ParsedItem, SendGridEvent } from './parse';

export const SOURCE = 'sendgrid';

/** SendGrid's event names → the hub's normalised engagement event types. */
export const EVENT_TYPES: Record<string, string> = {
  processed: 'email_sent',
  delivered: 'email_delivered',
  open: 'email_opened',
  click: 'email_clicked',
  bounce: 'email_bounced',
  dropped: 'email_dropped',
  deferred: 'email_deferred',
  spamreport: 'email_spam_report',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
  group_resubscribe: 'resubscribed',
};

/** Vendor fields kept on the timeline event, under the hub's property names. */
const PROPERTIES: Record<string, string> = {
  sg_message_id: 'sgMessageId',
  category: 'category',
  url: 'url',
  url_offset: 'urlOffset',
  reason: 'reason',
  status: 'status',
  type: 'bounceType',
  bounce_classification: 'bounceClassification',
  response: 'response',
  attempt: 'attempt',
  tls: 'tls',
  asm_group_id: 'asmGroupId',
  useragent: 'userAgent',
  ip: 'ip',
  sg_machine_open: 'machineOpen',
  marketing_campaign_id: 'marketingCampaignId',
  marketing_campaign_name: 'marketingCampaignName',
  marketing_campaign_version: 'marketingCampaignVersion',
  marketing_campaign_split_id: 'marketingCampaignSplitId',
  singlesend_id: 'singlesendId',
  singlesend_name: 'singlesendName',
  template_id: 'templateId',
  template_version_id: 'templateVersionId',
  pool: 'pool',
};

/** SendGrid's own fields that are neither properties nor custom arguments. */
const SYSTEM_FIELDS = new Set([
  'email',
  'timestamp',
  'event',
  'sg_event_id',
  'smtp-id',
  'sg_content_type',
  'post_type',
  'send_at',
  'cert_err',
  'unique_args',
  'sg_template_id',
  'sg_template_name',
]);

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && isFinite(value));
}

function plain(value: unknown): unknown {
  if (isPrimitive(value)) return value;
  if (Array.isArray(value)) return value.filter(isPrimitive);
  return undefined;
}

/** The useful vendor fields of one event; anything SendGrid does not define is a custom argument. */
function properties(event: SendGridEvent): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  const customArgs: Record<string, unknown> = {};
  for (const [field, raw] of Object.entries(event.fields)) {
    const value = plain(raw);
    if (value === undefined || SYSTEM_FIELDS.has(field)) continue;
    const name = PROPERTIES[field];
    if (name) props[name] = value;
    else customArgs[field] = value;
  }
  if (Object.keys(customArgs).length > 0) props.customArgs = customArgs;
  return props;
}

function consents(event: SendGridEvent, email: string, at: string): Record<string, unknown>[] {
  const base = { purpose: 'email_marketing', channel: 'email', capturedAt: at, contactPoint: email };
  const ids = { sgEventId: event.sgEventId ?? null, sgMessageId: event.sgMessageId ?? null };
  const asmGroupId = plain(event.fields.asm_group_id) ?? null;
  switch (event.event) {
    case 'unsubscribe':
      return [{ ...base, status: 'withdrawn', evidence: { reason: 'unsubscribe', ...ids } }];
    case 'spamreport':
      return [{ ...base, status: 'withdrawn', evidence: { reason: 'spam_report', ...ids } }];
    case 'group_unsubscribe':
      return [{ ...base, status: 'withdrawn', evidence: { reason: 'group_unsubscribe', asmGroupId, ...ids } }];
    case 'group_resubscribe':
      return [
        {
          ...base,
          status: 'granted',
          legalBasis: 'consent',
          evidence: { reason: 'group_resubscribe', asmGroupId, ...ids },
        },
      ];
    default:
      return [];
  }
}

/** A stable id for an event SendGrid posted without `sg_event_id` (the same event always hashes the same). */
function fallbackId(event: SendGridEvent): string {
  return `sha256:${createHash('sha256').update(stableJson(event.fields)).digest('hex').slice(0, 32)}`;
}

/**
 * One canonical record per event: the recipient (externalId = lower-cased email, objectType `recipient`), the
 * normalised engagement event and, for unsubscribes, spam reports and group (re)subscribes, a consent statement.
 * Bounces and drops are events only — an undeliverable address has not opted out.
 */
export function toCanonicalRecords(items: ParsedItem[], mapping: FieldMapping): AdapterOutput {
  const records: Record<string, unknown>[] = [];
  const skipped: AdapterOutput['skipped'] = [];
  const rejected: ItemRejection[] = [];
  for (const item of items) {
    if (!item.ok) {
      rejected.push({
        index: item.index,
        code: ErrorCode.InvalidType,
        message: item.message,
        path: `$[${item.index}]`,
      });
      continue;
    }
    const event = item.event;
    const path = `$[${event.index}]`;
    const type = event.event ? EVENT_TYPES[event.event] : undefined;
    if (!type) {
      skipped.push({ index: event.index, reason: `event "${event.event ?? '(none)'}" is not used by the hub` });
      continue;
    }
    if (!event.email) {
      rejected.push({
        index: event.index,
        code: ErrorCode.MissingExternalId,
        message: 'the event has no recipient email',
        path: `${path}.email`,
      });
      continue;
    }
    if (event.timestamp === undefined) {
      rejected.push({
        index: event.index,
        code: ErrorCode.InvalidDate,
        message: 'the event has no Unix timestamp',
        path: `${path}.timestamp`,
      });
      continue;
    }
    const at = new Date(Math.round(event.timestamp * 1000)).toISOString();
    const email = event.email.toLowerCase();
    const id = event.sgEventId ?? fallbackId(event);
    const mapped = applyMapping(mapping, event.fields, SOURCE, {
      externalId: email,
      objectType: 'recipient',
      updatedAt: at,
      eventId: id,
      events: [{ id, type, occurredAt: at, properties: properties(event) }],
    });
    if (!mapped.ok) {
      rejected.push({
        index: event.index,
        code: mapped.code,
        message: mapped.message,
        path: `${path}${mapped.path.slice(1)}`,
      });
      continue;
    }
    const record = mapped.record;
    const statements = consents(event, email, at);
    if (statements.length > 0) record.consents = statements;
    records.push(record);
  }
  return { records, skipped, rejected };
}
