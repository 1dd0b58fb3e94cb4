import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';

/** One attempt's outcome: 2xx is delivered; anything else (another status, no answer in time, no connection) is not. */
export type SendResult = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export interface OutboundWebhook {
  url: string;
  secret: string;
  /** The exact JSON text to send; the signature covers these bytes. */
  body: string;
  eventId: string;
  eventType: string;
  attempt: number;
}

/** Why a request failed, in words safe to store and show (no URL, no response body). */
function describe(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (name === 'AbortError') return 'interrupted';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : (error as Error)?.message;
  return `request failed: ${(code ?? message ?? 'unknown error').slice(0, 200)}`;
}

/**
 * POSTs one signed delivery. Never throws: whatever the receiver does (errors, hangs, resets, redirects — which are
 * not followed) comes back as a {@link SendResult}. `signal` interrupts the attempt (hub shutdown).
 */
export async function sendWebhook(
  webhook: OutboundWebhook,
  options: { timeoutMs: number; signal?: AbortSignal; now?: Date },
): Promise<SendResult> {
  const timestamp = options.now ?? new Date();
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.any(signals),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'profile-hub-webhooks/1',
        'x-hub-event-id': webhook.eventId,
        'x-hub-event-type': webhook.eventType,
        'x-hub-delivery-attempt': String(webhook.attempt),
        'x-hub-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        [SIGNATURE_HEADER]: signatureHeader(webhook.secret, webhook.body, timestamp),
      },
      body: webhook.body,
    });
    // The answer's body is not used; drop it so the connection is freed.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status };
    return { ok: false, statusCode: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, statusCode: null, error: describe(error, options.timeoutMs) };
  }
}
