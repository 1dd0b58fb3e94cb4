import type { Command } from 'commander';
import { verifyAuditChain, type ChainReport } from '../audit/verify-chain';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { createLogger } from '../logging/logger';

/** Exit code of `profile-hub audit verify` when the chain is broken (0 when intact, 1 when it could not run). */
export const AUDIT_BROKEN_EXIT_CODE = 4;

function describe(report: ChainReport): string {
  const lines = [
    `audit trail: ${report.entries.toLocaleString('en-US')} entries, ${report.redacted.toLocaleString('en-US')} redacted`,
    report.headSeq === null ? 'head: (empty)' : `head: #${report.headSeq} ${report.headHash}`,
  ];
  if (report.intact) {
    lines.push('chain intact');
  } else {
    lines.push(`chain BROKEN: ${report.brokenCount.toLocaleString('en-US')} problem(s)`);
    for (const link of report.broken) {
      lines.push(`  #${link.seq} ${link.problem}: expected ${link.expected}, found ${link.found}`);
    }
    if (report.brokenCount > report.broken.length) {
      lines.push(`  … and ${(report.brokenCount - report.broken.length).toLocaleString('en-US')} more`);
    }
  }
  return lines.join('\n') + '\n';
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the audit trail');
  audit
    .command('verify')
    .description(
      `walk the hash chain of the audit trail and report every broken link (exit code ${AUDIT_BROKEN_EXIT_CODE} if any)`,
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      // Logs go to stderr: stdout is the report.
      const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', {}, process.stderr);
      const database = await openDatabase(config, logger, { attach: true });
      try {
        const report = await verifyAuditChain(database.dataSource.manager);
        process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : describe(report));
        if (!report.intact) process.exitCode = AUDIT_BROKEN_EXIT_CODE;
      } finally {
        await database.close();
      }
    });
}
