import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import type { DataSource } from 'typeorm';
import { toGlobalId } from '../common/global-id';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { GOLDEN_ATTRIBUTE_COLUMNS, goldenRowAttributes, nestAttributes } from '../identity/golden-attributes';
import { createLogger } from '../logging/logger';

const PAGE = 5000;

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
}

/**
 * One NDJSON line per source record: `{ source, externalId, profileId }`, the profile being the active
 * survivor (the same global id as the GraphQL API). Keyset pages of 5,000 keep memory flat at any size.
 */
export async function exportLinks(ds: DataSource, out: Writable): Promise<number> {
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const rows: { id: string; source: string; external_id: string; profile_id: string }[] = await ds.query(
      `SELECT id, source, external_id, profile_id FROM source_record
        WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after, PAGE],
    );
    if (rows.length === 0) return count;
    for (const row of rows) {
      await write(
        out,
        JSON.stringify({
          source: row.source,
          externalId: row.external_id,
          profileId: toGlobalId('Profile', row.profile_id),
        }) + '\n',
      );
    }
    count += rows.length;
    after = rows[rows.length - 1].id;
  }
}

/** One NDJSON line per active golden profile, with its canonical attributes and version. */
export async function exportProfiles(ds: DataSource, out: Writable): Promise<number> {
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT id, version, custom, updated_at, ${GOLDEN_ATTRIBUTE_COLUMNS}
         FROM golden_profile WHERE status = 'active' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after, PAGE],
    );
    if (rows.length === 0) return count;
    for (const row of rows) {
      const attributes = { custom: {}, ...nestAttributes(goldenRowAttributes(row)) };
      await write(
        out,
        JSON.stringify({
          id: toGlobalId('Profile', row.id as string),
          version: row.version,
          updatedAt: (row.updated_at as Date).toISOString(),
          attributes,
        }) + '\n',
      );
    }
    count += rows.length;
    after = rows[rows.length - 1].id as string;
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('print golden profiles or source-record links as NDJSON on stdout, for analysis')
    .argument('<what>', 'profiles | links', (value) => {
      if (value !== 'profiles' && value !== 'links') throw new InvalidArgumentError('use "profiles" or "links"');
      return value;
    })
    .option(
      '--format <format>',
      'output format (only ndjson)',
      (value) => {
        if (value !== 'ndjson') throw new InvalidArgumentError('only ndjson is supported');
        return value;
      },
      'ndjson',
    )
    .action(async (what: 'profiles' | 'links') => {
      const config = loadConfig();
      // Logs go to stderr: stdout is the data.
      const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', {}, process.stderr);
      const database = await openDatabase(config, logger, { attach: true });
      try {
        const count =
          what === 'links'
            ? await exportLinks(database.dataSource, process.stdout)
            : await exportProfiles(database.dataSource, process.stdout);
        process.stderr.write(`exported ${count.toLocaleString('en-US')} ${what}\n`);
      } finally {
        await database.close();
      }
    });
}
