import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { MigrationInterface } from 'typeorm';
import { migrations as knownMigrations } from '../../migrations';
import { createDataSource } from '../db/data-source';
import { migrate } from '../db/database';
import { encodeFeedCursor } from '../feed/read-change-events';
import { DUMP_FILE, readBackupArchive, RULES_FILE, sha256File, type BackupManifest } from './backup-archive';
import { BackupError, checkToolVersion, findPgTool, libpqConnection, runPgTool } from './pg-tools';

export interface RestoreOptions {
  /** The database to restore into: empty, or emptied with `force`. */
  url: string;
  /** A file made by `profile-hub backup`. */
  file: string;
  /** Drop and recreate schema `public` of a database that is not empty. */
  force?: boolean;
  /** `PG_BIN_DIR`. */
  pgBinDir?: string;
  /** The current `HUB_CONFIG`, to say whether it is the backup's rules file. */
  rulesFile?: string;
  /** Write the backup's rules file here (refused when the file exists, unless `force`). */
  rulesTo?: string;
}

/** One line of the restore check: what the manifest says and what the restored database holds. */
export interface RestoreCheck {
  item: string;
  backup: string;
  restored: string;
  ok: boolean;
}

export interface RestoreReport {
  manifest: BackupManifest;
  checks: RestoreCheck[];
  /** Every check passed. */
  ok: boolean;
  /** Migrations of this hub the backup predated, applied after the check. */
  migrationsApplied: string[];
  /** `feed_txid_offset` after the restore (see the `FeedTxidOffset` migration). */
  feedTxidOffset: string | null;
  /** How the backup's rules file compares with the current `HUB_CONFIG`. */
  rules: 'none in backup' | 'same as HUB_CONFIG' | 'differs from HUB_CONFIG' | 'HUB_CONFIG unset';
  rulesWrittenTo?: string;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * How far above the last restored event's `txid` new events start: more transaction ids than any server runs
 * between a backup and its restore (2^40, a trillion), so a client that had read past the backup on the old server
 * — events the backup does not hold — still receives every new event. The 64-bit cursor has room for millions of
 * restores.
 */
const RESTORE_TXID_GAP = 2n ** 40n;

async function one<T>(client: Client, sql: string, params: unknown[] = []): Promise<T> {
  return (await client.query(sql, params)).rows[0] as T;
}

/** What the manifest records, read the same way from the restored database. */
async function checkRestored(client: Client, manifest: BackupManifest): Promise<RestoreCheck[]> {
  const checks: RestoreCheck[] = [];
  const present: string[] = (
    await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
  ).rows.map((row: { tablename: string }) => row.tablename);
  const tables = [...new Set([...Object.keys(manifest.tables), ...present])].sort();
  for (const table of tables) {
    const expected = manifest.tables[table];
    const found = present.includes(table)
      ? Number((await one<{ n: string }>(client, `SELECT count(*) AS n FROM public.${quoted(table)}`)).n)
      : undefined;
    checks.push({
      item: `rows ${table}`,
      backup: expected === undefined ? '(absent)' : String(expected),
      restored: found === undefined ? '(absent)' : String(found),
      ok: expected === found,
    });
  }

  const applied: string[] = present.includes('schema_migrations')
    ? (await client.query(`SELECT name FROM schema_migrations ORDER BY id`)).rows.map((r: { name: string }) => r.name)
    : [];
  checks.push({
    item: 'migrations',
    backup: String(manifest.migrations.length),
    restored: String(applied.length),
    ok: applied.join() === manifest.migrations.join(),
  });

  if (present.includes('change_event')) {
    const last = await one<{ txid: string; position: string } | undefined>(
      client,
      `SELECT txid::text, position::text FROM change_event ORDER BY txid DESC, position DESC LIMIT 1`,
    );
    const cursor = last ? encodeFeedCursor({ txid: BigInt(last.txid), position: BigInt(last.position) }) : null;
    checks.push({
      item: 'feed last event',
      backup: manifest.feed.lastCursor ?? '(none)',
      restored: cursor ?? '(none)',
      ok: cursor === manifest.feed.lastCursor,
    });
    const { seq } = await one<{ seq: string }>(
      client,
      `SELECT pg_get_serial_sequence('public.change_event', 'position') AS seq`,
    );
    const state = await one<{ last_value: string; is_called: boolean }>(
      client,
      `SELECT last_value::text, is_called FROM ${seq}`,
    );
    const next = BigInt(state.last_value) + (state.is_called ? 1n : 0n);
    const after = BigInt(manifest.feed.maxPosition ?? '0');
    checks.push({
      item: 'feed next position',
      backup: `> ${after}`,
      restored: String(next),
      ok: next > after,
    });
  }

  const segments = present.includes('segment')
    ? ((
        await client.query(
          `SELECT s.key, s.version, s.status,
                  (SELECT count(*) FROM segment_membership m WHERE m.segment_id = s.id)::int AS members
             FROM segment s ORDER BY s.key`,
        )
      ).rows as BackupManifest['segments'])
    : [];
  const keys = [...new Set([...manifest.segments.map((s) => s.key), ...segments.map((s) => s.key)])].sort();
  const show = (s?: BackupManifest['segments'][number]) =>
    s ? `v${s.version} ${s.status}, ${s.members} members` : '(absent)';
  for (const key of keys) {
    const expected = manifest.segments.find((s) => s.key === key);
    const found = segments.find((s) => s.key === key);
    checks.push({
      item: `segment ${key}`,
      backup: show(expected),
      restored: show(found),
      ok: show(expected) === show(found),
    });
  }
  return checks;
}

/**
 * `profile-hub restore <file>`: restores a backup into an empty database (or, with `force`, one whose schema it
 * drops first), in one transaction (`pg_restore --single-transaction`), then checks it against the manifest: rows
 * per table, migrations, the feed's last event and next position, segments and their members. Only when every
 * check passes does it apply migrations newer than the backup and raise the feed's transaction-id offset, so
 * clients resume from their cursors — also on a server other than the one backed up. Refuses while a hub is
 * connected to the database.
 */
export async function restoreDatabase(options: RestoreOptions): Promise<RestoreReport> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'profile-hub-restore-'));
  try {
    const manifest = await readBackupArchive(options.file, folder);
    const known = new Set(knownMigrations.map((M) => (new M() as MigrationInterface).name ?? M.name));
    const unknown = manifest.migrations.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new BackupError(
        'BACKUP_FROM_NEWER_HUB',
        `the backup was made by hub ${manifest.hubVersion} with migrations this hub does not know ` +
          `(${unknown.join(', ')}); restore it with that version or newer`,
      );
    }
    if (options.rulesTo && !options.force) {
      const exists = await fs.access(options.rulesTo).then(
        () => true,
        () => false,
      );
      if (exists) throw new BackupError('RULES_FILE_EXISTS', `${options.rulesTo} exists; remove it or pass --force`);
    }
    const pgRestore = await findPgTool('pg_restore', options.pgBinDir);

    const client = new Client({ connectionString: options.url, application_name: 'profile-hub-restore' });
    await client.connect();
    try {
      const { num } = await one<{ num: number }>(client, `SELECT current_setting('server_version_num')::int AS num`);
      const restoreMajor = await checkToolVersion(pgRestore, Math.floor(num / 10000));
      if (restoreMajor < manifest.postgres.pgDumpVersion) {
        throw new BackupError(
          'PG_TOOLS_TOO_OLD',
          `the backup was written by pg_dump ${manifest.postgres.pgDumpVersion}; pg_restore ${restoreMajor} cannot read it`,
        );
      }
      const { hubs } = await one<{ hubs: number }>(
        client,
        `SELECT count(*)::int AS hubs FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'profile-hub%'`,
      );
      if (hubs > 0) {
        throw new BackupError(
          'HUB_RUNNING',
          `${hubs} connection(s) of a running hub use this database; stop every hub process before restoring`,
        );
      }
      const { objects } = await one<{ objects: number }>(
        client,
        `SELECT ((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public')
               + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = 'public'))::int AS objects`,
      );
      if (objects > 0 && !options.force) {
        throw new BackupError(
          'DATABASE_NOT_EMPTY',
          'the database is not empty; restore into an empty database, or pass --force to drop its schema first',
        );
      }
      if (objects > 0) await client.query('DROP SCHEMA IF EXISTS public CASCADE');
      await client.query('CREATE SCHEMA IF NOT EXISTS public');

      const connection = libpqConnection(options.url);
      await runPgTool(
        pgRestore,
        [
          '--no-owner',
          '--no-privileges',
          '--exit-on-error',
          '--single-transaction',
          `--dbname=${connection.dbname}`,
          path.join(folder, DUMP_FILE),
        ],
        connection.env,
        'PG_RESTORE_FAILED',
      );
      // pg_restore leaves the planner without statistics; the hub's first queries should not pay for it.
      await client.query('ANALYZE');

      const checks = await checkRestored(client, manifest);
      const ok = checks.every((check) => check.ok);
      const report: RestoreReport = {
        manifest,
        checks,
        ok,
        migrationsApplied: [],
        feedTxidOffset: null,
        rules: 'none in backup',
      };
      if (ok) {
        const ds = createDataSource({ url: options.url, poolSize: 1, applicationName: 'profile-hub-restore' });
        await ds.initialize();
        try {
          report.migrationsApplied = await migrate(ds);
        } finally {
          await ds.destroy();
        }
        // New events must sort after every restored one — and after any the old server wrote past the backup,
        // which clients may hold cursors of — and the horizon must pass the restored ones, whatever this server's
        // transaction ids are: raise the offset until all hold (no hub runs now, so nothing is in flight).
        const raised = await one<{ offset: string; horizon: string; last: string | null }>(
          client,
          `WITH raised AS (
             UPDATE feed_txid_offset
                SET txid_offset = greatest(txid_offset,
                      (SELECT max(txid) + $1::bigint FROM change_event)
                      - pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
             RETURNING txid_offset)
           SELECT (SELECT txid_offset FROM raised)::text AS offset,
                  (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + (SELECT txid_offset FROM raised))::text AS horizon,
                  (SELECT max(txid) FROM change_event)::text AS last`,
          [String(RESTORE_TXID_GAP)],
        );
        report.feedTxidOffset = raised.offset;
        const readable = raised.last === null || BigInt(raised.horizon) > BigInt(raised.last);
        checks.push({
          item: 'feed readable to its last event',
          backup: raised.last === null ? '(no events)' : `txid ${raised.last}`,
          restored: `horizon ${raised.horizon}`,
          ok: readable,
        });
        report.ok = readable;
      }

      if (manifest.rules) {
        const backupRules = path.join(folder, RULES_FILE);
        if (options.rulesTo) {
          await fs.copyFile(backupRules, options.rulesTo);
          report.rulesWrittenTo = path.resolve(options.rulesTo);
        }
        if (!options.rulesFile) report.rules = 'HUB_CONFIG unset';
        else {
          const current = await sha256File(options.rulesFile).catch(() => null);
          report.rules = current === manifest.rules.sha256 ? 'same as HUB_CONFIG' : 'differs from HUB_CONFIG';
        }
      }
      return report;
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
}
