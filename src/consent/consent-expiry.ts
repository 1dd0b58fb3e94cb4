import type { DataSource } from 'typeorm';
import { inTransaction, systemContext } from '../common/context';
import { appendChangeEvents } from '../feed/change-events';
import type { ChangeNotifier } from '../feed/change-notifier';
import type { Logger } from '../logging/logger';
import { expireLapsedGrants } from './consent-current';

/**
 * Lets granted consents lapse on time: every `intervalMs` the stored state of grants past their expiry becomes
 * `expired`, with a `consent.changed` event each (reads show them expired at once anyway). Safe in several hub
 * processes (rows are claimed with SKIP LOCKED).
 */
export class ConsentExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: ChangeNotifier,
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass: expires what is due, in batches of 1,000; returns how many consents lapsed. */
  async runOnce(): Promise<number> {
    if (this.running) return 0;
    let lapsed = 0;
    const pass = (async () => {
      const ctx = systemContext(this.dataSource, this.logger, this.notifier, 'system:consent-expiry');
      for (;;) {
        const events = await inTransaction(ctx, async (tx) => {
          const due = await expireLapsedGrants(tx);
          await appendChangeEvents(tx, due);
          return due;
        });
        lapsed += events.length;
        if (events.length < 1000) break;
      }
    })();
    this.running = pass.catch((error) => this.logger.error({ err: error }, 'consent expiry pass failed'));
    await this.running;
    this.running = undefined;
    return lapsed;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
