import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/** The channel the `change_event` insert trigger notifies (`hub_notify_change_event()`). */
export const CHANGE_EVENT_CHANNEL = 'change_event';

/** Delay before the LISTEN connection is made again after it was lost (doubling up to 10 s). */
const RECONNECT_MS = { initial: 250, max: 10_000 };

/**
 * One `LISTEN change_event` connection per hub process (per DataSource), shared by every feed consumer of the
 * process: the shared subscription reader and the broker relay. A notification is only a wake-up — consumers
 * then read the outbox, which stays the truth — so notifications lost while the connection is down cost only
 * latency: after every (re)connect each waiter is woken once to look for what it missed.
 *
 * The connection exists while at least one waiter is registered and is dropped with the last one.
 */
export class FeedWakeups {
  private readonly waiters = new Set<() => void>();
  private client: Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Connections made so far (for tests and metrics). */
  connections = 0;

  constructor(private readonly url: string | undefined) {}

  /** Calls `wake` at every notification (and after every reconnect) until the returned function is called. */
  subscribe(wake: () => void): () => void {
    this.waiters.add(wake);
    if (this.waiters.size === 1) this.connect();
    return () => {
      if (!this.waiters.delete(wake) || this.waiters.size > 0) return;
      clearTimeout(this.reconnectTimer);
      const client = this.client;
      this.client = undefined;
      client?.end().catch(() => undefined);
    };
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined && this.connected;
  }

  private connected = false;

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private connect(): void {
    if (!this.url || this.waiters.size === 0 || this.client) return;
    const client = new Client({ connectionString: this.url, application_name: 'profile-hub-feed' });
    this.client = client;
    this.connected = false;
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.connected = false;
      client.end().catch(() => undefined);
      if (this.waiters.size === 0) return;
      const delay = Math.min(RECONNECT_MS.max, RECONNECT_MS.initial * 2 ** Math.min(this.failures++, 10));
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
      this.reconnectTimer.unref();
    };
    client.on('notification', () => this.wakeAll());
    client.on('error', lost);
    client.on('end', lost);
    client
      .connect()
      .then(() => client.query(`LISTEN ${CHANGE_EVENT_CHANNEL}`))
      .then(() => {
        if (this.client !== client) return;
        this.connected = true;
        this.failures = 0;
        this.connections++;
        this.wakeAll(); // whatever committed while (re)connecting
      })
      .catch(lost);
  }
}

const byDataSource = new WeakMap<DataSource, FeedWakeups>();

/** The process's shared {@link FeedWakeups} for a DataSource (its `url`); without a URL, consumers only poll. */
export function feedWakeups(dataSource: DataSource): FeedWakeups {
  let wakeups = byDataSource.get(dataSource);
  if (!wakeups) {
    wakeups = new FeedWakeups((dataSource.options as { url?: string }).url);
    byDataSource.set(dataSource, wakeups);
  }
  return wakeups;
}
