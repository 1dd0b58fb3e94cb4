import { CORE_COLUMNS, type AttributeValue, type CoreAttribute } from '../identity/golden-attributes';
import { NUMERIC_FIELDS, type FieldCondition, type Scalar, type SegmentRule } from './segment-rule';

const DAY_MS = 86_400_000;

// ── SQL ─────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Compiles a validated rule into a boolean SQL expression over `golden_profile` aliased `g`; every value goes into
 * `params` (placeholders `$n`), field names come only from the allow-list, so nothing of the rule is ever spliced
 * into the SQL text. Each leaf is `coalesce(…, false)`: a missing value satisfies no comparison, and `not` of it
 * is true — exactly as `evaluateRule` reads it. Text compares byte-wise (`COLLATE "C"`), as JavaScript does.
 */
export function compileRule(rule: SegmentRule, params: unknown[]): string {
  const param = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  const visit = (node: SegmentRule): string => {
    if ('and' in node) return `(${node.and.map(visit).join(' AND ')})`;
    if ('or' in node) return `(${node.or.map(visit).join(' OR ')})`;
    if ('not' in node) return `(NOT ${visit(node.not)})`;
    if ('field' in node) return `coalesce(${fieldSql(node, param)}, false)`;
    if ('identifier' in node) {
      return `EXISTS (SELECT 1 FROM identifier i WHERE i.profile_id = g.id AND i.type = ${param(node.identifier, 'text')})`;
    }
    if ('consent' in node) {
      const { purpose, channel, contactPoint } = node.consent;
      return `EXISTS (SELECT 1 FROM consent_current c WHERE c.profile_id = g.id AND c.purpose = ${param(purpose, 'text')}
                AND c.channel = ${param(channel, 'text')} AND c.status = 'granted'
                AND (c.expires_at IS NULL OR c.expires_at > now())
                ${contactPoint !== undefined ? `AND c.contact_point = ${param(contactPoint, 'text')}` : ''})`;
    }
    if ('events' in node) {
      const { type, atLeast, atMost, days } = node.events;
      const count = `(SELECT count(*) FROM engagement_event e WHERE e.profile_id = g.id AND e.type = ${param(type, 'text')}
                       AND e.occurred_at > now() - ${param(days, 'int')} * interval '1 day')`;
      return atLeast !== undefined ? `${count} >= ${param(atLeast, 'int')}` : `${count} <= ${param(atMost, 'int')}`;
    }
    return `EXISTS (SELECT 1 FROM segment_membership m JOIN segment s ON s.id = m.segment_id
              WHERE m.profile_id = g.id AND s.key = ${param(node.segment, 'text')} AND s.status <> 'deleted')`;
  };
  return visit(rule);
}

function fieldSql(node: FieldCondition, param: (value: unknown, cast: string) => string): string {
  if (node.op === 'exists') {
    return node.field.startsWith('custom.')
      ? `(g.custom -> ${param(node.field.slice(7), 'text')}) <> 'null'::jsonb`
      : `${fieldExpression(node.field, false, param)} IS NOT NULL`;
  }
  const numeric = NUMERIC_FIELDS.has(node.field) || typeof firstValue(node) === 'number';
  const expr = fieldExpression(node.field, numeric, param);
  const v = (value: Scalar) => (numeric ? param(value, 'numeric') : `${param(String(value), 'text')} COLLATE "C"`);
  const e = numeric ? expr : `${expr} COLLATE "C"`;
  switch (node.op as Exclude<FieldCondition['op'], 'exists'>) {
    case 'eq':
      return `${e} = ${v(node.value as Scalar)}`;
    case 'neq':
      return `${e} <> ${v(node.value as Scalar)}`;
    case 'in':
      return numeric
        ? `${expr} = ANY(${param((node.value as Scalar[]).map(Number), 'numeric[]')})`
        : `${expr} = ANY(${param((node.value as Scalar[]).map(String), 'text[]')})`;
    case 'contains':
      return `strpos(${expr}, ${param(String(node.value), 'text')}) > 0`;
    case 'startsWith':
      return `starts_with(${expr}, ${param(String(node.value), 'text')})`;
    case 'gt':
      return `${e} > ${v(node.value as Scalar)}`;
    case 'gte':
      return `${e} >= ${v(node.value as Scalar)}`;
    case 'lt':
      return `${e} < ${v(node.value as Scalar)}`;
    case 'lte':
      return `${e} <= ${v(node.value as Scalar)}`;
    case 'between': {
      const [low, high] = node.value as Scalar[];
      return `(${e} >= ${v(low)} AND ${e} <= ${v(high)})`;
    }
  }
}

const firstValue = (node: FieldCondition) => (Array.isArray(node.value) ? node.value[0] : node.value);

/** The SQL of a field's value: a column, a computed column, or a custom attribute (numbers only when numeric). */
function fieldExpression(field: string, numeric: boolean, param: (value: unknown, cast: string) => string): string {
  if (field === 'leadScore') return 'g.lead_score';
  if (field === 'lifecycleStage') return numeric ? 'NULL::numeric' : 'g.lifecycle_stage';
  if (field.startsWith('custom.')) {
    const key = field.slice(7);
    return numeric
      ? `(CASE WHEN jsonb_typeof(g.custom -> ${param(key, 'text')}) = 'number' THEN (g.custom ->> ${param(key, 'text')})::numeric END)`
      : `(CASE WHEN jsonb_typeof(g.custom -> ${param(key, 'text')}) IN ('string', 'number', 'boolean') THEN g.custom ->> ${param(key, 'text')} END)`;
  }
  const column = CORE_COLUMNS[field as CoreAttribute];
  if (numeric) return `NULL::numeric`; // a text attribute compared with a number satisfies nothing
  return column === 'birth_date' ? 'g.birth_date::text' : `g.${column}`;
}

// ── in process ──────────────────────────────────────────────────────────────────────────────────────────────

/** What the interpreter knows of one profile. */
export interface ProfileFacts {
  /** Golden attributes by flat path (`address.city`, `custom.tier`). */
  attributes: Record<string, AttributeValue>;
  leadScore: number;
  lifecycleStage: string | null;
  identifierTypes: ReadonlySet<string>;
  consents: readonly {
    purpose: string;
    channel: string;
    contactPoint: string;
    status: string;
    expiresAt: Date | null;
  }[];
  events: readonly { type: string; occurredAt: Date }[];
  segments: ReadonlySet<string>;
}

/** Evaluates a validated rule for one profile in process — the same answers as `compileRule` gives in SQL. */
export function evaluateRule(rule: SegmentRule, facts: ProfileFacts, now = new Date()): boolean {
  if ('and' in rule) return rule.and.every((r) => evaluateRule(r, facts, now));
  if ('or' in rule) return rule.or.some((r) => evaluateRule(r, facts, now));
  if ('not' in rule) return !evaluateRule(rule.not, facts, now);
  if ('field' in rule) return evaluateField(rule, facts);
  if ('identifier' in rule) return facts.identifierTypes.has(rule.identifier);
  if ('consent' in rule) {
    const { purpose, channel, contactPoint } = rule.consent;
    return facts.consents.some(
      (c) =>
        c.purpose === purpose &&
        c.channel === channel &&
        c.status === 'granted' &&
        (c.expiresAt === null || c.expiresAt.getTime() > now.getTime()) &&
        (contactPoint === undefined || c.contactPoint === contactPoint),
    );
  }
  if ('events' in rule) {
    const { type, atLeast, atMost, days } = rule.events;
    const since = now.getTime() - days * DAY_MS;
    const count = facts.events.filter((e) => e.type === type && e.occurredAt.getTime() > since).length;
    return atLeast !== undefined ? count >= atLeast : count <= atMost!;
  }
  return facts.segments.has(rule.segment);
}

function evaluateField(node: FieldCondition, facts: ProfileFacts): boolean {
  const numeric = NUMERIC_FIELDS.has(node.field) || typeof firstValue(node) === 'number';
  const raw: AttributeValue | undefined =
    node.field === 'leadScore'
      ? facts.leadScore
      : node.field === 'lifecycleStage'
        ? facts.lifecycleStage
        : facts.attributes[node.field];
  if (node.op === 'exists') return raw !== null && raw !== undefined;
  let value: string | number | undefined;
  if (numeric) {
    if (typeof raw === 'number') value = raw;
    else if (NUMERIC_FIELDS.has(node.field) && raw !== null && raw !== undefined) value = Number(raw);
  } else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
    value = String(raw);
  }
  if (value === undefined) return false;
  const cmp = (other: Scalar): number => {
    if (numeric) return (value as number) - Number(other);
    const a = value as string;
    const b = String(other);
    return a < b ? -1 : a > b ? 1 : 0;
  };
  switch (node.op) {
    case 'eq':
      return cmp(node.value as Scalar) === 0;
    case 'neq':
      return cmp(node.value as Scalar) !== 0;
    case 'in':
      return (node.value as Scalar[]).some((v) => cmp(v) === 0);
    case 'contains':
      return String(value).includes(String(node.value));
    case 'startsWith':
      return String(value).startsWith(String(node.value));
    case 'gt':
      return cmp(node.value as Scalar) > 0;
    case 'gte':
      return cmp(node.value as Scalar) >= 0;
    case 'lt':
      return cmp(node.value as Scalar) < 0;
    case 'lte':
      return cmp(node.value as Scalar) <= 0;
    case 'between': {
      const [low, high] = node.value as Scalar[];
      return cmp(low) >= 0 && cmp(high) <= 0;
    }
  }
}
