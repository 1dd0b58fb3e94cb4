import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { systemContext } from '../common/context';
import { loadConfig } from '../config/config';
import { hubSettings, loadRules } from '../config/rules-file';
import { openDatabase } from '../db/database';
import { ChangeNotifier, createHubPubSub } from '../feed/change-notifier';
import { backfillGoldenProfiles, type BackfillProgress } from '../identity/survivorship/backfill';
import { createLogger } from '../logging/logger';

const MAX_BATCH = 5000;
const number = (n: number) => n.toLocaleString('en-US');

function batchSizeOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_BATCH) {
    throw new InvalidArgumentError(`use a whole number from 1 to ${MAX_BATCH}`);
  }
  return n;
}

/** A progress bar on a terminal; otherwise a line every 5 s (logs and CI stay readable). */
function reporter(): { update(p: BackfillProgress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'backfill {bar} {percentage}% | {value} of {total} profiles | {changed} changed | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: true,
      fps: 5,
    });
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.total, 0, { changed: 0 });
          started = true;
        }
        bar.setTotal(p.total);
        bar.update(p.done, { changed: number(p.changed) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      if (Date.now() - last < 5000 && p.done < p.total) return;
      last = Date.now();
      process.stderr.write(
        `backfill: ${number(p.done)} of ${number(p.total)} profiles, ${number(p.changed)} changed\n`,
      );
    },
    stop: () => undefined,
  };
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'recompute every golden profile under the current survivorship rules (HUB_CONFIG), in batches; ' +
        'change events only for profiles that changed',
    )
    .option('--batch-size <n>', `profiles per transaction (1–${MAX_BATCH})`, batchSizeOption, 500)
    .option('--json', 'print the summary as one JSON object')
    .action(async (options: { batchSize: number; json?: boolean }) => {
      const config = loadConfig();
      const rules = loadRules(config.rulesFile); // a bad rules file stops here, naming the field and rule
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const database = await openDatabase(config, logger, { attach: true });
      const controller = new AbortController();
      const stop = () => {
        controller.abort();
        process.stderr.write('\nstopping after the batch in flight commits…\n');
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const progress = reporter();
      try {
        const ctx = systemContext(
          database.dataSource,
          logger,
          new ChangeNotifier(createHubPubSub()),
          'cli:backfill',
          hubSettings(config.phoneRegion, rules),
        );
        const summary = await backfillGoldenProfiles(ctx, {
          batchSize: options.batchSize,
          signal: controller.signal,
          onProgress: (p) => progress.update(p),
        });
        progress.stop();
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          process.stdout.write(
            `backfill: recomputed ${number(summary.done)} of ${number(summary.total)} profiles in ` +
              `${(summary.elapsedMs / 1000).toFixed(1)} s; ${number(summary.changed)} changed (one change event each); ` +
              `${number(summary.openConflicts)} open conflicts\n`,
          );
        }
        if (controller.signal.aborted) process.exitCode = 130;
      } finally {
        progress.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await database.close();
      }
    });
}
