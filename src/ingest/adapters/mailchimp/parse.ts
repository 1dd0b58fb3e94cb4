import { AdapterError } from '../adapter';

/** A form body with bracketed keys read as nested objects: `data[merges][FNAME]` → `data.merges.FNAME`. */
export interface FormObject {
  [key: string]: FormValue;
}
export type FormValue = string | FormObject;

/** One Mailchimp audience webhook (they come one per request). */
export interface MailchimpWebhook {
  /** `subscribe`, `unsubscribe`, `profile`, `upemail`, `cleaned` or `campaign`. */
  type: string;
  /** `fired_at` as sent: `2009-03-26 21:35:57`, UTC without a zone. */
  firedAt: string;
  /** `fired_at` as an ISO 8601 UTC instant. */
  occurredAt: string;
  data: FormObject;
  /** Every parameter as received, for a digest of the delivery. */
  params: [string, string][];
}

// Keys that would reach Object.prototype through a bracket path.
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** `data[merges][FNAME]` → `['data', 'merges', 'FNAME']`; a key without brackets is one segment. */
function keyPath(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  return [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
}

/**
 * Parses `application/x-www-form-urlencoded` with PHP-style bracket keys into nested objects. `[]` appends
 * (as the next numeric key); a key that is both a value and a parent keeps the first; prototype keys are dropped.
 */
export function parseFormBody(text: string): FormObject {
  const root: FormObject = {};
  params: for (const [key, value] of new URLSearchParams(text)) {
    const path = keyPath(key);
    if (path.some((segment) => UNSAFE_KEYS.has(segment))) continue;
    let node: FormObject = root;
    for (const [i, rawSegment] of path.entries()) {
      const segment = rawSegment === '' ? String(Object.keys(node).length) : rawSegment;
      if (i === path.length - 1) {
        if (!Object.hasOwn(node, segment)) node[segment] = value;
        break;
      }
      const child = Object.hasOwn(node, segment) ? node[segment] : (node[segment] = {});
      if (typeof child === 'string') continue params;
      node = child;
    }
  }
  return root;
}

const FIRED_AT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/;

/**
 * Reads a Mailchimp webhook body. Throws `MALFORMED_PAYLOAD` when it is not a form body with `type`,
 * `fired_at` (`YYYY-MM-DD HH:MM:SS`) and `data[…]`.
 */
export function parseMailchimpWebhook(rawBody: Buffer): MailchimpWebhook {
  const text = rawBody.toString('utf8').trim();
  if (text === '') throw new AdapterError('MALFORMED_PAYLOAD', 'the body is empty');
  if (text.startsWith('{') || text.startsWith('[')) {
    throw new AdapterError('MALFORMED_PAYLOAD', 'Mailchimp webhooks are application/x-www-form-urlencoded, not JSON');
  }
  const form = parseFormBody(text);
  const { type, fired_at: firedAt, data } = form;
  if (typeof type !== 'string' || type === '') throw new AdapterError('MALFORMED_PAYLOAD', 'the body has no "type"');
  const when = typeof firedAt === 'string' ? FIRED_AT.exec(firedAt.trim()) : null;
  const occurredAt = when ? new Date(`${when[1]}T${when[2]}Z`) : new Date(NaN);
  // Date rolls 2025-02-30 over into March; a real time reads back as itself.
  if (
    !when ||
    Number.isNaN(occurredAt.getTime()) ||
    occurredAt.toISOString().slice(0, 19) !== `${when[1]}T${when[2]}`
  ) {
    throw new AdapterError('MALFORMED_PAYLOAD', '"fired_at" is not a time like 2009-03-26 21:35:57');
  }
  if (typeof data !== 'object') throw new AdapterError('MALFORMED_PAYLOAD', 'the body has no data[…] fields');
  return {
    type,
    firedAt: when[0],
    occurredAt: occurredAt.toISOString(),
    data,
    params: [...new URLSearchParams(text)],
  };
}
