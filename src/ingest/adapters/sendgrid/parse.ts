import { AdapterError } from '../adapter';

/**
 * One Event Webhook event as SendGrid posts it: common fields typed, everything else (per-type fields such as
 * `url`, `reason`, `asm_group_id`, and the sender's custom arguments) kept in `fields`.
 */
export interface SendGridEvent {
  /** Position in the posted array (for rejections and skips). */
  index: number;
  /** `processed`, `delivered`, `open`, `click`, `bounce`, `dropped`, `deferred`, `spamreport`, `unsubscribe` … */
  event: string | undefined;
  email: string | undefined;
  /** Unix seconds, or undefined when absent or not a number. */
  timestamp: number | undefined;
  sgEventId: string | undefined;
  sgMessageId: string | undefined;
  /** The event object as posted. */
  fields: Record<string, unknown>;
}

export type ParsedItem = { ok: true; event: SendGridEvent } | { ok: false; index: number; message: string };

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function unixSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Reads the posted body: a JSON array of event objects. Anything else is `MALFORMED_PAYLOAD`. */
export function parseSendGridEvents(rawBody: Buffer): ParsedItem[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw new AdapterError('MALFORMED_PAYLOAD', 'the body is not JSON');
  }
  if (!Array.isArray(body)) throw new AdapterError('MALFORMED_PAYLOAD', 'expected a JSON array of events');
  return body.map((item: unknown, index): ParsedItem => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { ok: false, index, message: 'an event must be a JSON object' };
    }
    const fields = item as Record<string, unknown>;
    return {
      ok: true,
      event: {
        index,
        event: text(fields.event),
        email: text(fields.email),
        timestamp: unixSeconds(fields.timestamp),
        sgEventId: text(fields.sg_event_id),
        sgMessageId: text(fields.sg_message_id),
        fields,
      },
    };
  });
}
