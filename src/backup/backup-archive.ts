import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create, extract, list } from 'tar';
import { BackupError } from './pg-tools';

/** The files of a backup, in this order inside the tar (the manifest first: `tar -xOf <file> manifest.json`). */
export const MANIFEST_FILE = 'manifest.json';
export const DUMP_FILE = 'database.dump';
export const RULES_FILE = 'rules.json';
const MEMBERS = new Set([MANIFEST_FILE, DUMP_FILE, RULES_FILE]);

export const BACKUP_FORMAT = 'profile-hub-backup';
export const BACKUP_FORMAT_VERSION = 1;

/**
 * What a backup holds, written beside the dump: enough to check a restore without trusting it. Row counts and
 * the feed position come from the very snapshot `pg_dump` dumped.
 */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  hubVersion: string;
  createdAt: string;
  postgres: { serverVersion: string; pgDumpVersion: number };
  /** Migrations applied in the backed-up database, oldest first. */
  migrations: string[];
  /** Exact rows per table of schema `public` in the dumped snapshot. */
  tables: Record<string, number>;
  feed: {
    /** Cursor of the last change event in feed order (null: no events), as `changes(after:)` takes it. */
    lastCursor: string | null;
    /** `position` of that event. */
    lastPosition: string | null;
    /** Largest `position` handed out so far; new events continue after it. */
    maxPosition: string | null;
    events: number;
  };
  /** Segment definitions (in the dump) with their member counts, for the restore check. */
  segments: { key: string; version: number; status: string; members: number }[];
  /** The rules file (`HUB_CONFIG`) as it was, kept as `rules.json`; null when the hub ran without one. */
  rules: { path: string; sha256: string; bytes: number } | null;
  dump: { file: typeof DUMP_FILE; bytes: number; sha256: string; format: 'pg_dump custom' };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Packs the backup folder's files into one tar at `target` — written to a temporary name, readable by the owner
 * only (it holds personal data), then renamed, so a failed backup never leaves a file that looks complete.
 */
export async function writeBackupArchive(folder: string, target: string): Promise<number> {
  const files = [MANIFEST_FILE, DUMP_FILE];
  if (
    await fs.access(path.join(folder, RULES_FILE)).then(
      () => true,
      () => false,
    )
  ) {
    files.push(RULES_FILE);
  }
  const partial = `${target}.partial`;
  try {
    await pipeline(
      create({ cwd: folder, portable: true, gzip: false }, files),
      createWriteStream(partial, { mode: 0o600 }),
    );
    await fs.rename(partial, target);
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  }
  return (await fs.stat(target)).size;
}

/** Unpacks a backup into `folder` (only the known files) and returns its manifest, checked against the dump. */
export async function readBackupArchive(file: string, folder: string): Promise<BackupManifest> {
  const found = new Set<string>();
  try {
    await list({ file, onReadEntry: (entry) => void found.add(entry.path) });
    await extract({ file, cwd: folder, strict: true, filter: (entry) => MEMBERS.has(entry) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT')
      throw new BackupError('BACKUP_NOT_FOUND', `no such file: ${file}`);
    throw new BackupError('BACKUP_UNREADABLE', `${file} is not a profile-hub backup (${(error as Error).message})`);
  }
  if (!found.has(MANIFEST_FILE) || !found.has(DUMP_FILE)) {
    throw new BackupError(
      'BACKUP_UNREADABLE',
      `${file} is not a profile-hub backup (no ${MANIFEST_FILE} and ${DUMP_FILE})`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(folder, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch {
    throw new BackupError('BACKUP_UNREADABLE', `${file}: ${MANIFEST_FILE} is not JSON`);
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      'BACKUP_UNREADABLE',
      `${file}: format ${manifest.format} ${manifest.formatVersion} is not ${BACKUP_FORMAT} ${BACKUP_FORMAT_VERSION}`,
    );
  }
  const digest = await sha256File(path.join(folder, DUMP_FILE));
  if (digest !== manifest.dump.sha256) {
    throw new BackupError('BACKUP_CORRUPT', `${file}: ${DUMP_FILE} does not match the checksum in the manifest`);
  }
  if (manifest.rules && found.has(RULES_FILE)) {
    const rules = await sha256File(path.join(folder, RULES_FILE));
    if (rules !== manifest.rules.sha256) {
      throw new BackupError('BACKUP_CORRUPT', `${file}: ${RULES_FILE} does not match the checksum in the manifest`);
    }
  }
  return manifest;
}
