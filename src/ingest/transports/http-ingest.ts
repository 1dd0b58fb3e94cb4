import { createHash } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { sendForbidden } from '../../auth/http-auth';
import { hasScope, ingestScope, type Principal } from '../../auth/principal';
import { inTransaction, type ServiceContext } from '../../common/context';
import { toGlobalId } from '../../common/global-id';
import type { Logger } from '../../logging/logger';
import { AdapterError, type InboundRequest, type SourceAdapter } from '../adapters/adapter';
import { getAdapter } from '../adapters';
import { recordDeadLetters, type NewDeadLetter } from '../dead-letters';
import { ingestBatch, summarise } from '../ingest-batch';
import { MAX_BATCH, type IngestOutcome } from '../ingest-records';
import type { HubConfig } from '../../config/config';
import type { HubRules } from '../../config/rules-file';

/** Largest body `POST /ingest/<source>` and `POST /webhooks/<adapter>` accept. */
export const MAX_BODY = '5mb';

/** How much of a webhook that failed authenticity is kept as its dead letter's evidence (characters). */
export const UNAUTHENTICATED_KEEP = 64 * 1024;

export interface IngestRouteDeps {
  config: HubConfig;
  rules: HubRules;
  /** Builds the service context of one request (request id, actor, logger …). */
  context(res: Response): ServiceContext;
  /** Verifies the bearer token of `POST /ingest/<source>` (vendors' webhooks carry their own signatures). */
  authenticate: RequestHandler;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function toInbound(req: Request): InboundRequest {
  const proto = header(req, 'x-forwarded-proto')?.split(',')[0].trim() ?? req.protocol;
  const host = header(req, 'x-forwarded-host')?.split(',')[0].trim() ?? header(req, 'host') ?? 'localhost';
  const query: Record<string, string> = {};
  for (const [key, value] of new URL(req.originalUrl, 'http://x').searchParams) query[key] = value;
  return {
    method: req.method,
    url: req.originalUrl,
    publicUrl: `${proto}://${host}${req.originalUrl}`,
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]),
    ),
    query,
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    receivedAt: new Date(),
  };
}

function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

async function deadLetter(ctx: ServiceContext, letters: NewDeadLetter[]): Promise<string[]> {
  return inTransaction(ctx, (tx) => recordDeadLetters(tx, letters));
}

/** Per-record answer of the HTTP transports, in request order, with the same global ids as GraphQL. */
function resultsBody(outcomes: IngestOutcome[]) {
  const counts = summarise(outcomes);
  const results = outcomes.map((o) =>
    o.status === 'REJECTED'
      ? o
      : {
          ...o,
          profileId: o.profileId && toGlobalId('Profile', o.profileId),
          sourceRecordId: o.sourceRecordId && toGlobalId('SourceRecord', o.sourceRecordId),
        },
  );
  return { accepted: outcomes.length - counts.REJECTED, rejected: counts.REJECTED, results };
}

/**
 * Splits a body into records: a JSON object, a JSON array, or NDJSON (one record per line). An unreadable
 * NDJSON line is returned as a line failure, so the other lines still go in.
 */
export function splitRecords(
  body: string,
  contentType: string | undefined,
): { records: unknown[]; badLines: { line: number; raw: string }[] } | undefined {
  const text = body.trim();
  // A whole JSON document first (pretty-printed JSON has newlines too), unless the sender said NDJSON.
  if (!/ndjson|jsonlines|jsonl/.test(contentType ?? '')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return { records: Array.isArray(parsed) ? parsed : [parsed], badLines: [] };
    } catch {
      if (!text.includes('\n')) return undefined;
    }
  }
  const records: unknown[] = [];
  const badLines: { line: number; raw: string }[] = [];
  text.split(/\r?\n/).forEach((raw, line) => {
    if (raw.trim() === '') return;
    try {
      records.push(JSON.parse(raw));
    } catch {
      badLines.push({ line, raw });
    }
  });
  return records.length === 0 && badLines.length > 1 ? undefined : { records, badLines };
}

/** `POST /ingest/<source>` (canonical JSON or NDJSON) and `POST /webhooks/<adapter>` (vendor payloads). */
export function createIngestRouter(deps: IngestRouteDeps, logger: Logger): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: MAX_BODY });

  router.post('/ingest/:source', deps.authenticate, raw, async (req: Request, res: Response) => {
    const source = String(req.params.source);
    // A token ingests only as the sources it names: refused before the body is read or kept.
    if (!hasScope(res.locals.principal as Principal, ingestScope(source)))
      return sendForbidden(res, ingestScope(source));
    const ctx = deps.context(res);
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const split = splitRecords(body, header(req, 'content-type'));
    if (!split) {
      const [id] = await deadLetter(ctx, [
        {
          source,
          transport: 'http',
          contentType: header(req, 'content-type') ?? 'application/json',
          rawPayload: body,
          recordIndex: null,
          code: 'MALFORMED_PAYLOAD',
          message: 'the body is not JSON or NDJSON',
          path: null,
        },
      ]);
      return sendError(res, 400, 'MALFORMED_PAYLOAD', 'the body is not JSON or NDJSON', { deadLetterId: id });
    }
    if (split.records.length + split.badLines.length > MAX_BATCH) {
      return sendError(
        res,
        413,
        'TOO_MANY_RECORDS',
        `at most ${MAX_BATCH} records per request; use profile-hub import for bulk loads`,
      );
    }
    const lineLetters = await deadLetter(
      ctx,
      split.badLines.map((bad) => ({
        source,
        transport: 'http',
        contentType: 'application/x-ndjson',
        rawPayload: bad.raw,
        recordIndex: bad.line,
        code: 'MALFORMED_JSON',
        message: `line ${bad.line + 1} is not JSON`,
        path: null,
      })),
    );
    const outcomes = await ingestBatch(ctx, { source, records: split.records, transport: 'http' });
    res.status(200).json({
      ...resultsBody(outcomes),
      malformedLines: split.badLines.map((bad, i) => ({
        line: bad.line + 1,
        code: 'MALFORMED_JSON',
        deadLetterId: lineLetters[i],
      })),
    });
  });

  // Some vendors (Mailchimp) check a webhook URL with a GET before they save it.
  router.get('/webhooks/:adapter', (req: Request, res: Response) => {
    try {
      getAdapter(String(req.params.adapter));
      res.status(200).json({ status: 'ok' });
    } catch (error) {
      if (!(error instanceof AdapterError)) throw error;
      sendError(res, error.status, error.code, error.message);
    }
  });

  router.post('/webhooks/:adapter', raw, async (req: Request, res: Response) => {
    const key = String(req.params.adapter);
    // The vendor proves who it is by its signature (checked by the adapter), not by a bearer token.
    const vendor: Principal = { subject: `webhook:${key}`, scopes: new Set([ingestScope(key)]) };
    res.locals.principal = vendor;
    const ctx = deps.context(res);
    const inbound = toInbound(req);
    const body = inbound.rawBody.toString('utf8');
    const contentType = inbound.headers['content-type'] ?? 'application/octet-stream';
    let adapter: SourceAdapter | undefined;
    const letter = (code: string, message: string, recordIndex: number | null = null): NewDeadLetter => ({
      source: key,
      transport: 'webhook',
      contentType,
      rawPayload: adapter?.redact ? adapter.redact(body) : body,
      recordIndex,
      code,
      message,
      path: null,
    });
    try {
      adapter = getAdapter(key);
      const settings = { secrets: deps.config.webhookSecrets, mapping: deps.rules.mappings[key] };
      adapter.verify(inbound, settings);
      const output = adapter.toRecords(inbound, settings);
      const rejected = output.rejected ?? [];
      if (rejected.length > 0)
        await deadLetter(
          ctx,
          rejected.map((r) => ({ ...letter(r.code, r.message, r.index), path: r.path })),
        );
      const outcomes = await ingestBatch(ctx, { source: key, records: output.records, transport: 'webhook' });
      const summary = resultsBody(outcomes);
      const rejectedCount = summary.rejected + rejected.length;
      const answer = adapter.respond?.(inbound, { accepted: summary.accepted, rejected: rejectedCount });
      if (answer) return res.status(answer.status).type(answer.contentType).send(answer.body);
      return res
        .status(200)
        .json({ ...summary, rejected: rejectedCount, itemErrors: rejected, skipped: output.skipped ?? [] });
    } catch (error) {
      if (!(error instanceof AdapterError)) throw error;
      const refused = letter(error.code, error.message);
      // A request that failed authenticity proves nothing about its sender: keep evidence, not a free 5 MB store.
      if (error.status === 401 && refused.rawPayload.length > UNAUTHENTICATED_KEEP) {
        const digest = createHash('sha256').update(refused.rawPayload).digest('hex');
        refused.message += ` (not authenticated: the first ${UNAUTHENTICATED_KEEP} of ${refused.rawPayload.length} characters kept, sha256 ${digest})`;
        refused.rawPayload = refused.rawPayload.slice(0, UNAUTHENTICATED_KEEP);
      }
      const [id] = await deadLetter(ctx, [refused]);
      logger.warn({ adapter: key, code: error.code, deadLetterId: id }, 'webhook refused');
      const answer = adapter?.respondError?.(inbound, error);
      if (answer) return res.status(answer.status).type(answer.contentType).send(answer.body);
      return sendError(res, error.status, error.code, error.message, { deadLetterId: id });
    }
  });

  return router;
}
