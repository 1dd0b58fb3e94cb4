import { ADDRESS_PARTS, CORE_ATTRIBUTES } from '../golden-attributes';

/**
 * One step of a field's rule chain. Each step narrows the candidate values (one per live source record that
 * holds the field); the chain stops as soon as the candidates left agree on one value, and ends in a
 * deterministic tie-break (latest per-field time, then source key, then external id).
 */
export type SurvivorshipRule =
  /** Values from the first source of the list that has one; sources not listed rank after those listed. */
  | { rule: 'sourcePriority'; sources: string[] }
  /** The value set last (per-field source timestamp); a clearing (`null`) that is the latest empties the field. */
  | { rule: 'mostRecent' }
  /** The value set first. */
  | { rule: 'earliest' }
  /** The value most records agree on (case and surrounding space aside). */
  | { rule: 'mostFrequent' }
  /** The most complete value: the longest text, or the address with the most parts. */
  | { rule: 'longest' }
  /** Only this source may set the field; without a value from it, the field stays empty. */
  | { rule: 'sourceOfTruth'; source: string };

export type RuleName = SurvivorshipRule['rule'];

/** How one field (or the address, decided as a whole) is chosen. */
export interface FieldRules {
  rules: SurvivorshipRule[];
  /**
   * Open a conflict for stewards when two sources set different values within `conflictWindowSeconds` of each
   * other (concurrent edits in both systems).
   */
  review: boolean;
}

export interface SurvivorshipSettings {
  /** Rules of every field the `fields` map does not name (custom attributes …). */
  default: FieldRules;
  /**
   * Per field: a core attribute (`email`, `firstName` …), `address` (all address parts are taken together from
   * one record, so a golden address is never stitched from two), a custom attribute (`custom.tier`), or every
   * custom attribute of one source (`custom.hubspot.*`).
   */
  fields: Record<string, FieldRules>;
  /** Two sources' edits of a review field this close together (seconds) open a conflict. */
  conflictWindowSeconds: number;
}

/** The address parts survive together, as the field `address`. */
export const ADDRESS_GROUP = 'address';
const ADDRESS_FIELDS = new Set(ADDRESS_PARTS.map((p) => `address.${p}`));

/** The field (or group) whose rules decide a flat attribute: `address.city` → `address`. */
export function slotOf(field: string): string {
  return ADDRESS_FIELDS.has(field) ? ADDRESS_GROUP : field;
}

/** Fields a rule chain may name: core attributes, the address group, custom attributes and source prefixes. */
export const RULE_FIELDS = [...CORE_ATTRIBUTES.filter((f) => !ADDRESS_FIELDS.has(f)), ADDRESS_GROUP];

const CRM_FIRST = ['salesforce', 'dynamics', 'hubspot', 'marketo', 'mailchimp', 'sendgrid'];
const MA_FIRST = ['marketo', 'hubspot', 'mailchimp', 'sendgrid', 'salesforce', 'dynamics'];

/**
 * What a CRM + MA deployment chooses (documented as a table in the README):
 * - identity and company data from the CRM, where sales keeps it: names, birth date, company, job title and
 *   the address — the CRM's value first, the most recent of the others after it;
 * - contact points from whoever heard from the person last: email and phone most recent, reviewed when both
 *   systems change them within 10 minutes of each other;
 * - marketing attributes (every custom field an MA platform sends) from the MA platform first;
 * - anything else most recent.
 */
export const DEFAULT_SURVIVORSHIP: SurvivorshipSettings = deepFreeze({
  default: { rules: [{ rule: 'mostRecent' }], review: false },
  fields: {
    firstName: crmFirst(),
    lastName: crmFirst(),
    birthDate: {
      rules: [{ rule: 'sourcePriority', sources: CRM_FIRST }, { rule: 'mostFrequent' }, { rule: 'mostRecent' }],
      review: false,
    },
    company: crmFirst(),
    jobTitle: crmFirst(),
    address: crmFirst(),
    email: { rules: [{ rule: 'mostRecent' }], review: true },
    phone: { rules: [{ rule: 'mostRecent' }], review: true },
    'custom.hubspot.*': maFirst(),
    'custom.marketo.*': maFirst(),
    'custom.mailchimp.*': maFirst(),
    'custom.sendgrid.*': maFirst(),
  },
  conflictWindowSeconds: 600,
} satisfies SurvivorshipSettings);

function crmFirst(): FieldRules {
  return { rules: [{ rule: 'sourcePriority', sources: CRM_FIRST }, { rule: 'mostRecent' }], review: false };
}

function maFirst(): FieldRules {
  return { rules: [{ rule: 'sourcePriority', sources: MA_FIRST }, { rule: 'mostRecent' }], review: false };
}

/** The rules that decide `field` (a flat attribute or a slot): exact name, then a `custom.<source>.*` prefix. */
export function rulesFor(settings: SurvivorshipSettings, field: string): FieldRules {
  // Asked for every field of every profile a batch recomputes; a custom field's answer scans every pattern.
  let known = chosenRules.get(settings);
  if (!known) chosenRules.set(settings, (known = new Map()));
  let rules = known.get(field);
  if (rules === undefined) {
    rules = chooseRules(settings, field);
    if (known.size >= 10_000) known.clear();
    known.set(field, rules);
  }
  return rules;
}

const chosenRules = new WeakMap<SurvivorshipSettings, Map<string, FieldRules>>();

function chooseRules(settings: SurvivorshipSettings, field: string): FieldRules {
  const slot = slotOf(field);
  const exact = settings.fields[slot];
  if (exact) return exact;
  if (slot.startsWith('custom.')) {
    let best: { length: number; rules: FieldRules } | undefined;
    for (const [pattern, rules] of Object.entries(settings.fields)) {
      if (!pattern.endsWith('.*')) continue;
      const prefix = pattern.slice(0, -1);
      if (slot.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, rules };
    }
    if (best) return best.rules;
  }
  return settings.default;
}

const SIMPLE_RULES = ['mostRecent', 'earliest', 'mostFrequent', 'longest'] as const;
const RULE_NAMES = [...SIMPLE_RULES, 'sourcePriority', 'sourceOfTruth'];

/**
 * Reads the rules file's `survivorship` section over the defaults. Fields given replace the default chain of
 * that field. Errors name the field and the rule, e.g.
 * `survivorship.fields.email.rules[1]: unknown rule "newest" (expected one of: mostRecent, …)`.
 * @example { "fields": { "phone": ["mostRecent"], "company": [{ "sourceOfTruth": "salesforce" }] } }
 * @example { "fields": { "email": { "rules": ["mostRecent"], "review": false } }, "conflictWindowSeconds": 3600 }
 */
export function survivorshipSettingsFrom(raw: unknown, path = 'survivorship'): SurvivorshipSettings {
  if (raw === undefined) return DEFAULT_SURVIVORSHIP;
  if (!isObject(raw)) throw new Error(`${path} must be an object with "fields", "default" and "conflictWindowSeconds"`);
  for (const key of Object.keys(raw)) {
    if (!['fields', 'default', 'conflictWindowSeconds'].includes(key)) {
      throw new Error(
        `${path}.${key} is not a known setting (expected one of: fields, default, conflictWindowSeconds)`,
      );
    }
  }
  let conflictWindowSeconds = DEFAULT_SURVIVORSHIP.conflictWindowSeconds;
  if (raw.conflictWindowSeconds !== undefined) {
    const value = raw.conflictWindowSeconds;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`${path}.conflictWindowSeconds must be a whole number of seconds (0 or more)`);
    }
    conflictWindowSeconds = value;
  }
  const defaults =
    raw.default === undefined ? DEFAULT_SURVIVORSHIP.default : fieldRules(raw.default, `${path}.default`);
  const fields: Record<string, FieldRules> = { ...DEFAULT_SURVIVORSHIP.fields };
  if (raw.fields !== undefined) {
    if (!isObject(raw.fields)) throw new Error(`${path}.fields must be an object keyed by field`);
    for (const [field, chain] of Object.entries(raw.fields)) {
      const fieldPath = `${path}.fields.${field}`;
      if (ADDRESS_FIELDS.has(field)) {
        throw new Error(`${fieldPath}: address parts survive together; give the rules of "address" instead`);
      }
      const custom = /^custom\.(\*|[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*(\.\*)?)$/.test(field);
      if (!custom && !RULE_FIELDS.includes(field)) {
        throw new Error(
          `${fieldPath}: not a golden field (expected one of: ${RULE_FIELDS.join(', ')}, custom.<key>, custom.<source>.*)`,
        );
      }
      fields[field] = fieldRules(chain, fieldPath);
    }
  }
  return { default: defaults, fields, conflictWindowSeconds };
}

function fieldRules(raw: unknown, path: string): FieldRules {
  let chain: unknown;
  let review = false;
  if (Array.isArray(raw)) chain = raw;
  else if (isObject(raw)) {
    for (const key of Object.keys(raw)) {
      if (key !== 'rules' && key !== 'review') {
        throw new Error(`${path}.${key} is not a known setting (expected: rules, review)`);
      }
    }
    chain = raw.rules;
    if (raw.review !== undefined) {
      if (typeof raw.review !== 'boolean') throw new Error(`${path}.review must be true or false`);
      review = raw.review;
    }
  } else {
    throw new Error(`${path} must be a rule chain (a list) or { "rules": [...], "review": true|false }`);
  }
  if (!Array.isArray(chain) || chain.length === 0) throw new Error(`${path}.rules must be a non-empty list of rules`);
  const rules = chain.map((step, i) => rule(step, `${path}.rules[${i}]`));
  return { rules, review };
}

function rule(raw: unknown, path: string): SurvivorshipRule {
  const expected = `expected one of: ${RULE_NAMES.join(', ')}`;
  if (typeof raw === 'string') {
    if ((SIMPLE_RULES as readonly string[]).includes(raw)) return { rule: raw as (typeof SIMPLE_RULES)[number] };
    if (raw === 'sourcePriority' || raw === 'sourceOfTruth') {
      throw new Error(
        `${path}: ${raw} needs its sources, e.g. { "${raw}": ${raw === 'sourcePriority' ? '["salesforce", "hubspot"]' : '"salesforce"'} }`,
      );
    }
    throw new Error(`${path}: unknown rule ${JSON.stringify(raw)} (${expected})`);
  }
  if (!isObject(raw) || Object.keys(raw).length !== 1) {
    throw new Error(`${path}: a rule is a name ("mostRecent") or one-key object ({ "sourcePriority": [...] })`);
  }
  const [name, arg] = Object.entries(raw)[0];
  if (name === 'sourcePriority') {
    if (!Array.isArray(arg) || arg.length === 0 || arg.some((s) => typeof s !== 'string' || s.trim() === '')) {
      throw new Error(`${path}: sourcePriority needs a non-empty list of source keys`);
    }
    if (new Set(arg).size !== arg.length) throw new Error(`${path}: sourcePriority lists a source twice`);
    return { rule: 'sourcePriority', sources: arg as string[] };
  }
  if (name === 'sourceOfTruth') {
    if (typeof arg !== 'string' || arg.trim() === '') throw new Error(`${path}: sourceOfTruth needs one source key`);
    return { rule: 'sourceOfTruth', source: arg };
  }
  if ((SIMPLE_RULES as readonly string[]).includes(name)) {
    if (arg !== true && arg !== null && !(isObject(arg) && Object.keys(arg).length === 0)) {
      throw new Error(`${path}: ${name} takes no settings; write "${name}"`);
    }
    return { rule: name as (typeof SIMPLE_RULES)[number] };
  }
  throw new Error(`${path}: unknown rule ${JSON.stringify(name)} (${expected})`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
