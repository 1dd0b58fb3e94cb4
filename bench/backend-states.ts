import { Worker } from 'node:worker_threads';

/** How the server processes of one application spent a run, as shares of the time sampled (0–1). */
export interface BackendStateShares {
  samples: number;
  /** One of its backends was running a statement (on the CPU, or waiting inside it for I/O or a lock). */
  running: number;
  /**
   * None was running, and one was idle inside a transaction: the server had nothing to do until the client sent
   * the next statement — the time the client's own work, between two statements, keeps the server waiting.
   */
  waitingOnClient: number;
  /** None was running or inside a transaction (between transactions, before the first, after the last). */
  outsideTransactions: number;
  /** The statements those waits for the client came after (first 60 characters), most waited-after first. */
  waitsAfter: { statement: string; share: number }[];
}

/**
 * The sampler, run in a worker thread so that it keeps sampling while the main thread is busy (sampled from the main
 * thread, the samples would fall where the main thread waits, and over-count the server's running time). Its own
 * connection is left out by its application name.
 */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(workerData.pgPath);
let stopping = false;
parentPort.once('message', () => (stopping = true));
(async () => {
  const client = new Client({ connectionString: workerData.url, application_name: workerData.application + '-sampler' });
  client.on('error', () => undefined);
  await client.connect();
  const counts = { samples: 0, running: 0, waitingOnClient: 0, outsideTransactions: 0 };
  const after = new Map();
  try {
    while (!stopping) {
      const { rows } = await client.query(
        "SELECT state, left(regexp_replace(query, '\\\\s+', ' ', 'g'), 60) AS query FROM pg_stat_activity " +
          "WHERE application_name = $1 AND backend_type = 'client backend'",
        [workerData.application],
      );
      counts.samples++;
      // A statistics refresh the hub runs in the background (ANALYZE) is not the run's own work.
      if (rows.some((r) => r.state === 'active' && !r.query.startsWith('ANALYZE'))) counts.running++;
      else {
        const idle = rows.find((r) => r.state === 'idle in transaction');
        if (idle) {
          counts.waitingOnClient++;
          after.set(idle.query, (after.get(idle.query) || 0) + 1);
        } else counts.outsideTransactions++;
      }
      await new Promise((resolve) => setTimeout(resolve, workerData.intervalMs));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  parentPort.postMessage({ counts, after: [...after] });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

type SamplerResult = { counts: Record<string, number>; after: [string, number][] } | { error: string };

/**
 * Samples `pg_stat_activity` every few milliseconds, from a worker thread on a connection of its own, for the
 * backends of one application name: how much of the time the server was running the application's statements and
 * how much it sat inside a transaction waiting for the client — for a pipeline that should keep both sides busy,
 * the share it fails to. Opt-in (`--waits`): the sampling costs the server a little CPU of its own.
 */
export class BackendStates {
  private constructor(
    private readonly worker: Worker,
    /** The sampler's one message, listened for from the start: a sampler that failed early posts it unasked. */
    private readonly result: Promise<SamplerResult>,
  ) {}

  static start(url: string, application: string, intervalMs = 3): BackendStates {
    const worker = new Worker(SAMPLER, {
      eval: true,
      workerData: { url, application, intervalMs, pgPath: require.resolve('pg') },
    });
    const result = new Promise<SamplerResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    result.catch(() => undefined); // reported by stop()
    return new BackendStates(worker, result);
  }

  async stop(): Promise<BackendStateShares> {
    this.worker.postMessage('stop');
    const outcome = await this.result;
    await this.worker.terminate();
    if ('error' in outcome) throw new Error(`sampling pg_stat_activity failed: ${outcome.error}`);
    const { counts, after } = outcome;
    const share = (n: number) => (counts.samples > 0 ? n / counts.samples : 0);
    return {
      samples: counts.samples,
      running: share(counts.running),
      waitingOnClient: share(counts.waitingOnClient),
      outsideTransactions: share(counts.outsideTransactions),
      waitsAfter: after
        .sort((a, b) => b[1] - a[1])
        .map(([statement, n]) => ({ statement: statement.trim(), share: share(n) })),
    };
  }
}
