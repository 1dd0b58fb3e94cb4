import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { hubVersion } from '../common/hub-version';
import { encodeFeedCursor } from '../feed/read-change-events';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  DUMP_FILE,
  MANIFEST_FILE,
  RULES_FILE,
  sha256File,
  writeBackupArchive,
  type BackupManifest,
} from './backup-archive';
import { BackupError, checkToolVersion, findPgTool, libpqConnection, runPgTool } from './pg-tools';

export interface BackupOptions {
  /** The hub's database. */
  url: string;
  /** Where the backup goes (one tar file). */
  file: string;
  /** `HUB_CONFIG`: kept in the backup as it is. */
  rulesFile?: string;
  /** `PG_BIN_DIR`. */
  pgBinDir?: string;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Counts, feed position and segments, read inside the exported snapshot (the one pg_dump dumps). */
async function describeSnapshot(
  client: Client,
): Promise<Pick<BackupManifest, 'migrations' | 'tables' | 'feed' | 'segments'>> {
  const tables: { tablename: string }[] = (
    await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
  ).rows;
  const counts: Record<string, number> = {};
  if (tables.length > 0) {
    const rows: { name: string; n: string }[] = (
      await client.query(
        tables
          .map((t, i) => `SELECT $${i + 1}::text AS name, count(*) AS n FROM public.${quoted(t.tablename)}`)
          .join(' UNION ALL '),
        tables.map((t) => t.tablename),
      )
    ).rows;
    for (const row of rows) counts[row.name] = Number(row.n);
  }
  const migrations: string[] = (await client.query(`SELECT name FROM schema_migrations ORDER BY id`)).rows.map(
    (row: { name: string }) => row.name,
  );
  const [last]: { txid: string; position: string }[] = (
    await client.query(`SELECT txid::text, position::text FROM change_event ORDER BY txid DESC, position DESC LIMIT 1`)
  ).rows;
  const [max]: { position: string | null }[] = (
    await client.query(`SELECT max(position)::text AS position FROM change_event`)
  ).rows;
  const segments: BackupManifest['segments'] = (
    await client.query(
      `SELECT s.key, s.version, s.status,
              (SELECT count(*) FROM segment_membership m WHERE m.segment_id = s.id)::int AS members
         FROM segment s ORDER BY s.key`,
    )
  ).rows;
  return {
    migrations,
    tables: counts,
    feed: {
      lastCursor: last ? encodeFeedCursor({ txid: BigInt(last.txid), position: BigInt(last.position) }) : null,
      lastPosition: last?.position ?? null,
      maxPosition: max.position,
      events: counts.change_event ?? 0,
    },
    segments,
  };
}

/**
 * `profile-hub backup <file>`: one consistent backup of a live hub database, taken while hubs keep writing.
 *
 * A read-only REPEATABLE READ transaction exports its snapshot; `pg_dump --snapshot` dumps exactly that snapshot
 * (custom format: compressed, restorable table by table with `pg_restore`), while the same transaction counts the
 * rows of every table and reads the feed position and segments for the manifest. The tar holds `manifest.json`,
 * `database.dump` and `rules.json` (the `HUB_CONFIG` file, when there is one).
 */
export async function backupDatabase(options: BackupOptions): Promise<{ manifest: BackupManifest; bytes: number }> {
  const target = path.resolve(options.file);
  const pgDump = await findPgTool('pg_dump', options.pgBinDir);
  let rules: Buffer | undefined;
  if (options.rulesFile) {
    rules = await fs.readFile(options.rulesFile).catch((error: Error) => {
      throw new BackupError(
        'RULES_FILE_UNREADABLE',
        `cannot read the rules file ${options.rulesFile}: ${error.message}`,
      );
    });
  }
  await fs.access(path.dirname(target)).catch(() => {
    throw new BackupError('BACKUP_TARGET_INVALID', `the folder ${path.dirname(target)} does not exist`);
  });

  const client = new Client({ connectionString: options.url, application_name: 'profile-hub-backup' });
  await client.connect();
  const folder = await fs.mkdtemp(path.join(path.dirname(target), '.profile-hub-backup-'));
  try {
    const [version] = (
      await client.query(`SELECT current_setting('server_version') AS text,
      current_setting('server_version_num')::int AS num`)
    ).rows as { text: string; num: number }[];
    const pgDumpVersion = await checkToolVersion(pgDump, Math.floor(version.num / 10000));
    const [schema] = (await client.query(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS migrated`))
      .rows as { migrated: boolean }[];
    if (!schema.migrated) {
      throw new BackupError('DATABASE_NOT_MIGRATED', 'the database holds no hub schema; there is nothing to back up');
    }

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const [{ snapshot }] = (await client.query(`SELECT pg_export_snapshot() AS snapshot`)).rows as {
      snapshot: string;
    }[];
    const connection = libpqConnection(options.url);
    const dumped = runPgTool(
      pgDump,
      [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        `--snapshot=${snapshot}`,
        `--file=${path.join(folder, DUMP_FILE)}`,
        `--dbname=${connection.dbname}`,
      ],
      connection.env,
      'PG_DUMP_FAILED',
    );
    // Counting runs beside the dump, in the same snapshot; the transaction must outlive pg_dump's import of it.
    const described = await describeSnapshot(client).finally(() => dumped.catch(() => undefined));
    await dumped;
    await client.query('COMMIT');

    const dumpFile = path.join(folder, DUMP_FILE);
    await fs.chmod(dumpFile, 0o600);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      hubVersion: hubVersion(),
      createdAt: new Date().toISOString(),
      postgres: { serverVersion: version.text, pgDumpVersion },
      ...described,
      rules: null,
      dump: {
        file: DUMP_FILE,
        bytes: (await fs.stat(dumpFile)).size,
        sha256: await sha256File(dumpFile),
        format: 'pg_dump custom',
      },
    };
    if (rules && options.rulesFile) {
      await fs.writeFile(path.join(folder, RULES_FILE), rules, { mode: 0o600 });
      manifest.rules = {
        path: path.resolve(options.rulesFile),
        sha256: await sha256File(path.join(folder, RULES_FILE)),
        bytes: rules.length,
      };
    }
    await fs.writeFile(path.join(folder, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    const bytes = await writeBackupArchive(folder, target);
    return { manifest, bytes };
  } finally {
    await client.end().catch(() => undefined);
    await fs.rm(folder, { recursive: true, force: true });
  }
}
