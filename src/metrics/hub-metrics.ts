import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { decodeFeedCursor, type FeedPosition } from '../feed/read-change-events';
import type { MatchBand, MatchBandCounts } from '../identity/resolution/resolve-identities';
import type { IngestBatch, IngestOutcome } from '../ingest/ingest-records';

/** The live graphql-ws picture, read at scrape time. */
export interface WebSocketStats {
  connections: number;
  subscriptions: number;
}

export interface HubMetricsOptions {
  dataSource: DataSource;
  /** The hub's version (`profile_hub_info{version}`). */
  version: string;
  /** Where this process's shared feed reader is, while it runs (`FeedFanout.position`). */
  feedReaderPosition?: () => FeedPosition | undefined;
  /** Live WebSocket connections and subscriptions. */
  webSockets?: () => WebSocketStats;
}

/** Seconds buckets for GraphQL operations and ingest batches: 5 ms to 30 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Backlog counts stop here: a capped count stays cheap however far a reader is behind. */
export const FEED_BACKLOG_CAP = 10_000;
/** Distinct values a client-chosen label (operation name, source key) may take before the rest read `other`. */
const LABEL_VALUES_CAP = 200;
const RELAY_CHECKPOINT = 'amqp-relay';

/** Caps a label whose values come from clients, so a caller cannot blow up the number of series. */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly cap = LABEL_VALUES_CAP) {}
  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.cap) return 'other';
    this.seen.add(raw);
    return raw;
  }
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * The metrics of one hub process, in a registry of its own (several hubs in one process — tests — do not
 * collide). Hot paths only count what they already know, once per batch or operation; everything that needs the
 * database (open conflicts, webhook backlog, feed lag) is read at scrape time by a couple of indexed queries.
 * Names follow Prometheus conventions: `profile_hub_` prefix, `_total` counters, `_seconds` durations; see
 * docs/operations.md for what each means and example alerts.
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly sources = new BoundedLabel();
  private readonly operations = new BoundedLabel();

  private readonly ingestRecords = new Counter({
    name: 'profile_hub_ingest_records_total',
    help: 'Records ingested, by source, transport and outcome (created, updated, unchanged, duplicate, rejected).',
    labelNames: ['source', 'transport', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly ingestRejections = new Counter({
    name: 'profile_hub_ingest_rejections_total',
    help: 'Records rejected (dead-lettered), by source, transport and code.',
    labelNames: ['source', 'transport', 'code'] as const,
    registers: [this.registry],
  });
  private readonly ingestBatches = new Counter({
    name: 'profile_hub_ingest_batches_total',
    help: 'Ingest batches (one transaction each), by transport and result (committed, failed).',
    labelNames: ['transport', 'result'] as const,
    registers: [this.registry],
  });
  private readonly ingestBatchSeconds = new Histogram({
    name: 'profile_hub_ingest_batch_duration_seconds',
    help: 'Time to run and commit one committed ingest batch, by transport.',
    labelNames: ['transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly matchOutcomes = new Counter({
    name: 'profile_hub_match_outcomes_total',
    help:
      'Records matched by identity resolution, by band: auto_merge (joined an existing profile), review (a merge ' +
      'candidate in the review band), guardrail (an automatic match a guardrail sent to the stewards), new.',
    labelNames: ['band'] as const,
    registers: [this.registry],
  });
  private readonly merges = new Counter({
    name: 'profile_hub_merges_total',
    help: 'Profiles merged into another, by trigger (auto, transitive, link, steward).',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: 'profile_hub_webhook_delivery_attempts_total',
    help: 'Outbound webhook attempts, by outcome: delivered, failed (will retry), dead (gave up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly graphqlSeconds = new Histogram({
    name: 'profile_hub_graphql_operation_duration_seconds',
    help:
      'GraphQL queries and mutations from request to response, by operation name (anonymous, unknown when it ' +
      'did not parse), type, transport (http, ws) and status (ok, error).',
    labelNames: ['operation', 'type', 'transport', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  // Read at scrape time.
  private readonly databaseUp = new Gauge({
    name: 'profile_hub_database_up',
    help: '1 when the scrape could query the database, 0 when it could not (the gauges read from it then keep their last reading).',
    registers: [this.registry],
  });
  private readonly openConflicts = new Gauge({
    name: 'profile_hub_open_conflicts',
    help: 'Field conflicts waiting for a steward.',
    registers: [this.registry],
  });
  private readonly openCandidates = new Gauge({
    name: 'profile_hub_open_merge_candidates',
    help: 'Merge candidates waiting for a steward.',
    registers: [this.registry],
  });
  private readonly openDeadLetters = new Gauge({
    name: 'profile_hub_open_dead_letters',
    help: 'Dead letters not yet replayed or discarded.',
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Gauge({
    name: 'profile_hub_webhook_deliveries',
    help: 'Outbound webhook deliveries not delivered, by status (pending, failed, dead).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly feedLag = new Gauge({
    name: 'profile_hub_feed_lag_seconds',
    help:
      'Age of the oldest committed change event a feed reader has not handed on yet (0 when caught up), by reader: ' +
      'subscriptions (this process), amqp_relay, webhooks (the slowest active subscription).',
    labelNames: ['reader'] as const,
    registers: [this.registry],
  });
  private readonly feedBacklog = new Gauge({
    name: 'profile_hub_feed_backlog_events',
    help: `Change events a feed reader has not handed on yet, by reader (counted up to ${FEED_BACKLOG_CAP}).`,
    labelNames: ['reader'] as const,
    registers: [this.registry],
  });

  constructor(private readonly options: HubMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'profile_hub_info',
      help: 'Always 1; the hub version as a label.',
      labelNames: ['version'] as const,
      registers: [this.registry],
    }).set({ version: options.version }, 1);
    const pool = () => (options.dataSource.driver as unknown as { master?: PoolLike }).master as PoolLike | undefined;
    new Gauge({
      name: 'profile_hub_db_pool_connections',
      help: 'Database pool of this process: connections by state (total, idle, waiting clients, max).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
        this.set({ state: 'max' }, p.options?.max ?? 0);
      },
    });
    const webSockets = options.webSockets;
    new Gauge({
      name: 'profile_hub_graphql_subscriptions',
      help: 'GraphQL subscriptions live on this process (graphql-ws).',
      registers: [this.registry],
      collect() {
        this.set(webSockets?.().subscriptions ?? 0);
      },
    });
    new Gauge({
      name: 'profile_hub_graphql_ws_connections',
      help: 'Authenticated graphql-ws connections on this process.',
      registers: [this.registry],
      collect() {
        this.set(webSockets?.().connections ?? 0);
      },
    });
  }

  /** One committed ingest batch: counts per source and outcome in one pass, one increment per distinct label set. */
  recordIngest(batch: Pick<IngestBatch, 'source' | 'transport'>, outcomes: IngestOutcome[], startedAt: bigint): void {
    const transport = batch.transport;
    const fallback = batch.source ?? 'unknown';
    const records = new Map<string, number>();
    const rejections = new Map<string, number>();
    for (const outcome of outcomes) {
      const source = outcome.status === 'REJECTED' ? fallback : outcome.source;
      const key = `${source}\u0000${outcome.status}`;
      records.set(key, (records.get(key) ?? 0) + 1);
      if (outcome.status === 'REJECTED') {
        const code = `${source}\u0000${outcome.code}`;
        rejections.set(code, (rejections.get(code) ?? 0) + 1);
      }
    }
    for (const [key, n] of records) {
      const [source, status] = key.split('\u0000');
      this.ingestRecords.inc({ source: this.sources.value(source), transport, outcome: status.toLowerCase() }, n);
    }
    for (const [key, n] of rejections) {
      const [source, code] = key.split('\u0000');
      this.ingestRejections.inc({ source: this.sources.value(source), transport, code }, n);
    }
    this.ingestBatches.inc({ transport, result: 'committed' });
    this.ingestBatchSeconds.observe({ transport }, seconds(startedAt));
  }

  /** An ingest batch that rolled back (after its retries): nothing of it was committed. */
  recordIngestFailure(transport: string): void {
    this.ingestBatches.inc({ transport, result: 'failed' });
  }

  /** The committed identity decisions of one batch. */
  recordMatches(bands: MatchBandCounts): void {
    for (const band of Object.keys(bands) as MatchBand[])
      if (bands[band] > 0) this.matchOutcomes.inc({ band }, bands[band]);
  }

  /** Committed merges: one per absorbed profile. */
  recordMerges(orders: { trigger: string; absorbedIds: string[] }[]): void {
    for (const order of orders)
      if (order.absorbedIds.length > 0) this.merges.inc({ trigger: order.trigger }, order.absorbedIds.length);
  }

  recordWebhookAttempt(outcome: 'delivered' | 'failed' | 'dead'): void {
    this.webhookAttempts.inc({ outcome });
  }

  /**
   * One GraphQL query or mutation. `name` is the operation's name (null: anonymous; undefined: it did not get as
   * far as a resolved operation); client-chosen names beyond the first 200 read `other`.
   */
  recordOperation(operation: {
    name: string | null | undefined;
    type: string | undefined;
    transport: 'http' | 'ws';
    ok: boolean;
    startedAt: bigint;
  }): void {
    const name = operation.name === undefined ? 'unknown' : operation.name === null ? 'anonymous' : operation.name;
    this.graphqlSeconds.observe(
      {
        operation: this.operations.value(name),
        type: operation.type ?? 'unknown',
        transport: operation.transport,
        status: operation.ok ? 'ok' : 'error',
      },
      seconds(operation.startedAt),
    );
  }

  /** The Prometheus text exposition, after reading the database-backed gauges. */
  async scrape(): Promise<string> {
    await this.readDatabase();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Two indexed queries: the backlogs stewards and operators watch, then each feed reader's lag. */
  private async readDatabase(): Promise<void> {
    const ds = this.options.dataSource;
    try {
      const [row]: StateRow[] = await ds.query(
        `SELECT (SELECT count(*) FROM conflict WHERE status = 'open')::int AS open_conflicts,
                (SELECT count(*) FROM merge_candidate WHERE status = 'open')::int AS open_candidates,
                (SELECT count(*) FROM dead_letter WHERE status = 'open')::int AS open_dead_letters,
                (SELECT count(*) FROM webhook_delivery WHERE status = 'pending')::int AS webhooks_pending,
                (SELECT count(*) FROM webhook_delivery WHERE status = 'failed')::int AS webhooks_failed,
                (SELECT count(*) FROM webhook_delivery WHERE status = 'dead')::int AS webhooks_dead,
                (SELECT cursor FROM feed_checkpoint WHERE consumer = $1) AS relay_cursor,
                (SELECT array_agg(cursor) FROM webhook_subscription
                  WHERE status = 'active' AND cursor IS NOT NULL) AS webhook_cursors`,
        [RELAY_CHECKPOINT],
      );
      this.openConflicts.set(row.open_conflicts);
      this.openCandidates.set(row.open_candidates);
      this.openDeadLetters.set(row.open_dead_letters);
      this.webhookDeliveries.set({ status: 'pending' }, row.webhooks_pending);
      this.webhookDeliveries.set({ status: 'failed' }, row.webhooks_failed);
      this.webhookDeliveries.set({ status: 'dead' }, row.webhooks_dead);

      const readers: { reader: string; at: FeedPosition }[] = [];
      const head = this.options.feedReaderPosition?.();
      if (head) readers.push({ reader: 'subscriptions', at: head });
      if (row.relay_cursor) readers.push({ reader: 'amqp_relay', at: decodeFeedCursor(row.relay_cursor) });
      const slowest = (row.webhook_cursors ?? [])
        .map((cursor) => decodeFeedCursor(cursor))
        .reduce<FeedPosition | undefined>((min, at) => (!min || before(at, min) ? at : min), undefined);
      if (slowest) readers.push({ reader: 'webhooks', at: slowest });
      this.feedLag.reset();
      this.feedBacklog.reset();
      // A reader with nothing to follow is not behind.
      if (!head) {
        this.feedLag.set({ reader: 'subscriptions' }, 0);
        this.feedBacklog.set({ reader: 'subscriptions' }, 0);
      }
      if (readers.length > 0) {
        const lags: { reader: string; lag: number | null; backlog: number }[] = await ds.query(
          `SELECT r.reader,
                  (SELECT extract(epoch FROM clock_timestamp() - e.occurred_at)::float8 FROM change_event e
                    WHERE (e.txid, e.position) > (r.txid, r.position) ORDER BY e.txid, e.position LIMIT 1) AS lag,
                  (SELECT count(*) FROM (SELECT 1 FROM change_event e
                    WHERE (e.txid, e.position) > (r.txid, r.position) LIMIT $4) AS b)::int AS backlog
             FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(reader, txid, position)`,
          [
            readers.map((r) => r.reader),
            readers.map((r) => String(r.at.txid)),
            readers.map((r) => String(r.at.position)),
            FEED_BACKLOG_CAP,
          ],
        );
        for (const { reader, lag, backlog } of lags) {
          this.feedLag.set({ reader }, Math.max(0, lag ?? 0));
          this.feedBacklog.set({ reader }, backlog);
        }
      }
      this.databaseUp.set(1);
    } catch {
      // The process metrics still answer; the database-backed gauges keep their last reading.
      this.databaseUp.set(0);
    }
  }
}

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

interface StateRow {
  open_conflicts: number;
  open_candidates: number;
  open_dead_letters: number;
  webhooks_pending: number;
  webhooks_failed: number;
  webhooks_dead: number;
  relay_cursor: string | null;
  webhook_cursors: string[] | null;
}

function before(a: FeedPosition, b: FeedPosition): boolean {
  return a.txid < b.txid || (a.txid === b.txid && a.position < b.position);
}
