import type { AttributeValue, FlatAttributes } from '../golden-attributes';

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

/** Why a golden field holds its value: the answer stewards and apps read as lineage. */
export interface FieldLineage {
  value: AttributeValue;
  source: string;
  sourceRecordId: string;
  rule: string;
  updatedAt: string;
  pinned: boolean;
}

export interface GoldenValues {
  attributes: FlatAttributes;
  lineage: Record<string, FieldLineage>;
}

/**
 * Chooses each golden field's value from the live source records: the most recent value by per-field source
 * timestamp, ties broken by source key and external id so that the result never depends on arrival order.
 * A `null` that is the most recent statement clears the field. (The full rule chains arrive with the
 * survivorship issue; this is the deterministic default they extend.)
 */
export function computeGolden(records: SurvivorshipInput[]): GoldenValues {
  const best = new Map<string, { record: SurvivorshipInput; at: string }>();
  for (const record of records) {
    if (record.deleted) continue;
    for (const field of Object.keys(record.attributes)) {
      const at = record.fieldUpdatedAt[field] ?? '';
      const current = best.get(field);
      if (!current || isBetter(record, at, current.record, current.at)) best.set(field, { record, at });
    }
  }
  const attributes: FlatAttributes = {};
  const lineage: Record<string, FieldLineage> = {};
  for (const field of [...best.keys()].sort()) {
    const { record, at } = best.get(field)!;
    const value = record.attributes[field];
    if (value === null || value === undefined) continue;
    attributes[field] = value;
    lineage[field] = {
      value,
      source: record.source,
      sourceRecordId: record.id,
      rule: 'mostRecent',
      updatedAt: at,
      pinned: false,
    };
  }
  return { attributes, lineage };
}

function isBetter(a: SurvivorshipInput, aAt: string, b: SurvivorshipInput, bAt: string): boolean {
  const at = Date.parse(aAt) - Date.parse(bAt);
  if (at !== 0 && !Number.isNaN(at)) return at > 0;
  if (a.source !== b.source) return a.source < b.source;
  return a.externalId < b.externalId;
}
