import path from 'node:path';
import { Format, SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { systemContext } from '../common/context';
import { tuneJitForBulkIngest } from '../common/jit-tuning';
import { loadConfig } from '../config/config';
import { hubSettings, loadRules } from '../config/rules-file';
import { openDatabase } from '../db/database';
import { ChangeNotifier, createHubPubSub } from '../feed/change-notifier';
import {
  DEFAULT_IMPORT_BATCH_SIZE,
  IMPORT_FORMATS,
  importFile,
  ImportError,
  MAX_IMPORT_BATCH_SIZE,
  prepareImport,
  type ImportFormat,
  type ImportPlan,
  type ImportProgress,
  type ImportSummary,
} from '../ingest/transports/file-import';
import { createLogger } from '../logging/logger';

interface ImportCommandOptions {
  source: string;
  format?: ImportFormat;
  mapping?: string;
  batchSize: number;
  json?: boolean;
}

/** Exit code of an import stopped by SIGINT/SIGTERM (128 + SIGINT), as shells report a Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** How often a progress line is written when stderr is not a terminal. */
const PROGRESS_LOG_INTERVAL_MS = 5000;

function batchSizeOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_IMPORT_BATCH_SIZE) {
    throw new InvalidArgumentError(`use a whole number from 1 to ${MAX_IMPORT_BATCH_SIZE}`);
  }
  return n;
}

const number = (n: number) => n.toLocaleString('en-US');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const rate = (p: ImportProgress) => Math.round(p.lines / Math.max(p.elapsedMs / 1000, 0.001));

/** A progress bar on a terminal; otherwise a plain line on stderr every few seconds. */
function progressReporter(plan: ImportPlan): { update(p: ImportProgress): void; stop(): void } {
  const name = path.basename(plan.file);
  if (process.stderr.isTTY && plan.fileSize > 0) {
    const bar = new SingleBar({
      stream: process.stderr,
      format:
        `${name} {bar} {percentage}% | {read} of {size} | ETA {eta_formatted} | {rate} records/s | ` +
        '{lines} lines: {accepted} accepted, {rejected} rejected',
      barsize: 24,
      hideCursor: true,
      fps: 5,
      etaBuffer: 20,
      etaAsynchronousUpdate: true,
      // Until a few batches have committed the ETA is unknown ("NULL"/"INF"), and says so plainly.
      formatTime: (eta, options, round) => (typeof eta === 'number' ? Format.TimeFormat(eta, options, round) : '…'),
    });
    const payload = (p: ImportProgress) => ({
      read: bytes(p.bytesRead),
      size: bytes(plan.fileSize),
      rate: number(rate(p)),
      lines: number(p.lines),
      accepted: number(p.accepted),
      rejected: number(p.rejected),
    });
    bar.start(plan.fileSize, 0, payload({ ...emptyProgress(plan), elapsedMs: 1 }));
    return { update: (p) => bar.update(p.bytesRead, payload(p)), stop: () => bar.stop() };
  }
  let lastLogAt = Date.now();
  return {
    update(p) {
      if (Date.now() - lastLogAt < PROGRESS_LOG_INTERVAL_MS) return;
      lastLogAt = Date.now();
      const percent = plan.fileSize > 0 ? Math.floor((100 * p.bytesRead) / plan.fileSize) : 100;
      process.stderr.write(
        `import ${name}: ${percent}% (${bytes(p.bytesRead)} of ${bytes(plan.fileSize)}), ${number(p.lines)} lines, ` +
          `${number(p.accepted)} accepted, ${number(p.rejected)} rejected, ${number(rate(p))} records/s\n`,
      );
    },
    stop() {},
  };
}

function emptyProgress(plan: ImportPlan): ImportProgress {
  return {
    bytesRead: 0,
    fileSize: plan.fileSize,
    lines: 0,
    accepted: 0,
    rejected: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    elapsedMs: 0,
  };
}

/** The human-readable summary printed at the end. */
export function formatSummary(summary: ImportSummary): string {
  const seconds = summary.elapsedMs / 1000;
  const lines = [
    `${summary.interrupted ? 'interrupted' : 'imported'} ${path.basename(summary.file)} as source "${summary.source}" ` +
      `(${summary.format}, batches of ${number(summary.batchSize)})`,
    `  lines read   ${number(summary.lines)}`,
    `  accepted     ${number(summary.accepted)}: ${number(summary.created)} created, ${number(summary.updated)} updated, ` +
      `${number(summary.unchanged)} unchanged, ${number(summary.duplicates)} duplicates`,
    `  rejected     ${number(summary.rejected)}`,
  ];
  if (summary.rejected > 0) {
    const top = summary.rejectionCodes.slice(0, 5).map((r) => `${r.code} ${number(r.count)}`);
    const more = summary.rejectionCodes.length > 5 ? `, ${summary.rejectionCodes.length - 5} more codes` : '';
    lines[lines.length - 1] += `: ${top.join(', ')}${more}`;
    lines.push(
      `               each one is a dead letter with its raw line and line number: the deadLetters query lists them ` +
        `(source "${summary.source}", transport "file"), replayDeadLetters retries them once fixed`,
    );
  }
  lines.push(
    summary.profiles
      ? `  profiles     ${number(summary.profiles.created)} created, ${number(summary.profiles.updated)} updated`
      : '  profiles     not counted: the database stopped',
    `  elapsed      ${seconds.toFixed(1)} s, ${number(summary.recordsPerSecond)} records/s`,
  );
  return lines.join('\n') + '\n';
}

async function runImport(file: string, options: ImportCommandOptions): Promise<void> {
  tuneJitForBulkIngest();
  const config = loadConfig();
  // The summary is this command's output on stdout; routine start-up logs would only clutter it (and break
  // --json), so unless LOG_LEVEL asks for more, only warnings and errors are logged.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', { command: 'import' });
  let plan: ImportPlan;
  try {
    plan = await prepareImport({
      file,
      source: options.source,
      format: options.format,
      mappingFile: options.mapping,
      batchSize: options.batchSize,
    });
  } catch (error) {
    if (error instanceof ImportError) return fail(error.message);
    throw error;
  }

  const database = await openDatabase(config, logger, { attach: true });
  const controller = new AbortController();
  let firstSignalAt = 0;
  let reporter: ReturnType<typeof progressReporter> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C may arrive twice within milliseconds (npm forwards it too); a repeat after a pause
    // means "stop now" — the batch in flight then rolls back, which is safe.
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 1500) return;
      reporter?.stop();
      process.stderr.write(`\n${signal} again: stopping now; the batch in flight is rolled back\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    firstSignalAt = Date.now();
    controller.abort();
    reporter?.stop();
    reporter = undefined;
    process.stderr.write(`\n${signal}: stopping after the batch in flight commits…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const rules = loadRules(config.rulesFile);
    const ctx = systemContext(database.dataSource, logger, new ChangeNotifier(createHubPubSub()), 'cli', {
      ...hubSettings(config.phoneRegion, rules),
      privacyHmacKey: config.privacyHmacKey,
    });
    reporter = progressReporter(plan);
    let summary: ImportSummary;
    try {
      summary = await importFile(ctx, plan, {
        signal: controller.signal,
        onProgress: (p) => reporter?.update(p),
      });
    } catch (error) {
      if (error instanceof ImportError) return fail(error.message);
      throw error;
    } finally {
      reporter?.stop();
    }
    process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : formatSummary(summary));
    if (summary.interrupted) {
      if (summary.databaseError) {
        process.stderr.write(
          `the database stopped as well (${summary.databaseError}); what did not commit is imported next time\n`,
        );
      }
      process.stderr.write(
        `interrupted after ${number(summary.lines)} lines — run the same command again to finish; ` +
          'records already imported are skipped\n',
      );
      process.exitCode = EXIT_INTERRUPTED;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await database.close();
  }
}

function fail(message: string): void {
  process.stderr.write(`profile-hub import: ${message}\n`);
  process.exitCode = 1;
}

/**
 * `profile-hub import <file> --source <key> [--format ndjson|csv] [--mapping <file>] [--batch-size N] [--json]`:
 * streams a file into the hub in batches (one transaction each) and prints a summary. Exit code 0 when done
 * (rejections included), 1 for usage, configuration and file errors, 130 when interrupted.
 */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'stream records from an NDJSON or CSV file into the hub in batches; running it again skips what is already in',
    )
    .argument('<file>', 'NDJSON of canonical records (.ndjson, .jsonl) or CSV (.csv)')
    .requiredOption('--source <key>', 'the source the records come from, e.g. salesforce')
    .addOption(
      new Option('--format <format>', 'file format (default: from the file extension)').choices([...IMPORT_FORMATS]),
    )
    .option(
      '--mapping <file>',
      'JSON field mapping of the file’s fields to canonical paths (without one, CSV headers must be canonical paths)',
    )
    .option(
      '--batch-size <n>',
      `records per transaction (1–${MAX_IMPORT_BATCH_SIZE})`,
      batchSizeOption,
      DEFAULT_IMPORT_BATCH_SIZE,
    )
    .option('--json', 'print the summary as one JSON object')
    .action(runImport);
}
