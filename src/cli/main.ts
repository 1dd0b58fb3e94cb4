import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type HubConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { EmbeddedDatabaseError } from '../db/embedded-postgres';
import { createLogger, type Logger } from '../logging/logger';
import { startHub } from '../server/hub';
import { registerAuditCommand } from './audit-command';
import { registerBackfillCommand } from './backfill-command';
import { registerBackupCommands } from './backup-command';
import { registerDemoCommand } from './demo-command';
import { registerExportCommand } from './export-command';
import { registerImportCommand } from './import-command';
import { registerTokenCommand } from './token-command';

function packageVersion(): string {
  // The same code runs from src/ (tests) and dist/src/ (built), so find package.json by walking up.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

function setup(): { config: HubConfig; logger: Logger } {
  const config = loadConfig();
  return { config, logger: createLogger(config.logLevel) };
}

async function serve(): Promise<void> {
  const { config, logger } = setup();
  const hub = await startHub(config, logger);
  logger.info({ url: hub.url }, 'profile-hub is ready');
  const auth =
    config.auth.mode === 'dev'
      ? `  auth: dev mode (no AUTH_ISSUER): the hub trusts only its own key in ${config.auth.devKeyFile}\n` +
        `  get a token: TOKEN=$(npx profile-hub token --scopes profiles:read,pii:read)\n` +
        `  try: curl -s ${hub.url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"query":"{ segments { key } }"}'\n`
      : `  auth: tokens of ${config.auth.issuer} for audience ${config.auth.audience}\n`;
  // A first start on an empty database: point the newcomer at the demo (an EXISTS stops at the first row).
  const [{ empty }]: { empty: boolean }[] = await hub.database.dataSource
    .query('SELECT NOT EXISTS (SELECT 1 FROM golden_profile) AS empty')
    .catch(() => [{ empty: false }]);
  const demo = empty ? '  new here? load a demo data set: npx profile-hub demo\n' : '';
  const consoleUrl = hub.url.replace(/\/graphql$/, '/console/');
  const stewards =
    `  stewards' console: ${consoleUrl}` +
    (config.auth.mode === 'dev'
      ? ' (sign in with: npx profile-hub token --scopes profiles:read,pii:read,steward,segments:write)\n'
      : '\n');
  process.stdout.write(`\nprofile-hub is ready: ${hub.url}\n${auth}${stewards}${demo}\n`);
  let firstSignalAt = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    // npm forwards the signal it receives, and a terminal's Ctrl-C reaches the whole group too, so one request
    // often arrives twice within milliseconds; only a repeat after a pause means "stop now".
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 1500) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    deadline.unref();
    hub.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function migrateCommand(options: { check?: boolean }): Promise<void> {
  const { config, logger } = setup();
  const database = await openDatabase(config, logger, { runMigrations: !options.check });
  try {
    const pending = await database.dataSource.showMigrations();
    process.stdout.write(pending ? 'migrations pending\n' : 'schema is up to date\n');
    if (options.check && pending) process.exitCode = 3;
  } finally {
    await database.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('profile-hub')
    .description('Customer data hub: golden profiles, identity resolution, consents, segments and a change feed.')
    .version(packageVersion())
    .showHelpAfterError();
  program
    .command('serve')
    .description('run the hub: GraphQL over HTTP and WebSocket at /graphql, /healthz, /readyz')
    .action(serve);
  program
    .command('migrate')
    .description('apply pending database migrations (embedded database when DATABASE_URL is unset)')
    .option('--check', 'only report whether migrations are pending (exit code 3 if so)')
    .action(migrateCommand);
  registerImportCommand(program);
  registerExportCommand(program);
  registerBackfillCommand(program);
  registerDemoCommand(program);
  registerAuditCommand(program);
  registerBackupCommands(program);
  registerTokenCommand(program);
  return program;
}

/** Entry point of the `profile-hub` command: prints clear messages for expected failures, never a stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().exitOverride().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`profile-hub: invalid configuration: ${error.message}\n`);
    } else if (error instanceof EmbeddedDatabaseError) {
      process.stderr.write(`profile-hub: ${error.message}\n`);
    } else if ((error as { code?: string }).code === 'EADDRINUSE') {
      process.stderr.write(`profile-hub: the port is already in use; set PORT to a free one\n`);
    } else if ((error as { code?: string }).code === 'ECONNREFUSED') {
      process.stderr.write(`profile-hub: cannot reach the database at DATABASE_URL (connection refused)\n`);
    } else {
      process.stderr.write(`profile-hub: ${(error as Error).message ?? String(error)}\n`);
    }
    process.exitCode = 1;
  }
}
