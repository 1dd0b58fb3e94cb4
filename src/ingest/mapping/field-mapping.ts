import { ErrorCode } from '../../common/hub-error';
import type { RecordRejection } from '../canonical-record';
import { parseWithFormat, type FormatHint, FORMAT_HINTS } from './formats';

/**
 * Where one source field goes in the canonical record:
 * - a record-level key: `externalId`, `updatedAt`, `eventId`, `deleted`, `objectType`;
 * - an attribute path: `email`, `firstName`, `address.city`, `custom.loyaltyTier` …;
 * - `identifiers.<type>` (e.g. `identifiers.customerNumber`) or `links.<source>` (the value is that source's id).
 */
export type MappingTarget = string;

/** A target with a format hint, e.g. `{ "path": "birthDate", "format": "date:DD.MM.YYYY" }`. */
export interface FieldRule {
  path: MappingTarget;
  format?: FormatHint;
}

/**
 * A declarative mapping from a source's own field names to the canonical record, so a deployment maps its own
 * CRM fields without code. Fields without a rule are kept under `custom`, namespaced by source
 * (`custom.salesforce.Industry`), unless `unmapped` is `drop`.
 * @example { "fields": { "Email": "email", "Id": "externalId", "Birthdate": { "path": "birthDate", "format": "date:MM/DD/YYYY" } } }
 */
export interface FieldMapping {
  fields: Record<string, MappingTarget | FieldRule>;
  /** Default `custom`. */
  unmapped?: 'custom' | 'drop';
  /** Source fields that are neither attributes nor custom data (system ids, audit columns). */
  ignore?: string[];
  /** An empty string means "no value" (`absent`, the default, right for CSV) or "clear the field" (`null`). */
  emptyAs?: 'absent' | 'null';
}

export type MappingResult = { ok: true; record: Record<string, unknown> } | ({ ok: false } & RecordRejection);

const RECORD_KEYS = new Set(['externalId', 'updatedAt', 'eventId', 'deleted', 'objectType', 'source']);
const ATTRIBUTE_ROOTS = new Set(['email', 'phone', 'firstName', 'lastName', 'birthDate', 'company', 'jobTitle']);

/** Thrown by `loadMapping`/`validateMapping` with the offending rule named. */
export class MappingDefinitionError extends Error {
  readonly code = 'INVALID_MAPPING';
}

function targetKind(path: string): 'record' | 'attribute' | 'identifier' | 'link' | undefined {
  if (RECORD_KEYS.has(path)) return 'record';
  if (ATTRIBUTE_ROOTS.has(path) || /^address\.(line1|line2|city|postalCode|region|country)$/.test(path))
    return 'attribute';
  if (/^custom\.[^.].*/.test(path)) return 'attribute';
  if (/^identifiers\.[A-Za-z][\w-]{0,63}$/.test(path)) return 'identifier';
  if (/^links\.[a-z][a-z0-9_-]{0,62}$/.test(path)) return 'link';
  return undefined;
}

/** Checks a mapping's shape and every rule, naming the first bad one. */
export function validateMapping(mapping: unknown, origin = 'mapping'): FieldMapping {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw new MappingDefinitionError(`${origin}: must be an object with "fields"`);
  }
  const m = mapping as Record<string, unknown>;
  if (typeof m.fields !== 'object' || m.fields === null || Array.isArray(m.fields)) {
    throw new MappingDefinitionError(`${origin}: "fields" must be an object of source field → target`);
  }
  for (const [field, rule] of Object.entries(m.fields as Record<string, unknown>)) {
    const target = typeof rule === 'string' ? rule : (rule as FieldRule | null)?.path;
    if (typeof target !== 'string' || !targetKind(target)) {
      throw new MappingDefinitionError(
        `${origin}: field "${field}" maps to ${JSON.stringify(target)}, which is not a canonical path ` +
          '(externalId, updatedAt, eventId, deleted, objectType, email, phone, firstName, lastName, birthDate, ' +
          'company, jobTitle, address.<part>, custom.<key>, identifiers.<type>, links.<source>)',
      );
    }
    const format = typeof rule === 'object' ? (rule as FieldRule).format : undefined;
    if (format !== undefined && !FORMAT_HINTS.some((hint) => hint === format)) {
      throw new MappingDefinitionError(
        `${origin}: field "${field}" has unknown format "${format}"; known: ${FORMAT_HINTS.join(', ')}`,
      );
    }
  }
  if (m.unmapped !== undefined && m.unmapped !== 'custom' && m.unmapped !== 'drop') {
    throw new MappingDefinitionError(`${origin}: "unmapped" must be "custom" or "drop"`);
  }
  if (m.emptyAs !== undefined && m.emptyAs !== 'absent' && m.emptyAs !== 'null') {
    throw new MappingDefinitionError(`${origin}: "emptyAs" must be "absent" or "null"`);
  }
  if (m.ignore !== undefined && (!Array.isArray(m.ignore) || m.ignore.some((f) => typeof f !== 'string'))) {
    throw new MappingDefinitionError(`${origin}: "ignore" must be a list of field names`);
  }
  return m as unknown as FieldMapping;
}

/** A deployment's mapping on top of an adapter's default: its rules win field by field. */
export function mergeMappings(base: FieldMapping, override?: Partial<FieldMapping>): FieldMapping {
  if (!override) return base;
  return {
    fields: { ...base.fields, ...(override.fields ?? {}) },
    unmapped: override.unmapped ?? base.unmapped,
    ignore: [...(base.ignore ?? []), ...(override.ignore ?? [])],
    emptyAs: override.emptyAs ?? base.emptyAs,
  };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/**
 * Maps one flat source row (a CSV line, a vendor's property bag) to a canonical record object, which then goes
 * through `validateCanonicalRecord` like any other. Format hints turn the source's own date and boolean
 * spellings into canonical ones; a value that does not fit its hint rejects the row with the field named.
 */
export function applyMapping(
  mapping: FieldMapping,
  row: Record<string, unknown>,
  source: string,
  base: Record<string, unknown> = {},
): MappingResult {
  const record: Record<string, unknown> = { source, ...base };
  const attributes: Record<string, unknown> = { ...((base.attributes as Record<string, unknown>) ?? {}) };
  const identifiers: { type: string; value: unknown }[] = [...((base.identifiers as []) ?? [])];
  const links: { source: string; externalId: unknown }[] = [...((base.links as []) ?? [])];
  const ignore = new Set(mapping.ignore ?? []);

  for (const [field, raw] of Object.entries(row)) {
    if (raw === undefined || ignore.has(field)) continue;
    let value: unknown = raw;
    if (value === '') {
      if ((mapping.emptyAs ?? 'absent') === 'absent') continue;
      value = null;
    }
    const rule = mapping.fields[field];
    if (rule === undefined) {
      if ((mapping.unmapped ?? 'custom') === 'custom') {
        const custom = (attributes.custom ??= {}) as Record<string, unknown>;
        custom[`${source}.${field}`] = value;
      }
      continue;
    }
    const { path, format } = typeof rule === 'string' ? { path: rule, format: undefined } : rule;
    if (format && value !== null) {
      const parsed = parseWithFormat(value, format);
      if (!parsed.ok) {
        return { ok: false, code: parsed.code, message: `${field}: ${parsed.message}`, path: `$.${field}` };
      }
      value = parsed.value;
    }
    const kind = targetKind(path);
    if (kind === 'record') record[path] = value;
    else if (kind === 'identifier') {
      if (value !== null) identifiers.push({ type: path.slice('identifiers.'.length), value: String(value) });
    } else if (kind === 'link') {
      if (value !== null) links.push({ source: path.slice('links.'.length), externalId: String(value) });
    } else if (kind === 'attribute') {
      if (path.startsWith('custom.')) {
        const custom = (attributes.custom ??= {}) as Record<string, unknown>;
        custom[path.slice('custom.'.length)] = value;
      } else setPath(attributes, path.split('.'), value);
    } else {
      return {
        ok: false,
        code: ErrorCode.InvalidRecord,
        message: `${field}: no canonical path "${path}"`,
        path: `$.${field}`,
      };
    }
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  if (identifiers.length > 0) record.identifiers = identifiers;
  if (links.length > 0) record.links = links;
  return { ok: true, record };
}
