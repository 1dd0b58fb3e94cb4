import type { Command } from 'commander';
import { backupDatabase } from '../backup/backup-database';
import { openDatabaseTarget } from '../backup/database-target';
import { BackupError } from '../backup/pg-tools';
import { restoreDatabase, type RestoreReport } from '../backup/restore-database';
import { loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';

/** Exit code of `profile-hub restore` when the restored database does not match the backup's manifest. */
export const RESTORE_CHECK_FAILED_EXIT_CODE = 5;

const n = (value: number) => value.toLocaleString('en-US');

function mebibytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${n(Math.ceil(bytes / 1024))} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The restore check as a table: one line per table, migrations, feed and segment. */
export function describeRestore(report: RestoreReport): string {
  const rows = [
    ['check', 'backup', 'restored', ''],
    ...report.checks.map((c) => [c.item, c.backup, c.restored, c.ok ? 'ok' : 'MISMATCH']),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    [row[0].padEnd(widths[0]), row[1].padStart(widths[1]), row[2].padStart(widths[2]), row[3]].join('  ').trimEnd(),
  );
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('');
  lines.push(
    report.ok
      ? 'restore check passed'
      : `restore check FAILED: ${failed} mismatch(es); the database holds what pg_restore wrote — inspect it, or restore again`,
  );
  if (report.migrationsApplied.length > 0)
    lines.push(`migrations applied since the backup: ${report.migrationsApplied.join(', ')}`);
  if (report.feedTxidOffset !== null) {
    lines.push(
      `feed: new events sort after every restored one (transaction-id offset ${report.feedTxidOffset}); ` +
        'clients resume from the cursors they hold',
    );
  }
  if (report.manifest.rules) {
    lines.push(
      `rules file: ${report.rules}` +
        (report.rulesWrittenTo ? `; the backup's copy written to ${report.rulesWrittenTo}` : '') +
        (report.rules === 'same as HUB_CONFIG' || report.rulesWrittenTo
          ? ''
          : ' (write it out with --rules-to <file>)'),
    );
  }
  return lines.join('\n') + '\n';
}

/** `profile-hub backup <file>` and `profile-hub restore <file>` (see src/backup/). */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'write a consistent backup of the hub database and the rules file to one file (pg_dump; works while hubs run)',
    )
    .argument('<file>', 'the backup file to write (a tar: manifest.json, database.dump, rules.json)')
    .option('--json', 'print the manifest as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const config = loadConfig();
      // Logs go to stderr: stdout is the report.
      const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', {}, process.stderr);
      const target = await openDatabaseTarget(config, logger);
      try {
        const { manifest, bytes } = await backupDatabase({
          url: target.url,
          file,
          rulesFile: config.rulesFile,
          pgBinDir: config.pgBinDir,
        });
        if (options.json) {
          process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
          return;
        }
        const rows = Object.values(manifest.tables).reduce((sum, count) => sum + count, 0);
        process.stdout.write(
          [
            `backup written: ${file} (${mebibytes(bytes)}, readable by its owner only)`,
            `  from: ${target.description}, PostgreSQL ${manifest.postgres.serverVersion}, hub ${manifest.hubVersion}`,
            `  ${n(Object.keys(manifest.tables).length)} tables, ${n(rows)} rows; ${n(manifest.tables.golden_profile ?? 0)} golden profiles`,
            `  feed: ${n(manifest.feed.events)} events, last cursor ${manifest.feed.lastCursor ?? '(none)'}`,
            `  segments: ${manifest.segments.map((s) => `${s.key} (${n(s.members)})`).join(', ') || '(none)'}`,
            `  rules file: ${manifest.rules ? manifest.rules.path : '(none: HUB_CONFIG is unset)'}`,
            '',
          ].join('\n'),
        );
      } catch (error) {
        if (!(error instanceof BackupError)) throw error;
        process.stderr.write(`profile-hub: ${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      } finally {
        await target.close();
      }
    });

  program
    .command('restore')
    .description('restore a backup into an empty database, then check rows, feed position and segments against it')
    .argument('<file>', 'a file written by profile-hub backup')
    .option('--force', 'drop the schema of a database that is not empty first (everything in it is lost)')
    .option('--rules-to <file>', "write the backup's rules file here (point HUB_CONFIG at it)")
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { force?: boolean; rulesTo?: string; json?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', {}, process.stderr);
      const target = await openDatabaseTarget(config, logger);
      try {
        const report = await restoreDatabase({
          url: target.url,
          file,
          force: options.force,
          pgBinDir: config.pgBinDir,
          rulesFile: config.rulesFile,
          rulesTo: options.rulesTo,
        });
        process.stdout.write(
          options.json
            ? JSON.stringify(
                {
                  ok: report.ok,
                  checks: report.checks,
                  migrationsApplied: report.migrationsApplied,
                  feedTxidOffset: report.feedTxidOffset,
                  rules: report.rules,
                  rulesWrittenTo: report.rulesWrittenTo,
                },
                null,
                2,
              ) + '\n'
            : `restored ${file} into ${target.description}\n\n${describeRestore(report)}`,
        );
        if (!report.ok) process.exitCode = RESTORE_CHECK_FAILED_EXIT_CODE;
      } catch (error) {
        if (!(error instanceof BackupError)) throw error;
        process.stderr.write(`profile-hub: ${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      } finally {
        await target.close();
      }
    });
}
