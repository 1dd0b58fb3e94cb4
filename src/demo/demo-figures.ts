import type { DataSource } from 'typeorm';

/** What the hub holds now — the whole hub, which on a fresh database is the demo's doing. */
export interface HubFigures {
  /** Active golden profiles. */
  profiles: number;
  /** Live source records per source. */
  sourceRecords: Record<string, number>;
  /** Merges identity resolution made on its own (`auto`, `transitive`, `link`), not a steward. */
  automaticMerges: number;
  /** Open merge candidates, by why they wait (`review_band`, `max_records_per_source:salesforce` …). */
  mergeCandidates: { open: number; byReason: Record<string, number> };
  /** Open conflicts, by field. */
  conflicts: { open: number; byField: Record<string, number> };
  /** Current consent states (per profile, purpose, channel and contact point), by status. */
  consents: Record<string, number>;
  /** Timeline events, by type. */
  timelineEvents: { total: number; byType: Record<string, number> };
}

const byKey = (rows: { key: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.n]));
const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** Counts for the demo's summary: a handful of aggregate queries over indexed columns. */
export async function readHubFigures(ds: DataSource): Promise<HubFigures> {
  const [profiles]: { n: number }[] = await ds.query(
    `SELECT count(*)::int AS n FROM golden_profile WHERE status = 'active'`,
  );
  const sources = byKey(
    await ds.query(
      `SELECT source AS key, count(*)::int AS n FROM source_record WHERE NOT deleted GROUP BY source ORDER BY source`,
    ),
  );
  const [merges]: { n: number }[] = await ds.query(
    `SELECT count(*)::int AS n FROM merge_event WHERE kind = 'merge' AND trigger <> 'steward'`,
  );
  const candidates = byKey(
    await ds.query(
      `SELECT reason AS key, count(*)::int AS n FROM merge_candidate WHERE status = 'open' GROUP BY reason ORDER BY reason`,
    ),
  );
  const conflicts = byKey(
    await ds.query(
      `SELECT field AS key, count(*)::int AS n FROM conflict WHERE status = 'open' GROUP BY field ORDER BY field`,
    ),
  );
  const consents = byKey(
    await ds.query(`SELECT status AS key, count(*)::int AS n FROM consent_current GROUP BY status ORDER BY status`),
  );
  const events = byKey(
    await ds.query(`SELECT type AS key, count(*)::int AS n FROM engagement_event GROUP BY type ORDER BY type`),
  );
  return {
    profiles: profiles.n,
    sourceRecords: sources,
    automaticMerges: merges.n,
    mergeCandidates: { open: total(candidates), byReason: candidates },
    conflicts: { open: total(conflicts), byField: conflicts },
    consents,
    timelineEvents: { total: total(events), byType: events },
  };
}

/** Members of each segment (keys that name no segment are left out). */
export async function segmentSizes(ds: DataSource, keys: readonly string[]): Promise<Map<string, number>> {
  const rows: { key: string; n: number }[] = await ds.query(
    `SELECT s.key, count(m.profile_id)::int AS n
       FROM segment s LEFT JOIN segment_membership m ON m.segment_id = s.id
      WHERE s.key = ANY($1::text[]) AND s.status <> 'deleted'
      GROUP BY s.key`,
    [keys],
  );
  return new Map(rows.map((r) => [r.key, r.n]));
}
