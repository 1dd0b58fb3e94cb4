import type { FieldMapping } from '../mapping/field-mapping';

/** An HTTP request as an adapter sees it: what a signature covers, nothing framework-specific. */
export interface InboundRequest {
  method: string;
  /** Path and query exactly as received, e.g. `/webhooks/hubspot?portal=1`. */
  url: string;
  /** The URL the vendor called, scheme and host included (proxies set `x-forwarded-proto`/`-host`). */
  publicUrl: string;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  rawBody: Buffer;
  receivedAt: Date;
}

/** What a deployment configures per adapter. */
export interface AdapterSettings {
  /** Secrets by environment name, e.g. `HUBSPOT_CLIENT_SECRET` (see README, "Webhooks"). */
  secrets: Record<string, string | undefined>;
  /** The deployment's mapping on top of the adapter's default (`mergeMappings`). */
  mapping?: Partial<FieldMapping>;
}

/** A payload item the adapter could not turn into a canonical record (the body is dead-lettered with it). */
export interface ItemRejection {
  index: number;
  code: string;
  message: string;
  path: string;
}

export interface AdapterOutput {
  /** Canonical record objects (DESIGN.md shape); the pipeline validates each one. */
  records: Record<string, unknown>[];
  /** Items mapped to nothing on purpose (an event type the hub does not use), with the reason. */
  skipped?: { index: number; reason: string }[];
  rejected?: ItemRejection[];
}

export interface AdapterResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One shape for every source system: verify authenticity, parse the vendor's payload, map it to canonical
 * records. Pure functions of the request and the settings — no database, no clock but `receivedAt` —
 * so adapters are tested with fixtures alone. Failures are thrown as {@link AdapterError}.
 */
export interface SourceAdapter {
  /** URL segment (`/webhooks/<key>`) and default source key of the records. */
  readonly key: string;
  readonly defaultMapping: FieldMapping;
  /** Environment names of the secrets `verify` needs (documented in the README). */
  readonly secretNames: readonly string[];
  /** Throws `AdapterError` (`MISSING_SIGNATURE`, `INVALID_SIGNATURE`, `STALE_SIGNATURE`, `NOT_CONFIGURED`). */
  verify(request: InboundRequest, settings: AdapterSettings): void;
  /** Throws `AdapterError('MALFORMED_PAYLOAD', …)` when the body cannot be read at all. */
  toRecords(request: InboundRequest, settings: AdapterSettings): AdapterOutput;
  /**
   * The success answer the vendor expects (e.g. Salesforce's SOAP `Ack`); `undefined` (or no method) gives the
   * default JSON answer with per-record results.
   */
  respond?(request: InboundRequest, summary: { accepted: number; rejected: number }): AdapterResponse | undefined;
  /** The failure answer the vendor expects (e.g. a SOAP fault); `undefined` gives the default JSON error. */
  respondError?(request: InboundRequest, error: AdapterError): AdapterResponse | undefined;
  /**
   * The body as it may be stored in the dead-letter store: strips credentials a vendor puts in payloads
   * (e.g. a Salesforce session id). Default: stored as received.
   */
  redact?(body: string): string;
}

export type AdapterErrorCode =
  | 'MISSING_SIGNATURE'
  | 'INVALID_SIGNATURE'
  | 'STALE_SIGNATURE'
  | 'NOT_CONFIGURED'
  | 'MALFORMED_PAYLOAD'
  | 'UNSUPPORTED_PAYLOAD'
  | 'UNKNOWN_ADAPTER';

const STATUS: Record<AdapterErrorCode, number> = {
  MISSING_SIGNATURE: 401,
  INVALID_SIGNATURE: 401,
  STALE_SIGNATURE: 401,
  NOT_CONFIGURED: 503,
  MALFORMED_PAYLOAD: 400,
  UNSUPPORTED_PAYLOAD: 422,
  UNKNOWN_ADAPTER: 404,
};

/** A request an adapter refuses; its code and message are safe to return to the caller. */
export class AdapterError extends Error {
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterError';
  }

  get status(): number {
    return STATUS[this.code];
  }

  /** Authenticity failures are never replayed from the dead-letter store. */
  get replayable(): boolean {
    return this.code === 'MALFORMED_PAYLOAD' || this.code === 'UNSUPPORTED_PAYLOAD';
  }
}
