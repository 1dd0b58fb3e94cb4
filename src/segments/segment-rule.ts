import { CORE_ATTRIBUTES } from '../identity/golden-attributes';

/**
 * A segment rule: a closed JSON tree, validated against an allow-list before anything evaluates it.
 *
 * - `{ "and": [rule, …] }`, `{ "or": [rule, …] }`, `{ "not": rule }`
 * - `{ "field": "address.country", "op": "eq", "value": "PL" }` — a golden attribute (`email`, `firstName`,
 *   `address.city` …), a custom attribute (`custom.tier`), or a computed one (`leadScore`, `lifecycleStage`);
 *   operators `eq`, `neq`, `in`, `contains`, `startsWith`, `gt`, `gte`, `lt`, `lte`, `between`, `exists`
 * - `{ "identifier": "email" }` — the profile holds an identifier of that type
 * - `{ "consent": { "purpose": "email_marketing", "channel": "email" } }` — a current, unexpired grant
 * - `{ "events": { "type": "email_clicked", "atLeast": 2, "days": 30 } }` (or `atMost`) — engagement in the last
 *   N days
 * - `{ "segment": "newsletter" }` — membership of another segment (no cycles)
 */
export type SegmentRule =
  | { and: SegmentRule[] }
  | { or: SegmentRule[] }
  | { not: SegmentRule }
  | FieldCondition
  | { identifier: string }
  | { consent: { purpose: string; channel: string; contactPoint?: string } }
  | { events: { type: string; atLeast?: number; atMost?: number; days: number } }
  | { segment: string };

export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number;

export interface FieldCondition {
  field: string;
  op: Operator;
  /** `in`: a list; `between`: [low, high]; `exists`: none. */
  value?: Scalar | Scalar[];
}

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'contains',
  'startsWith',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
] as const;

/** Fields holding numbers: compared as numbers. */
export const NUMERIC_FIELDS = new Set(['leadScore']);
/** Every field a rule may name, besides `custom.<key>`. */
export const RULE_FIELDS: readonly string[] = [...CORE_ATTRIBUTES, 'leadScore', 'lifecycleStage'];
const CUSTOM_FIELD = /^custom\.[A-Za-z0-9_]{1,64}$/;
const KEY = /^[a-z][a-z0-9_.:-]{0,63}$/;
const MAX_NODES = 200;
const MAX_DEPTH = 12;
const MAX_DAYS = 3650;

/** A rule that is not valid; `path` points at the bad node, e.g. `$.and[1].op`. */
export class SegmentRuleError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype;

/** Own keys only, and never the prototype-polluting ones. */
function keysOf(node: Record<string, unknown>, path: string): string[] {
  const keys = Object.keys(node);
  for (const key of keys) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new SegmentRuleError(path, `"${key}" is not allowed here`);
    }
  }
  return keys;
}

/**
 * Checks a rule tree and returns it as a fresh, plain value (nothing of the input is kept). Errors name the path
 * of the bad node: unknown fields, operators and node kinds, wrong value types, `__proto__` and friends, SQL
 * fragments (they are just strings that name no field), trees too deep or too large.
 */
export function validateSegmentRule(raw: unknown): SegmentRule {
  let nodes = 0;
  const visit = (node: unknown, path: string, depth: number): SegmentRule => {
    if (++nodes > MAX_NODES) throw new SegmentRuleError(path, `a rule has at most ${MAX_NODES} nodes`);
    if (depth > MAX_DEPTH) throw new SegmentRuleError(path, `a rule nests at most ${MAX_DEPTH} levels`);
    if (!isPlainObject(node)) throw new SegmentRuleError(path, 'a rule node must be an object');
    const keys = keysOf(node, path);
    if ('and' in node || 'or' in node) {
      const kind = 'and' in node ? 'and' : 'or';
      if (keys.length !== 1) throw new SegmentRuleError(path, `"${kind}" stands alone in its node`);
      const list = node[kind];
      if (!Array.isArray(list) || list.length === 0)
        throw new SegmentRuleError(`${path}.${kind}`, 'must be a non-empty list');
      const children = list.map((child, i) => visit(child, `${path}.${kind}[${i}]`, depth + 1));
      return kind === 'and' ? { and: children } : { or: children };
    }
    if ('not' in node) {
      if (keys.length !== 1) throw new SegmentRuleError(path, '"not" stands alone in its node');
      return { not: visit(node.not, `${path}.not`, depth + 1) };
    }
    if ('field' in node) return fieldCondition(node, keys, path);
    if ('identifier' in node) {
      if (keys.length !== 1) throw new SegmentRuleError(path, '"identifier" stands alone in its node');
      return { identifier: key(node.identifier, `${path}.identifier`) };
    }
    if ('consent' in node) {
      if (keys.length !== 1) throw new SegmentRuleError(path, '"consent" stands alone in its node');
      const c = node.consent;
      const cPath = `${path}.consent`;
      if (!isPlainObject(c)) throw new SegmentRuleError(cPath, 'must be { purpose, channel, contactPoint? }');
      for (const k of keysOf(c, cPath)) {
        if (!['purpose', 'channel', 'contactPoint'].includes(k))
          throw new SegmentRuleError(`${cPath}.${k}`, 'unknown setting');
      }
      const consent: { purpose: string; channel: string; contactPoint?: string } = {
        purpose: key(c.purpose, `${cPath}.purpose`),
        channel: key(c.channel, `${cPath}.channel`),
      };
      if (c.contactPoint !== undefined) {
        if (typeof c.contactPoint !== 'string' || c.contactPoint.length > 320) {
          throw new SegmentRuleError(`${cPath}.contactPoint`, 'must be an email or phone');
        }
        consent.contactPoint = c.contactPoint.includes('@') ? c.contactPoint.toLowerCase() : c.contactPoint;
      }
      return { consent };
    }
    if ('events' in node) {
      if (keys.length !== 1) throw new SegmentRuleError(path, '"events" stands alone in its node');
      const e = node.events;
      const ePath = `${path}.events`;
      if (!isPlainObject(e)) throw new SegmentRuleError(ePath, 'must be { type, atLeast | atMost, days }');
      for (const k of keysOf(e, ePath)) {
        if (!['type', 'atLeast', 'atMost', 'days'].includes(k))
          throw new SegmentRuleError(`${ePath}.${k}`, 'unknown setting');
      }
      const count = (v: unknown, p: string) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1_000_000) {
          throw new SegmentRuleError(p, 'must be a whole number from 0');
        }
        return v;
      };
      if ((e.atLeast === undefined) === (e.atMost === undefined)) {
        throw new SegmentRuleError(ePath, 'give exactly one of atLeast and atMost');
      }
      const days = e.days;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
        throw new SegmentRuleError(`${ePath}.days`, `must be a whole number of days from 1 to ${MAX_DAYS}`);
      }
      return {
        events: {
          type: key(e.type, `${ePath}.type`),
          ...(e.atLeast !== undefined ? { atLeast: count(e.atLeast, `${ePath}.atLeast`) } : {}),
          ...(e.atMost !== undefined ? { atMost: count(e.atMost, `${ePath}.atMost`) } : {}),
          days,
        },
      };
    }
    if ('segment' in node) {
      if (keys.length !== 1) throw new SegmentRuleError(path, '"segment" stands alone in its node');
      return { segment: key(node.segment, `${path}.segment`) };
    }
    throw new SegmentRuleError(
      path,
      `unknown node (${keys.map((k) => JSON.stringify(k)).join(', ') || 'empty'}); expected and, or, not, field, identifier, consent, events or segment`,
    );
  };
  return visit(raw, '$', 0);
}

function key(value: unknown, path: string): string {
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw new SegmentRuleError(path, 'must be a lower-case key (letters, digits, _ . : -)');
  }
  return value;
}

function fieldCondition(node: Record<string, unknown>, keys: string[], path: string): FieldCondition {
  for (const k of keys) {
    if (!['field', 'op', 'value'].includes(k))
      throw new SegmentRuleError(`${path}.${k}`, 'unknown setting (field, op, value)');
  }
  const field = node.field;
  if (typeof field !== 'string' || (!RULE_FIELDS.includes(field) && !CUSTOM_FIELD.test(field))) {
    throw new SegmentRuleError(
      `${path}.field`,
      `unknown field ${JSON.stringify(field)} (one of ${RULE_FIELDS.join(', ')}, custom.<key>)`,
    );
  }
  const op = node.op;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    throw new SegmentRuleError(`${path}.op`, `unknown operator ${JSON.stringify(op)} (one of ${OPERATORS.join(', ')})`);
  }
  const numeric = NUMERIC_FIELDS.has(field);
  const scalar = (v: unknown, p: string): Scalar => {
    if (
      numeric
        ? typeof v !== 'number' || !Number.isFinite(v)
        : typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))
    ) {
      throw new SegmentRuleError(p, numeric ? `${field} compares with numbers` : 'must be a string or a number');
    }
    if (typeof v === 'string' && v.length > 1000) throw new SegmentRuleError(p, 'at most 1,000 characters');
    return v as Scalar;
  };
  const valuePath = `${path}.value`;
  switch (op as Operator) {
    case 'exists':
      if (node.value !== undefined) throw new SegmentRuleError(valuePath, '"exists" takes no value');
      return { field, op: 'exists' };
    case 'in': {
      const list = node.value;
      if (!Array.isArray(list) || list.length === 0 || list.length > 1000) {
        throw new SegmentRuleError(valuePath, '"in" takes a list of 1 to 1,000 values');
      }
      const values = list.map((v, i) => scalar(v, `${valuePath}[${i}]`));
      if (new Set(values.map((v) => typeof v)).size > 1) {
        throw new SegmentRuleError(valuePath, 'the values are all numbers or all strings');
      }
      return { field, op: 'in', value: values };
    }
    case 'between': {
      const range = node.value;
      if (!Array.isArray(range) || range.length !== 2)
        throw new SegmentRuleError(valuePath, '"between" takes [low, high]');
      const [low, high] = [scalar(range[0], `${valuePath}[0]`), scalar(range[1], `${valuePath}[1]`)];
      if (typeof low !== typeof high) {
        throw new SegmentRuleError(valuePath, 'low and high are both numbers or both strings');
      }
      return { field, op: 'between', value: [low, high] };
    }
    case 'contains':
    case 'startsWith':
      if (typeof node.value !== 'string' || node.value === '') {
        throw new SegmentRuleError(valuePath, `"${op}" takes a non-empty string`);
      }
      if (numeric) throw new SegmentRuleError(`${path}.op`, `${field} is a number`);
      return { field, op: op as Operator, value: scalar(node.value, valuePath) };
    default:
      return { field, op: op as Operator, value: scalar(node.value, valuePath) };
  }
}

/** The segment keys a rule refers to (for dependency order and cycle checks). */
export function referencedSegments(rule: SegmentRule): string[] {
  if ('and' in rule) return rule.and.flatMap(referencedSegments);
  if ('or' in rule) return rule.or.flatMap(referencedSegments);
  if ('not' in rule) return referencedSegments(rule.not);
  if ('segment' in rule) return [rule.segment];
  return [];
}

/** Whether the rule depends on time passing (engagement windows), so a scheduler must re-evaluate it. */
export function isTimeRelative(rule: SegmentRule): boolean {
  if ('and' in rule) return rule.and.some(isTimeRelative);
  if ('or' in rule) return rule.or.some(isTimeRelative);
  if ('not' in rule) return isTimeRelative(rule.not);
  return 'events' in rule || 'consent' in rule;
}
