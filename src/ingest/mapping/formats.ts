import { ErrorCode } from '../../common/hub-error';

/**
 * Format hints a mapping may declare for a source field. Dates come out as `YYYY-MM-DD` (with a `date:`
 * pattern) or as ISO 8601 instants (`timestamp:` hints, for `updatedAt`).
 */
export const FORMAT_HINTS = [
  'date:YYYY-MM-DD',
  'date:DD.MM.YYYY',
  'date:DD/MM/YYYY',
  'date:MM/DD/YYYY',
  'date:YYYYMMDD',
  'timestamp:iso',
  'timestamp:epoch-ms',
  'timestamp:epoch-s',
  'timestamp:dotnet',
  'boolean',
  'number',
  'string',
] as const;
export type FormatHint = (typeof FORMAT_HINTS)[number];

export type Parsed = { ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): Parsed => ({ ok: false, code, message });

function isoDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

const DATE_PATTERNS: Record<string, { re: RegExp; order: ['y' | 'm' | 'd', 'y' | 'm' | 'd', 'y' | 'm' | 'd'] }> = {
  'date:YYYY-MM-DD': { re: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: ['y', 'm', 'd'] },
  'date:DD.MM.YYYY': { re: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: ['d', 'm', 'y'] },
  'date:DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: ['d', 'm', 'y'] },
  'date:MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: ['m', 'd', 'y'] },
  'date:YYYYMMDD': { re: /^(\d{4})(\d{2})(\d{2})$/, order: ['y', 'm', 'd'] },
};

/** Converts a raw source value according to its declared format. */
export function parseWithFormat(raw: unknown, format: FormatHint): Parsed {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (format) {
    case 'string':
      return { ok: true, value: text === null || text === undefined ? null : String(text) };
    case 'number': {
      const n = typeof text === 'number' ? text : Number(String(text).replace(',', '.'));
      return Number.isFinite(n)
        ? { ok: true, value: n }
        : fail(ErrorCode.InvalidType, `"${String(raw)}" is not a number`);
    }
    case 'boolean': {
      if (typeof text === 'boolean') return { ok: true, value: text };
      const s = String(text).toLowerCase();
      if (['true', '1', 'yes', 'y', 't'].includes(s)) return { ok: true, value: true };
      if (['false', '0', 'no', 'n', 'f'].includes(s)) return { ok: true, value: false };
      return fail(ErrorCode.InvalidType, `"${String(raw)}" is not a boolean`);
    }
    case 'timestamp:iso': {
      const d = new Date(String(text));
      return Number.isNaN(d.getTime())
        ? fail(ErrorCode.InvalidDate, `"${String(raw)}" is not a timestamp`)
        : { ok: true, value: d.toISOString() };
    }
    case 'timestamp:epoch-ms':
    case 'timestamp:epoch-s': {
      const n = Number(text);
      const ms = format === 'timestamp:epoch-s' ? n * 1000 : n;
      const d = new Date(ms);
      return Number.isFinite(n) && !Number.isNaN(d.getTime())
        ? { ok: true, value: d.toISOString() }
        : fail(ErrorCode.InvalidDate, `"${String(raw)}" is not an epoch time`);
    }
    case 'timestamp:dotnet': {
      // Microsoft JSON dates: /Date(1700000000000)/ or /Date(1700000000000+0100)/ — the number is UTC ms.
      const m = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(String(text));
      return m
        ? { ok: true, value: new Date(Number(m[1])).toISOString() }
        : fail(ErrorCode.InvalidDate, `"${String(raw)}" is not a /Date(…)/ value`);
    }
    default: {
      const pattern = DATE_PATTERNS[format];
      const m = pattern?.re.exec(String(text));
      if (!pattern || !m) return fail(ErrorCode.InvalidDate, `"${String(raw)}" does not match ${format.slice(5)}`);
      const parts = { y: 0, m: 0, d: 0 };
      pattern.order.forEach((key, i) => (parts[key] = Number(m[i + 1])));
      const iso = isoDate(parts.y, parts.m, parts.d);
      return iso ? { ok: true, value: iso } : fail(ErrorCode.InvalidDate, `"${String(raw)}" is not a calendar date`);
    }
  }
}
