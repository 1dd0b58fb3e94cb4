import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import { inTransaction, type ServiceContext } from '../../common/context';
import { ErrorCode } from '../../common/hub-error';
import { recordDeadLetters, type NewDeadLetter } from '../dead-letters';
import { ingestBatch, summarise } from '../ingest-batch';
import { prepareRecords, type IngestBatch, type IngestOutcome, type PreparedBatch } from '../ingest-records';
import {
  applyMapping,
  MappingDefinitionError,
  validateMapping,
  type FieldMapping,
  type FieldRule,
} from '../mapping/field-mapping';

export type ImportFormat = 'ndjson' | 'csv';

export const IMPORT_FORMATS: readonly ImportFormat[] = ['ndjson', 'csv'];

/**
 * Records per `ingestBatch` (one transaction each) unless told otherwise. Bigger batches cost less per record (a
 * profile touched by several records of one batch is resolved, recomputed and announced once; candidate profiles
 * are read once for all the batch's records): 50,000 CRM records import at ~1,050 records/s in batches of 5,000
 * against ~840 in batches of 1,000. Such a batch holds the ingest-wide lock (`lockIngest`) for a few seconds;
 * live ingest waiting for it goes in between two batches.
 */
export const DEFAULT_IMPORT_BATCH_SIZE = 5000;

/** Largest `batchSize` accepted: bigger transactions hold their locks too long for concurrent writers. */
export const MAX_IMPORT_BATCH_SIZE = 10000;

/** A file, mapping or option the import cannot use; the message says which and what to do. */
export class ImportError extends Error {
  readonly code = 'IMPORT_FAILED';
}

/**
 * What to import. `format` defaults to the file's extension (`.ndjson`/`.jsonl` → ndjson, `.csv` → csv).
 * NDJSON lines are canonical records unless a `mapping` is given (then each line is a flat object mapped
 * through it); CSV rows always go through a mapping — the given one, or one where the headers are canonical
 * paths themselves (`externalId,email,firstName,address.city`).
 * @example { file: 'contacts.csv', source: 'salesforce', mappingFile: 'salesforce-mapping.json' }
 */
export interface FileImportOptions {
  file: string;
  source: string;
  format?: ImportFormat;
  /** Path of a JSON field mapping (see `FieldMapping`). */
  mappingFile?: string;
  /** Default 1000. */
  batchSize?: number;
}

/** A checked import: the file is readable, the format known, the mapping and the CSV header valid. */
export interface ImportPlan {
  file: string;
  fileSize: number;
  source: string;
  format: ImportFormat;
  /** Set for CSV always, for NDJSON only with a mapping file. */
  mapping: FieldMapping | undefined;
  /** The CSV header, as found in the file. */
  columns: string[] | undefined;
  batchSize: number;
}

/** Progress after each committed batch. */
export interface ImportProgress {
  /** Bytes of the file consumed by committed batches (of `fileSize`). */
  bytesRead: number;
  fileSize: number;
  lines: number;
  accepted: number;
  rejected: number;
  created: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  elapsedMs: number;
}

export interface ImportSummary extends ImportProgress {
  file: string;
  source: string;
  format: ImportFormat;
  batchSize: number;
  /** Rejections by code, most frequent first (the pipeline's codes, `MALFORMED_JSON`, `MALFORMED_CSV` …). */
  rejectionCodes: { code: string; count: number }[];
  /**
   * Golden profiles this run created and changed (its `profile.created`/`profile.updated` change events);
   * null when an interrupted run could no longer count them.
   */
  profiles: { created: number; updated: number } | null;
  recordsPerSecond: number;
  /** True when stopped by the signal: every line counted is committed; the rest was not read. */
  interrupted: boolean;
  /**
   * Set when an interrupted run lost its database (e.g. an embedded one stopped by the same Ctrl-C): the batch
   * in flight then rolled back, and running the same import again makes it good.
   */
  databaseError?: string;
}

export interface ImportRunOptions {
  /** Aborting stops reading; the batch in flight still commits, the one being collected is dropped. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

/** Format from the option, else from the extension. */
export function detectFormat(file: string, explicit?: string): ImportFormat {
  if (explicit !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(explicit)) {
      throw new ImportError(`unknown format "${explicit}"; use ${IMPORT_FORMATS.join(' or ')}`);
    }
    return explicit as ImportFormat;
  }
  const extension = path.extname(file).toLowerCase();
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.csv') return 'csv';
  throw new ImportError(
    `cannot tell the format of ${path.basename(file)} from its extension; pass --format ndjson or --format csv`,
  );
}

async function readableFile(file: string, what: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(file);
    if (stat.isDirectory()) throw new ImportError(`${what} ${file} is a folder, not a file`);
    await fs.access(file, fs.constants.R_OK);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportError(`${what} ${file} does not exist`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new ImportError(`${what} ${file} is not readable (permission denied)`);
    throw new ImportError(`${what} ${file} cannot be read (${code ?? (error as Error).message})`);
  }
  return stat.size;
}

/** Reads and validates a JSON field mapping file. */
export async function loadMappingFile(file: string): Promise<FieldMapping> {
  await readableFile(file, 'the mapping file');
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new ImportError(`the mapping file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return validateMapping(json, path.basename(file));
  } catch (error) {
    if (error instanceof MappingDefinitionError) throw new ImportError(`invalid mapping: ${error.message}`);
    throw error;
  }
}

const targetOf = (rule: string | FieldRule) => (typeof rule === 'string' ? rule : rule.path);

/** The mapping of a CSV whose headers are canonical paths; the first header that is not one is named. */
export function identityMapping(columns: string[], file: string): FieldMapping {
  const fields: Record<string, string | FieldRule> = {};
  for (const column of columns) {
    try {
      validateMapping({ fields: { [column]: column } });
    } catch (error) {
      if (!(error instanceof MappingDefinitionError)) throw error;
      throw new ImportError(
        `${path.basename(file)}: column "${column}" is not a canonical path; without --mapping the header must ` +
          'name canonical paths (externalId, updatedAt, eventId, deleted, objectType, email, phone, firstName, ' +
          'lastName, birthDate, company, jobTitle, address.<part>, custom.<key>, identifiers.<type>, ' +
          'links.<source>) — or pass --mapping <file>',
      );
    }
    // A CSV cell is text: the one non-text record field gets its boolean spellings read.
    fields[column] = column === 'deleted' ? { path: 'deleted', format: 'boolean' } : column;
  }
  return { fields, unmapped: 'drop', emptyAs: 'absent' };
}

function checkColumns(columns: string[], mapping: FieldMapping | undefined, file: string): FieldMapping {
  const name = path.basename(file);
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === '') throw new ImportError(`${name}: the header has an empty column name`);
    if (seen.has(column)) throw new ImportError(`${name}: column "${column}" appears twice in the header`);
    seen.add(column);
  }
  const effective = mapping ?? identityMapping(columns, file);
  const idColumn = columns.find((c) => {
    const rule = effective.fields[c];
    return rule !== undefined && targetOf(rule) === 'externalId' && !(effective.ignore ?? []).includes(c);
  });
  if (!idColumn) {
    throw new ImportError(
      mapping
        ? `${name}: no column of the header (${columns.join(', ')}) maps to externalId in the mapping`
        : `${name}: the header has no externalId column`,
    );
  }
  return effective;
}

async function readCsvHeader(file: string): Promise<string[]> {
  const stream = createReadStream(file);
  let header: string[] = [];
  // Only the first row matters here: later rows may be malformed, which the import dead-letters one by one.
  const parser = parseCsv({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
  });
  try {
    for await (const row of stream.pipe(parser)) {
      header = (row as string[]).map((c) => c.trim());
      break;
    }
  } catch (error) {
    throw new ImportError(
      `${path.basename(file)}: the header line cannot be read as CSV (${(error as Error).message})`,
    );
  } finally {
    stream.destroy();
  }
  return header;
}

/** Checks everything that can be checked before touching the database. */
export async function prepareImport(options: FileImportOptions): Promise<ImportPlan> {
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(options.source)) {
    throw new ImportError(
      `source "${options.source}" is not a source key; use lower-case letters, digits, - or _ (e.g. salesforce)`,
    );
  }
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_IMPORT_BATCH_SIZE) {
    throw new ImportError(`batch size must be a whole number from 1 to ${MAX_IMPORT_BATCH_SIZE}`);
  }
  const format = detectFormat(options.file, options.format);
  const fileSize = await readableFile(options.file, 'the file');
  let mapping = options.mappingFile ? await loadMappingFile(options.mappingFile) : undefined;
  let columns: string[] | undefined;
  if (format === 'csv') {
    columns = await readCsvHeader(options.file);
    if (columns.length > 0) mapping = checkColumns(columns, mapping, options.file);
  }
  return { file: options.file, fileSize, source: options.source, format, mapping, columns, batchSize };
}

/** One line (NDJSON) or row (CSV) of the file, ready for the pipeline or rejected before it. */
type ImportItem = { line: number; bytes: number } & (
  | { record: unknown }
  | { rejection: { code: string; message: string; path: string | null; raw: string; contentType: string } }
);

const NDJSON_TYPE = 'application/x-ndjson';
const CSV_TYPE = 'text/csv';

function mapRow(
  plan: ImportPlan,
  row: Record<string, unknown>,
  base: { line: number; bytes: number; raw: string; contentType: string },
): ImportItem {
  const mapped = applyMapping(plan.mapping!, row, plan.source);
  if (mapped.ok) return { line: base.line, bytes: base.bytes, record: mapped.record };
  return {
    line: base.line,
    bytes: base.bytes,
    rejection: {
      code: mapped.code,
      message: mapped.message,
      path: mapped.path,
      raw: base.raw,
      contentType: base.contentType,
    },
  };
}

async function* ndjsonItems(plan: ImportPlan): AsyncGenerator<ImportItem> {
  const stream = createReadStream(plan.file);
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  let bytes = 0;
  try {
    for await (const text of lines) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      const raw = line === 1 ? text.replace(/^\uFEFF/, '') : text;
      if (raw.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        yield {
          line,
          bytes,
          rejection: {
            code: 'MALFORMED_JSON',
            message: `line ${line} is not JSON: ${(error as Error).message}`,
            path: null,
            raw,
            contentType: NDJSON_TYPE,
          },
        };
        continue;
      }
      if (!plan.mapping) {
        yield { line, bytes, record: parsed };
      } else if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        yield {
          line,
          bytes,
          rejection: {
            code: ErrorCode.InvalidType,
            message: `line ${line} is not a JSON object, which a mapping needs`,
            path: '$',
            raw,
            contentType: NDJSON_TYPE,
          },
        };
      } else {
        yield mapRow(plan, parsed as Record<string, unknown>, { line, bytes, raw, contentType: NDJSON_TYPE });
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * Where a CSV row starts. csv-parse counts a CRLF inside a quoted cell as two lines and leaves the LF of a CRLF
 * record delimiter out of `raw`; the row's own raw text corrects both.
 */
class CsvLines {
  /** Lines csv-parse counted twice so far. */
  private excess = 0;

  locate(rawText: string, parserLines: number): { line: number; raw: string } {
    const doubled = (rawText.match(/\r\n/g) ?? []).length;
    const last = parserLines - this.excess - doubled;
    this.excess += doubled;
    const raw = rawText.replace(/^[\r\n]+/, '').replace(/(?:\r\n|\r|\n)$/, '');
    return { line: last - (raw.match(/\r\n|\r|\n/g) ?? []).length, raw };
  }
}

async function* csvItems(plan: ImportPlan): AsyncGenerator<ImportItem> {
  const lines = new CsvLines();
  // Rows are located in the parser's callbacks, which run in file order; unreadable ones wait here, in order.
  const skipped: ImportItem[] = [];
  const stream = createReadStream(plan.file);
  const parser = parseCsv({
    bom: true,
    columns: (header: string[]) => {
      const columns = header.map((c) => c.trim());
      // The header was checked (and the mapping built from it) before the import began.
      if (columns.join('\u0000') !== (plan.columns ?? []).join('\u0000')) {
        throw new ImportError(`${path.basename(plan.file)}: the header changed while the file was being imported`);
      }
      return columns;
    },
    skip_empty_lines: true,
    // A row the parser cannot read (unclosed quote, wrong number of cells) is dead-lettered, not fatal.
    skip_records_with_error: true,
    raw: true,
    on_record: (row: { record: Record<string, string>; raw: string }, info): ImportItem => {
      const { line, raw } = lines.locate(row.raw, info.lines);
      return mapRow(plan, row.record, { line, bytes: info.bytes, raw, contentType: CSV_TYPE });
    },
    on_skip: (error: CsvError | undefined, rawText: string | undefined) => {
      const { line, raw } = lines.locate(rawText ?? '', (error as { lines?: number } | undefined)?.lines ?? 0);
      const rejection = {
        code: 'MALFORMED_CSV',
        message: `line ${line}: ${error?.message ?? 'unreadable row'}`,
        path: null,
        raw,
        contentType: CSV_TYPE,
      };
      // A bad quote is reported at every stray character of its row: one row, one dead letter, the whole row.
      const previous = skipped[skipped.length - 1];
      if (previous && previous.line === line && 'rejection' in previous && raw.startsWith(previous.rejection.raw)) {
        previous.rejection = rejection;
        previous.bytes = parser.info.bytes;
      } else {
        skipped.push({ line, bytes: parser.info.bytes, rejection });
      }
      return undefined;
    },
  });
  try {
    for await (const item of stream.pipe(parser) as AsyncIterable<ImportItem>) {
      // The parser runs ahead of this loop: hold back rows it skipped after this one, which may still grow.
      while (skipped.length > 0 && skipped[0].line < item.line) yield skipped.shift()!;
      yield item;
    }
    while (skipped.length > 0) yield skipped.shift()!;
  } catch (error) {
    if ((error as CsvError).code?.startsWith('CSV_')) {
      throw new ImportError(`${path.basename(plan.file)}: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    stream.destroy();
  }
}

interface Batch {
  records: unknown[];
  /** The file line of each record. */
  lines: number[];
  letters: NewDeadLetter[];
  /** Lines in this batch, records and letters. */
  size: number;
  /** Bytes of the file consumed up to the batch's last line. */
  endBytes: number;
}

const emptyBatch = (): Batch => ({ records: [], lines: [], letters: [], size: 0, endBytes: 0 });

/**
 * Streams a file into the hub in batches of `plan.batchSize` lines, one `ingestBatch` (one transaction) each,
 * while the next batch is being read. Lines that never become a record (malformed JSON or CSV, a row the
 * mapping rejects) are dead-lettered with their raw text and line number; the pipeline dead-letters the
 * records it rejects. Running the same file again changes nothing already in (replays by event id are
 * duplicates, equal or older values change nothing), so an interrupted import is finished by running it again.
 */
export async function importFile(
  ctx: ServiceContext,
  plan: ImportPlan,
  options: ImportRunOptions = {},
): Promise<ImportSummary> {
  const started = Date.now();
  const lastPosition = await maxProfileEventPosition(ctx);
  const progress: ImportProgress = {
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
  const codes = new Map<string, number>();
  const countCode = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

  const commit = async (batch: Batch, prepared: Promise<PreparedBatch> | undefined): Promise<void> => {
    if (batch.letters.length > 0) await inTransaction(ctx, (tx) => recordDeadLetters(tx, batch.letters));
    let outcomes: IngestOutcome[] = [];
    if (batch.records.length > 0) {
      outcomes = await ingestBatch(ctx, recordsOf(batch), { prepared });
      // Cosmetic next to the batch, which has committed: a failure here must not fail the import.
      await pointDeadLettersAtLines(ctx, outcomes, batch.lines).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'could not number dead letters by file line'),
      );
    }
    const counts = summarise(outcomes);
    progress.lines += batch.size;
    progress.rejected += counts.REJECTED + batch.letters.length;
    progress.accepted += outcomes.length - counts.REJECTED;
    progress.created += counts.CREATED;
    progress.updated += counts.UPDATED;
    progress.unchanged += counts.UNCHANGED;
    progress.duplicates += counts.DUPLICATE;
    for (const letter of batch.letters) countCode(letter.code);
    for (const outcome of outcomes) if (outcome.status === 'REJECTED') countCode(outcome.code);
    progress.bytesRead = Math.min(batch.endBytes, plan.fileSize);
    progress.elapsedMs = Date.now() - started;
    options.onProgress?.({ ...progress });
  };

  // One batch commits while the next one is read, validated and keyed (`prepareRecords`, pure): that work
  // overlaps with the database's, and batches still commit one after the other, in file order.
  const aborted = () => options.signal?.aborted === true;
  const recordsOf = (batch: Batch): IngestBatch => ({ source: plan.source, records: batch.records, transport: 'file' });
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  const submit = async (batch: Batch): Promise<boolean> => {
    const prepared = batch.records.length > 0 ? prepareRecords(ctx.settings, recordsOf(batch)) : undefined;
    prepared?.catch(() => undefined); // a failure is ingestBatch's to report, when it awaits it
    await inFlight;
    if (failure || aborted()) return false;
    inFlight = commit(batch, prepared).catch((error: unknown) => void (failure = { error }));
    return true;
  };

  let batch = emptyBatch();
  let complete = false;
  const items = plan.format === 'csv' ? csvItems(plan) : ndjsonItems(plan);
  try {
    reading: {
      for await (const item of items) {
        if (aborted() || failure) break reading;
        if ('record' in item) {
          batch.records.push(item.record);
          batch.lines.push(item.line);
        } else {
          batch.letters.push({
            source: plan.source,
            transport: 'file',
            contentType: item.rejection.contentType,
            rawPayload: item.rejection.raw,
            recordIndex: item.line,
            code: item.rejection.code,
            message: item.rejection.message,
            path: item.rejection.path,
          });
        }
        batch.size++;
        batch.endBytes = item.bytes;
        if (batch.size >= plan.batchSize) {
          if (!(await submit(batch))) break reading;
          batch = emptyBatch();
        }
      }
      batch.endBytes = plan.fileSize;
      complete = batch.size === 0 || (await submit(batch));
    }
  } finally {
    // Also when reading failed (an unreadable file, a changed header): never leave a batch half-way.
    await inFlight;
  }

  let databaseError: string | undefined;
  if (failure) {
    if (!aborted()) throw failure.error;
    databaseError = (failure.error as Error).message ?? String(failure.error);
  }
  const interrupted = !complete || failure !== undefined;
  progress.elapsedMs = Date.now() - started;
  let profiles: ImportSummary['profiles'] = null;
  if (!databaseError) {
    try {
      profiles = await countProfileEvents(ctx, plan.source, lastPosition);
    } catch (error) {
      if (!interrupted) throw error;
      databaseError = (error as Error).message ?? String(error);
    }
  }
  return {
    ...progress,
    file: plan.file,
    source: plan.source,
    format: plan.format,
    batchSize: plan.batchSize,
    rejectionCodes: [...codes.entries()]
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    profiles,
    recordsPerSecond: Math.round(progress.lines / Math.max(progress.elapsedMs / 1000, 0.001)),
    interrupted,
    ...(databaseError ? { databaseError } : {}),
  };
}

/**
 * The pipeline numbers the records it rejects by their place in the batch; for a file the line number is
 * what one needs to find and fix them, so the letters get it.
 */
async function pointDeadLettersAtLines(ctx: ServiceContext, outcomes: IngestOutcome[], lines: number[]) {
  const rejected = outcomes.filter((o) => o.status === 'REJECTED');
  if (rejected.length === 0) return;
  await ctx.dataSource.query(
    `UPDATE dead_letter d SET record_index = x.line
       FROM unnest($1::uuid[], $2::int[]) AS x(id, line)
      WHERE d.id = x.id`,
    [rejected.map((o) => o.deadLetterId), rejected.map((o) => lines[o.index])],
  );
}

const PROFILE_EVENTS = ['profile.created', 'profile.updated'];

async function maxProfileEventPosition(ctx: ServiceContext): Promise<string> {
  const [row]: { position: string }[] = await ctx.dataSource.query(
    `SELECT coalesce(max(position), 0)::text AS position FROM change_event`,
  );
  return row.position;
}

/** Profiles created and updated by this run: its source's profile change events since the run began. */
async function countProfileEvents(
  ctx: ServiceContext,
  source: string,
  after: string,
): Promise<{ created: number; updated: number }> {
  const rows: { type: string; n: number }[] = await ctx.dataSource.query(
    `SELECT type, count(*)::int AS n FROM change_event
      WHERE position > $1::bigint AND type = ANY($2::text[]) AND origin_source = $3
      GROUP BY type`,
    [after, PROFILE_EVENTS, source],
  );
  const count = (type: string) => rows.find((r) => r.type === type)?.n ?? 0;
  return { created: count('profile.created'), updated: count('profile.updated') };
}
