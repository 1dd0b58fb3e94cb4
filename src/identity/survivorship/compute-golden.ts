import { sortStrings } from '../../common/sort-strings';
import { stableJson } from '../../ingest/apply-patch';
import type { AttributeValue, FlatAttributes } from '../golden-attributes';
import {
  ADDRESS_GROUP,
  DEFAULT_SURVIVORSHIP,
  rulesFor,
  slotOf,
  type SurvivorshipRule,
  type SurvivorshipSettings,
} from './survivorship-rules';

/** One source record as survivorship sees it. */
export interface SurvivorshipInput {
  id: string;
  source: string;
  externalId: string;
  deleted: boolean;
  attributes: FlatAttributes;
  /** Per-field source timestamps (ISO 8601), keyed like `attributes`. */
  fieldUpdatedAt: Record<string, string>;
}

/**
 * A steward's override of one field (or of the whole `address`): a value, or a source record whose value the
 * field follows. It wins over every rule until unpinned.
 */
export interface Pin {
  field: string;
  /** The pinned value (for `address`, an object of parts); unused when `sourceRecordId` is set. */
  value?: AttributeValue;
  sourceRecordId?: string | null;
  pinnedAt: string;
}

/** Why a golden field holds its value: the answer stewards and apps read as lineage. */
export interface FieldLineage {
  value: AttributeValue;
  /** Source key of the record that supplied the value, `steward` for a pinned value. */
  source: string;
  /** Null for a value a steward typed in. */
  sourceRecordId: string | null;
  /** The rule that chose it: a rule of the chain, `tieBreak`, or `pin`. */
  rule: string;
  updatedAt: string;
  pinned: boolean;
}

/** One value a source holds for a field in conflict, with its lineage. */
export interface ConflictCandidate {
  value: AttributeValue;
  source: string;
  sourceRecordId: string;
  updatedAt: string;
}

/**
 * Sources disagree on a field in a way the rules should not settle alone: `concurrent_edit` — two systems set
 * different values of a review field within the conflict window; `undecidable` — the whole chain left several
 * values and only the tie-break chose.
 */
export interface ConflictFinding {
  field: string;
  reason: 'concurrent_edit' | 'undecidable';
  candidates: ConflictCandidate[];
}

export interface GoldenValues {
  attributes: FlatAttributes;
  lineage: Record<string, FieldLineage>;
  /** Fields (slots: `address` for the address parts) that stewards should look at, sorted by field. */
  conflicts: ConflictFinding[];
  /** Fields (slots) on which every live record that holds a value holds the same one. */
  unanimous: string[];
}

interface Candidate {
  record: SurvivorshipInput;
  /** The record's value for the slot; for `address`, an object of its non-null parts, or null. */
  value: AttributeValue;
  present: boolean;
  /** Milliseconds of the per-field source time (the latest part's, for `address`); NaN-free. */
  at: number;
}

const ADDRESS_PREFIX = `${ADDRESS_GROUP}.`;
/** `new Date(0).toISOString()`: the time a field without a time of its own is read as. */
const EPOCH = new Date(0).toISOString();

/**
 * Chooses each golden field's value from the live source records by the field's rule chain
 * (`SurvivorshipSettings`), with stewards' pins first. Each rule narrows the candidates — one per record that
 * holds the field — and the chain stops once they agree; a deterministic tie-break (latest per-field time,
 * then source key, then external id) ends it. Only values and times of the records count, never their order,
 * so the same records give the same golden profile however they arrived. The address parts are decided
 * together, from one record. Also reports the conflicts stewards should resolve.
 */
export function computeGolden(
  records: readonly SurvivorshipInput[],
  settings: SurvivorshipSettings = DEFAULT_SURVIVORSHIP,
  pins: readonly Pin[] = [],
): GoldenValues {
  const live = records.filter((r) => !r.deleted);
  // Most profiles hold one record: nothing to choose between, the chains only say which rule is named.
  if (live.length === 1 && pins.length === 0) return goldenOfOne(live[0], settings);
  return goldenByChains(live, settings, pins);
}

/**
 * `computeGolden` of live records by the rule chains, candidate by candidate: what every profile would go through;
 * exported so that the one-record shortcut is checked against it.
 */
export function goldenByChains(
  live: readonly SurvivorshipInput[],
  settings: SurvivorshipSettings,
  pins: readonly Pin[],
): GoldenValues {
  const slots = new Set<string>();
  for (const record of live) for (const field of Object.keys(record.attributes)) slots.add(slotOf(field));
  const pinBySlot = new Map(pins.map((p) => [p.field, p]));
  for (const pin of pins) slots.add(pin.field);

  const attributes: FlatAttributes = {};
  const lineage: Record<string, FieldLineage> = {};
  const conflicts: ConflictFinding[] = [];
  const unanimous: string[] = [];
  for (const slot of [...slots].sort()) {
    const candidates = live.map((record) => candidateOf(record, slot)).filter((c) => c.present);
    if (
      distinct(
        candidates.filter((c) => c.value !== null),
        looseKey,
      ) <= 1
    )
      unanimous.push(slot);
    const pin = pinBySlot.get(slot);
    const pinned = pin ? fromPin(pin, candidates, live) : undefined;
    if (pinned) {
      emit(slot, pinned.value, pinned.lineage, attributes, lineage);
      continue;
    }
    if (candidates.length === 0) continue;
    const fieldRules = rulesFor(settings, slot);
    const decision = decide(candidates, fieldRules.rules);
    if (decision.winner) {
      const w = decision.winner;
      emit(
        slot,
        w.value,
        (field, value) => ({
          value,
          source: w.record.source,
          sourceRecordId: w.record.id,
          rule: decision.rule,
          updatedAt: w.record.fieldUpdatedAt[field] ?? new Date(w.at).toISOString(),
          pinned: false,
        }),
        attributes,
        lineage,
      );
    }
    const finding = decision.undecided
      ? conflictOf(slot, 'undecidable', candidates)
      : fieldRules.review
        ? concurrentEdits(slot, candidates, settings.conflictWindowSeconds * 1000)
        : undefined;
    if (finding) conflicts.push(finding);
  }
  return { attributes, lineage, conflicts, unanimous };
}

/**
 * The golden values of a profile that holds one live record and no pins, as the chains would decide them: each
 * field's one candidate wins, unanimously and without a conflict, unless a source of truth of its chain is
 * another source (the field stays empty). The rule named in lineage is the chain's source of truth when it has
 * one (its only step that still acts on agreeing candidates), else its first rule.
 */
function goldenOfOne(record: SurvivorshipInput, settings: SurvivorshipSettings): GoldenValues {
  // Field by field, without a candidate or a closure per field: every profile a batch creates comes through here.
  const { attributes: values, fieldUpdatedAt: times } = record;
  const unanimous: string[] = [];
  let address = false;
  for (const field in values) {
    if (slotOf(field) !== ADDRESS_GROUP) unanimous.push(field);
    else if (!address) {
      address = true;
      unanimous.push(ADDRESS_GROUP);
    }
  }
  sortStrings(unanimous);
  const attributes: FlatAttributes = {};
  const lineage: Record<string, FieldLineage> = {};
  // Indexed loops: an iterator's result objects were ~14 MB per 20,000 records where V8 did not optimise them away.
  for (let s = 0; s < unanimous.length; s++) {
    const slot = unanimous[s];
    const { rules } = rulesFor(settings, slot);
    let rule = rules[0].rule;
    let ruledOut = false;
    for (let r = 0; r < rules.length; r++) {
      const step = rules[r];
      if (step.rule !== 'sourceOfTruth') continue;
      if (step.source !== record.source) ruledOut = true;
      rule = step.rule;
    }
    if (ruledOut) continue;
    if (slot !== ADDRESS_GROUP) {
      const value = values[slot];
      if (value === null || value === undefined) continue;
      attributes[slot] = value;
      // A field without its own time (a record stored before per-field times) reads as of time 0, as in the chains.
      lineage[slot] = oneRecordLineage(record, rule, value, times[slot] ?? EPOCH);
      continue;
    }
    // The address parts come from this one record: the latest part's time stands for a part without its own.
    let at = 0;
    for (const field in values) if (field.startsWith(ADDRESS_PREFIX)) at = Math.max(at, time(times[field]));
    for (const field in values) {
      if (!field.startsWith(ADDRESS_PREFIX)) continue;
      const value = values[field];
      if (value === null || value === undefined) continue;
      attributes[field] = value;
      lineage[field] = oneRecordLineage(record, rule, value, times[field] ?? new Date(at).toISOString());
    }
  }
  return { attributes, lineage, conflicts: [], unanimous };
}

function oneRecordLineage(
  record: SurvivorshipInput,
  rule: string,
  value: AttributeValue,
  updatedAt: string,
): FieldLineage {
  return { value, source: record.source, sourceRecordId: record.id, rule, updatedAt, pinned: false };
}

function candidateOf(record: SurvivorshipInput, slot: string): Candidate {
  if (slot !== ADDRESS_GROUP) {
    const present = Object.prototype.hasOwnProperty.call(record.attributes, slot);
    return { record, value: present ? record.attributes[slot] : null, present, at: time(record.fieldUpdatedAt[slot]) };
  }
  const parts: Record<string, AttributeValue> = {};
  let present = false;
  let at = 0;
  for (const [field, value] of Object.entries(record.attributes)) {
    if (!field.startsWith(ADDRESS_PREFIX)) continue;
    present = true;
    at = Math.max(at, time(record.fieldUpdatedAt[field]));
    if (value !== null && value !== undefined) parts[field.slice(ADDRESS_PREFIX.length)] = value;
  }
  return { record, value: Object.keys(parts).length > 0 ? parts : null, present, at };
}

/** The last time parsed: a record's fields mostly share one source time, read once per field and profile. */
let lastParsed: { iso: string; ms: number } | undefined;

function time(iso: string | undefined): number {
  if (!iso) return 0;
  if (lastParsed?.iso === iso) return lastParsed.ms;
  const ms = Date.parse(iso);
  lastParsed = { iso, ms: Number.isNaN(ms) ? 0 : ms };
  return lastParsed.ms;
}

/** A flat field's lineage, its value included (one object per field, built whole). */
type LineageOf = (field: string, value: AttributeValue) => FieldLineage;

/** Writes a slot's value (an address object spreads into its parts) with lineage per flat field. */
function emit(
  slot: string,
  value: AttributeValue,
  lineageOf: LineageOf,
  attributes: FlatAttributes,
  lineage: Record<string, FieldLineage>,
): void {
  if (value === null || value === undefined) return;
  if (slot === ADDRESS_GROUP) {
    if (typeof value !== 'object' || Array.isArray(value)) return;
    for (const [part, partValue] of Object.entries(value)) {
      if (partValue === null || partValue === undefined) continue;
      const field = `${ADDRESS_PREFIX}${part}`;
      attributes[field] = partValue;
      lineage[field] = lineageOf(field, partValue);
    }
    return;
  }
  attributes[slot] = value;
  lineage[slot] = lineageOf(slot, value);
}

/** A pin's value and lineage; a pin on a record that left the profile no longer applies. */
function fromPin(
  pin: Pin,
  candidates: Candidate[],
  live: readonly SurvivorshipInput[],
): { value: AttributeValue; lineage: LineageOf } | undefined {
  if (pin.sourceRecordId) {
    const record = live.find((r) => r.id === pin.sourceRecordId);
    if (!record) return undefined;
    const candidate = candidates.find((c) => c.record.id === record.id);
    return {
      value: candidate?.value ?? null,
      lineage: (field, value) => ({
        value,
        source: record.source,
        sourceRecordId: record.id,
        rule: 'pin',
        updatedAt: record.fieldUpdatedAt[field] ?? pin.pinnedAt,
        pinned: true,
      }),
    };
  }
  return {
    value: pin.value ?? null,
    lineage: (_field, value) => ({
      value,
      source: 'steward',
      sourceRecordId: null,
      rule: 'pin',
      updatedAt: pin.pinnedAt,
      pinned: true,
    }),
  };
}

const key = (value: AttributeValue) => stableJson(value);

/** Case and surrounding space aside, for "most records agree" and "the sources disagree". */
const looseKey = (value: AttributeValue): string =>
  typeof value === 'string' ? value.trim().toLowerCase() : stableJson(normaliseObject(value));

function normaliseObject(value: AttributeValue): AttributeValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v.trim().toLowerCase() : v]),
  );
}

function distinct(candidates: Candidate[], keyOf = key): number {
  // Most profiles hold one record: nothing to compare.
  if (candidates.length <= 1) return candidates.length;
  return new Set(candidates.map((c) => keyOf(c.value))).size;
}

/** Latest per-field time first, then source key, then external id: the tie-break, a total order. */
function byTieBreak(a: Candidate, b: Candidate): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.record.source !== b.record.source) return a.record.source < b.record.source ? -1 : 1;
  if (a.record.externalId !== b.record.externalId) return a.record.externalId < b.record.externalId ? -1 : 1;
  return a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0;
}

function decide(
  candidates: Candidate[],
  rules: SurvivorshipRule[],
): { winner?: Candidate; rule: string; undecided: boolean } {
  let set = candidates;
  let rule: string | undefined;
  for (const step of rules) {
    // Once the candidates agree, only a source of truth still has a say (it may rule them all out).
    if (step.rule !== 'sourceOfTruth' && distinct(set) <= 1) continue;
    set = narrow(set, step);
    if (set.length === 0) return { rule: step.rule, undecided: false };
    if (rule === undefined && distinct(set) <= 1) rule = step.rule;
  }
  if (distinct(set) > 1) rule = 'tieBreak';
  const winner = [...set].sort(byTieBreak)[0];
  const undecided =
    rule === 'tieBreak' &&
    distinct(
      set.filter((c) => c.value !== null),
      looseKey,
    ) > 1;
  return { winner, rule: rule ?? rules[0].rule, undecided };
}

function narrow(set: Candidate[], step: SurvivorshipRule): Candidate[] {
  const valued = set.filter((c) => c.value !== null);
  const pool = valued.length > 0 ? valued : set;
  switch (step.rule) {
    case 'sourceOfTruth':
      return set.filter((c) => c.record.source === step.source);
    case 'sourcePriority': {
      const rank = (c: Candidate) => {
        const i = step.sources.indexOf(c.record.source);
        return i < 0 ? step.sources.length : i;
      };
      const best = Math.min(...pool.map(rank));
      return pool.filter((c) => rank(c) === best);
    }
    case 'mostRecent': {
      // A clearing counts here: the latest statement about the field may be "it is empty now".
      const latest = Math.max(...set.map((c) => c.at));
      return set.filter((c) => c.at === latest);
    }
    case 'earliest': {
      const first = Math.min(...pool.map((c) => c.at));
      return pool.filter((c) => c.at === first);
    }
    case 'mostFrequent': {
      const counts = new Map<string, number>();
      for (const c of pool) counts.set(looseKey(c.value), (counts.get(looseKey(c.value)) ?? 0) + 1);
      const most = Math.max(...counts.values());
      return pool.filter((c) => counts.get(looseKey(c.value)) === most);
    }
    case 'longest': {
      const size = (c: Candidate) =>
        typeof c.value === 'string'
          ? c.value.trim().length
          : c.value !== null && typeof c.value === 'object'
            ? Object.keys(c.value).length
            : String(c.value).length;
      const longest = Math.max(...pool.map(size));
      return pool.filter((c) => size(c) === longest);
    }
  }
}

/**
 * Concurrent edits: the latest values of two sources differ and were set within `windowMs` of each other.
 * Values from one source never conflict with each other (the source's own order decides).
 */
function concurrentEdits(slot: string, candidates: Candidate[], windowMs: number): ConflictFinding | undefined {
  const latestBySource = new Map<string, Candidate>();
  for (const c of [...candidates].sort(byTieBreak)) {
    if (c.value === null) continue;
    if (!latestBySource.has(c.record.source)) latestBySource.set(c.record.source, c);
  }
  const latest = [...latestBySource.values()].sort(byTieBreak);
  for (let i = 0; i < latest.length; i++) {
    for (let j = i + 1; j < latest.length; j++) {
      const [a, b] = [latest[i], latest[j]];
      if (looseKey(a.value) !== looseKey(b.value) && Math.abs(a.at - b.at) <= windowMs) {
        return conflictOf(slot, 'concurrent_edit', candidates);
      }
    }
  }
  return undefined;
}

function conflictOf(slot: string, reason: ConflictFinding['reason'], candidates: Candidate[]): ConflictFinding {
  return {
    field: slot,
    reason,
    candidates: [...candidates]
      .filter((c) => c.value !== null)
      .sort(byTieBreak)
      .map((c) => ({
        value: c.value,
        source: c.record.source,
        sourceRecordId: c.record.id,
        updatedAt: new Date(c.at).toISOString(),
      })),
  };
}
