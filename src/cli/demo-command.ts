import { InvalidArgumentError, type Command } from 'commander';
import { systemContext } from '../common/context';
import { loadConfig } from '../config/config';
import { hubSettings, loadRules } from '../config/rules-file';
import { openDatabase } from '../db/database';
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE } from '../demo/demo-data';
import { loadDemo, MAX_DEMO_SIZE, MIN_DEMO_SIZE, type DemoProgress, type DemoSummary } from '../demo/load-demo';
import { ChangeNotifier, createHubPubSub } from '../feed/change-notifier';
import { createLogger } from '../logging/logger';
import { EXIT_INTERRUPTED } from './import-command';

/** The scopes a steward needs in the console: read (unmasked), work the queues, define segments. */
export const CONSOLE_SCOPES = 'profiles:read,pii:read,steward,segments:write';

const number = (n: number) => n.toLocaleString('en-US');

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value.replace(/[_,]/g, ''));
    if (!/^\d[\d_,]*$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`use a whole number from ${number(min)} to ${number(max)}`);
    }
    return n;
  };
}

/** `a 3, b 2` — largest first. */
function counts(byKey: Record<string, number>): string {
  return Object.entries(byKey)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))
    .map(([key, n]) => `${key} ${number(n)}`)
    .join(', ');
}

const CANDIDATE_REASONS: Record<string, string> = {
  review_band: 'in the review band',
  'max_records_per_source:salesforce': 'two CRM contacts that look alike',
};

/** Where the data went and what to do next, for the summary. */
export interface DemoTarget {
  /** e.g. `the running hub's embedded database (/…/.hub-data/pg)` */
  database: string;
  /** The hub is known to run on this database (its embedded one). */
  hubRunning: boolean;
  /** `http://localhost:4000` */
  hubUrl: string;
}

/** The human-readable summary: what went in, what the hub made of it, where to look next. */
export function formatDemoSummary(summary: DemoSummary, target: DemoTarget): string {
  const { hub, ingest, sent } = summary;
  const edits = sent.conflictingEdits.phone + sent.conflictingEdits.email;
  const sourceRecords = Object.values(hub.sourceRecords).reduce((sum, n) => sum + n, 0);
  const outcome = (o: DemoSummary['ingest']['salesforce']) =>
    [
      o.created && `${number(o.created)} created`,
      o.updated && `${number(o.updated)} updated`,
      o.unchanged && `${number(o.unchanged)} unchanged`,
      o.duplicate && `${number(o.duplicate)} replays`,
      o.rejected && `${number(o.rejected)} rejected`,
    ]
      .filter(Boolean)
      .join(', ') || 'nothing';
  const lines: string[] = [];
  const dataSet = `seed ${summary.seed}, ${number(summary.size)} contacts, as of ${summary.asOf.replace('.000Z', 'Z')}`;
  if (summary.interrupted) {
    lines.push(`demo data set (${dataSet}) interrupted — run the same command again to finish it`);
  } else if (summary.nothingNew) {
    lines.push(
      `nothing new: this demo data set (${dataSet}) was loaded before — every record was a replay and changed nothing`,
      `            (no new profiles, events or consents); existing segments were left as they were`,
    );
  } else if (summary.loadedBefore) {
    lines.push(`finished loading the demo data set (${dataSet}): an earlier load had stopped part-way`);
  } else {
    lines.push(`loaded the demo data set (${dataSet})`);
  }
  lines.push(
    `  into ${target.database}`,
    '',
    'sent through the ingest pipeline (one transaction per batch, as every transport does)',
    `  salesforce  ${number(sent.salesforceContacts)} CRM contacts with consents and ${number(edits)} later edits, ` +
      'as canonical records',
    `              → ${number(ingest.salesforce.records)} records: ${outcome(ingest.salesforce)}`,
    `  marketo     ${number(sent.marketoLeads)} leads, ${number(sent.activities)} activities (opens, clicks, visits, ` +
      `forms, unsubscribes) and ${number(edits)} field changes`,
    "              as Marketo's REST API returns them, read by the shipped Marketo adapter",
    `              → ${number(ingest.marketo.records)} records: ${outcome(ingest.marketo)}` +
      (ingest.marketo.unchanged > 0 ? ' (an activity adds a timeline event, not a field value)' : ''),
    '',
    'what the hub made of it (the whole hub now)',
    `  golden profiles   ${number(hub.profiles)} from ${number(sourceRecords)} source records (${counts(hub.sourceRecords)}): ` +
      `${number(sourceRecords - hub.profiles)} records joined a profile of the same person`,
    `  automatic merges  ${number(hub.automaticMerges)} times two profiles became one as new evidence arrived`,
    `  merge candidates  ${number(hub.mergeCandidates.open)} waiting for a steward` +
      (hub.mergeCandidates.open > 0
        ? `: ${Object.entries(hub.mergeCandidates.byReason)
            .sort(([, a], [, b]) => b - a)
            .map(([reason, n]) => `${number(n)} ${CANDIDATE_REASONS[reason] ?? reason}`)
            .join(', ')}`
        : ''),
    `  open conflicts    ${number(hub.conflicts.open)}` +
      (hub.conflicts.open > 0
        ? ` (${counts(hub.conflicts.byField)}): both systems changed the same field to different values minutes apart`
        : ''),
    `  consents          ${counts(hub.consents) || 'none'}`,
    `  timeline events   ${number(hub.timelineEvents.total)}` +
      (hub.timelineEvents.total > 0 ? ` (${counts(hub.timelineEvents.byType)})` : ''),
  );
  if (summary.segments.length > 0) {
    lines.push('  segments');
    const width = Math.max(...summary.segments.map((s) => s.key.length));
    for (const s of summary.segments) {
      const note = s.outcome === 'kept' ? ' (a segment of this key with another rule exists; left as it is)' : '';
      lines.push(`    ${s.key.padEnd(width)}  ${number(s.size).padStart(6)}  ${s.name}${note}`);
    }
  }
  const graphql = `${target.hubUrl}/graphql`;
  lines.push(
    '',
    'next',
    ...(target.hubRunning ? [] : ['  start the hub (if it is not running):  npm start']),
    `  get a token for the console:          TOKEN=$(npx profile-hub token --scopes ${CONSOLE_SCOPES})`,
    `  open the stewards' console:           ${target.hubUrl}/console  (paste the token; work the merge queue and conflicts)`,
    `  or ask GraphQL at ${graphql} with the header "authorization: Bearer $TOKEN":`,
    '    { mergeCandidates(first: 3) { totalCount edges { node { reason score evidence profileAId profileBId } } } }',
    '    { conflicts(first: 3) { totalCount edges { node { field reason candidates { value source updatedAt } } } } }',
    '    { segment(key: "mqls") { size members(first: 5) { edges { node { firstName lastName leadScore } } } } }',
    `  e.g. curl -s ${graphql} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `         -d '{"query":"{ segments { key name size } }"}'`,
  );
  return lines.join('\n') + '\n';
}

const PHASES: Record<DemoProgress['phase'], string> = {
  contacts: 'CRM contacts and MA leads',
  activities: 'MA activities',
  edits: 'recent edits',
  segments: 'segments',
};

async function runDemo(options: { size: number; seed: number; json?: boolean }): Promise<void> {
  const config = loadConfig();
  // The summary is the output; routine start-up logs would only clutter it.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', { command: 'demo' }, process.stderr);
  const rules = loadRules(config.rulesFile);
  const database = await openDatabase(config, logger, { attach: true });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    controller.abort();
    process.stderr.write(`\n${signal}: stopping after the batch in flight commits…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const embedded = database.embedded;
    const target: DemoTarget = {
      database: !embedded
        ? 'the database at DATABASE_URL'
        : embedded.attached
          ? `the running hub's embedded database (${embedded.dataDir})`
          : `the embedded database in ${embedded.dataDir} (started for this command and stopped again; npm start serves it)`,
      hubRunning: embedded?.attached === true,
      hubUrl: `http://localhost:${config.port || 4000}`,
    };
    const ctx = systemContext(database.dataSource, logger, new ChangeNotifier(createHubPubSub()), 'cli', {
      ...hubSettings(config.phoneRegion, rules),
      privacyHmacKey: config.privacyHmacKey,
    });
    process.stderr.write(`loading the demo data set into ${target.database}…\n`);
    const summary = await loadDemo(ctx, {
      size: options.size,
      seed: options.seed,
      marketoMapping: rules.mappings.marketo,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === p.total) process.stderr.write(`  ${PHASES[p.phase]}: done\n`);
      },
    });
    process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : '\n' + formatDemoSummary(summary, target));
    if (summary.interrupted) process.exitCode = EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await database.close();
  }
}

/**
 * `profile-hub demo [--size N] [--seed N] [--json]`: loads a generated CRM + MA data set through the real
 * pipeline, defines a few segments and prints what the hub made of it. Works against `DATABASE_URL`, beside a
 * running `npm start` (its embedded database), or alone (starting the embedded database for the time it runs).
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'load a generated demo data set (CRM contacts, MA leads and engagement with duplicates, typos, conflicting ' +
        'edits, consents and opt-outs) through the real pipeline, define a few segments and print what happened; ' +
        'running it again changes nothing',
    )
    .option(
      '--size <n>',
      `contact records of both systems together (${MIN_DEMO_SIZE}–${number(MAX_DEMO_SIZE)})`,
      wholeNumber(MIN_DEMO_SIZE, MAX_DEMO_SIZE),
      DEFAULT_DEMO_SIZE,
    )
    .option(
      '--seed <n>',
      'the data set: the same seed and size always give the same records and numbers',
      wholeNumber(0, 2 ** 31),
      DEFAULT_DEMO_SEED,
    )
    .option('--json', 'print the summary as one JSON object')
    .action(runDemo);
}
