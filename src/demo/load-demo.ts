import { performance } from 'node:perf_hooks';
import { appendAudit, auditEntryFor } from '../audit/audit-trail';
import type { ServiceContext } from '../common/context';
import type { InboundRequest } from '../ingest/adapters/adapter';
import { getAdapter } from '../ingest/adapters';
import { ingestBatch } from '../ingest/ingest-batch';
import type { FieldMapping } from '../ingest/mapping/field-mapping';
import { buildDemoData, DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE, type DemoData, type DemoDelivery } from './demo-data';
import { readHubFigures, segmentSizes, type HubFigures } from './demo-figures';
import { DEMO_SEGMENTS, defineDemoSegments, type DemoSegmentOutcome } from './demo-segments';

export const MIN_DEMO_SIZE = 20;
export const MAX_DEMO_SIZE = 100_000;

export interface LoadDemoOptions {
  /** Contact records of both systems together (default 3,000; {@link MIN_DEMO_SIZE}–{@link MAX_DEMO_SIZE}). */
  size?: number;
  /** The data set's seed (default 1): the same seed and size always give the same data and the same numbers. */
  seed?: number;
  /**
   * The demo's "now", which every record time is relative to. Default: the time of the first load of this seed
   * and size (from the audit trail), so a re-run sends exactly what the first run sent; else the present.
   */
  asOf?: Date;
  /** The deployment's Marketo mapping (rules file `mappings.marketo`), layered over the adapter's default. */
  marketoMapping?: Partial<FieldMapping>;
  onProgress?: (progress: DemoProgress) => void;
  /** Stops after the batch in flight commits (Ctrl-C); the summary then says `interrupted`. */
  signal?: AbortSignal;
}

export interface DemoProgress {
  phase: 'contacts' | 'activities' | 'edits' | 'segments';
  /** Deliveries (batches, pages) done of this phase. */
  done: number;
  total: number;
}

/** How one source's records went through the pipeline. */
export interface SourceOutcome {
  /** Canonical records handed to the pipeline (a Marketo page gives one per lead and per activity). */
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  duplicate: number;
  rejected: number;
}

export interface DemoSummary {
  seed: number;
  size: number;
  /** The demo's "now" (ISO 8601). */
  asOf: string;
  /** This seed and size had been loaded into this database before. */
  loadedBefore: boolean;
  /** Nothing new went in: every record was a replay (the data set was complete already). */
  nothingNew: boolean;
  /** Stopped by `signal` before the end: the next load of the same seed and size finishes it. */
  interrupted: boolean;
  /** What the two systems sent. */
  sent: DemoData['counts'];
  ingest: { salesforce: SourceOutcome; marketo: SourceOutcome };
  hub: HubFigures;
  segments: { key: string; name: string; size: number; outcome: DemoSegmentOutcome }[];
  elapsedMs: number;
}

const emptyOutcome = (): SourceOutcome => ({
  records: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  duplicate: 0,
  rejected: 0,
});

const dataSetId = (seed: number, size: number) => `seed=${seed},size=${size}`;

/** The time an earlier load of this data set was anchored at, from its `demo.load` audit entry. */
async function earlierLoad(ctx: ServiceContext, id: string): Promise<Date | undefined> {
  const [row]: { as_of: string | null }[] = await ctx.dataSource.query(
    `SELECT details->>'asOf' AS as_of FROM audit_entry
      WHERE action = 'demo.load' AND target_type = 'demo' AND target_id = $1
      ORDER BY seq LIMIT 1`,
    [id],
  );
  const at = row?.as_of ? new Date(row.as_of) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** A Marketo page as the relay would post it to `/webhooks/marketo` (the adapter reads only the body). */
function marketoRequest(body: unknown): InboundRequest {
  return {
    method: 'POST',
    url: '/webhooks/marketo',
    publicUrl: 'http://localhost/webhooks/marketo',
    headers: { 'content-type': 'application/json' },
    query: {},
    rawBody: Buffer.from(JSON.stringify(body)),
    receivedAt: new Date(),
  };
}

/**
 * Loads the first-run demo into the hub through the real pipeline — the CRM's contacts as canonical records, the
 * MA platform's leads and activities through the shipped Marketo adapter, each batch through `ingestBatch` (one
 * transaction each, as every transport does) — then defines the demo's segments and reads what the hub made of
 * it. Idempotent: a second load of the same seed and size sends the same records (events, consents and records
 * all carry their ids), which the pipeline recognises as replays, and leaves existing segments alone.
 * @example await loadDemo(ctx, { size: 3000, seed: 1 }) // → { hub: { profiles, automaticMerges, … }, segments, … }
 */
export async function loadDemo(ctx: ServiceContext, options: LoadDemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const size = options.size ?? DEFAULT_DEMO_SIZE;
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(size) || size < MIN_DEMO_SIZE || size > MAX_DEMO_SIZE) {
    throw new RangeError(`the demo size is a whole number from ${MIN_DEMO_SIZE} to ${MAX_DEMO_SIZE}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) {
    throw new RangeError('the demo seed is a whole number from 0 to 2147483648');
  }
  const id = dataSetId(seed, size);
  const before = await earlierLoad(ctx, id);
  // Whole seconds: what the audit entry keeps is exactly what the records were built from.
  const asOf = options.asOf ?? before ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const data = buildDemoData({ size, seed, asOf });
  const work: ServiceContext = { ...ctx, operation: ctx.operation ?? 'demo' };
  // First, in its own transaction: an interrupted load is finished by the next one with the same records.
  await appendAudit(work.dataSource, [
    auditEntryFor(work, {
      action: 'demo.load',
      targetType: 'demo',
      targetId: id,
      details: { seed, size, asOf: asOf.toISOString(), loadedBefore: before !== undefined },
    }),
  ]);

  const ingest = { salesforce: emptyOutcome(), marketo: emptyOutcome() };
  const marketo = getAdapter('marketo');
  const deliver = async (delivery: DemoDelivery) => {
    let records: unknown[];
    if (delivery.source === 'salesforce') {
      records = delivery.records;
    } else {
      const output = marketo.toRecords(marketoRequest(delivery.response), {
        secrets: {},
        mapping: options.marketoMapping,
      });
      records = output.records;
      ingest.marketo.rejected += output.rejected?.length ?? 0;
    }
    if (records.length === 0) return;
    const tally = ingest[delivery.source];
    tally.records += records.length;
    for (const outcome of await ingestBatch(work, { source: delivery.source, records, transport: 'file' })) {
      if (outcome.status === 'REJECTED') tally.rejected++;
      else tally[outcome.status.toLowerCase() as 'created' | 'updated' | 'unchanged' | 'duplicate']++;
    }
  };
  const phases: [DemoProgress['phase'], DemoDelivery[]][] = [
    ['contacts', data.contacts],
    ['activities', data.activities],
    ['edits', data.edits],
  ];
  const interrupted = () => options.signal?.aborted === true;
  for (const [phase, deliveries] of phases) {
    options.onProgress?.({ phase, done: 0, total: deliveries.length });
    for (const [i, delivery] of deliveries.entries()) {
      if (interrupted()) break;
      await deliver(delivery);
      options.onProgress?.({ phase, done: i + 1, total: deliveries.length });
    }
  }

  let outcomes = new Map<string, DemoSegmentOutcome>();
  if (!interrupted()) {
    options.onProgress?.({ phase: 'segments', done: 0, total: DEMO_SEGMENTS.length });
    outcomes = await defineDemoSegments(work);
    options.onProgress?.({ phase: 'segments', done: DEMO_SEGMENTS.length, total: DEMO_SEGMENTS.length });
  }
  const sizes = await segmentSizes(
    work.dataSource,
    DEMO_SEGMENTS.map((s) => s.key),
  );
  const changed =
    ingest.salesforce.created + ingest.salesforce.updated + ingest.marketo.created + ingest.marketo.updated;
  return {
    seed,
    size,
    asOf: asOf.toISOString(),
    loadedBefore: before !== undefined,
    nothingNew: changed === 0,
    interrupted: interrupted(),
    sent: data.counts,
    ingest,
    hub: await readHubFigures(work.dataSource),
    segments: DEMO_SEGMENTS.filter((s) => outcomes.has(s.key)).map((s) => ({
      key: s.key,
      name: s.name,
      size: sizes.get(s.key) ?? 0,
      outcome: outcomes.get(s.key)!,
    })),
    elapsedMs: Math.round(performance.now() - started),
  };
}
