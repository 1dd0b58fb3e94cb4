import type { TxContext } from '../common/context';
import { returnedRows } from '../db/returned-rows';
import type { NewChangeEvent } from '../feed/change-events';
import { compileRule } from './evaluate-rule';
import { SegmentRuleError, validateSegmentRule, type SegmentRule } from './segment-rule';

/**
 * Lead scoring (rules file section `scoring`): points per engagement event type, decaying with a half-life, plus
 * points for attribute conditions (the segment rule language), and lifecycle stages reached at score thresholds.
 * @example { "events": { "email_clicked": 10, "form_submitted": 25 }, "halfLifeDays": 30,
 *            "attributes": [{ "when": { "field": "jobTitle", "op": "contains", "value": "CTO" }, "points": 15 }],
 *            "stages": [{ "stage": "MQL", "minScore": 50 }, { "stage": "SQL", "minScore": 120 }] }
 */
export interface ScoringSettings {
  events: Record<string, number>;
  halfLifeDays: number;
  attributes: { when: SegmentRule; points: number }[];
  /** Ascending by score; a profile's stage only ever advances (decay does not demote a lead). */
  stages: { stage: string; minScore: number }[];
}

export const DEFAULT_SCORING: ScoringSettings = {
  events: {
    email_opened: 1,
    email_clicked: 5,
    page_viewed: 1,
    form_submitted: 20,
    webinar_attended: 25,
    meeting_booked: 40,
    email_spam_report: -50,
    unsubscribed: -20,
  },
  halfLifeDays: 30,
  attributes: [],
  stages: [{ stage: 'MQL', minScore: 50 }],
};

const EVENT_TYPE = /^[a-z][a-z0-9_.:-]{0,63}$/;
const STAGE = /^[A-Za-z][A-Za-z0-9_ -]{0,31}$/;

/** Reads the rules file's `scoring` section over the defaults; errors name the setting. */
export function scoringSettingsFrom(raw: unknown, path = 'scoring'): ScoringSettings {
  if (raw === undefined) return DEFAULT_SCORING;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${path} must be an object`);
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (!['events', 'halfLifeDays', 'attributes', 'stages'].includes(key)) {
      throw new Error(
        `${path}.${key} is not a known setting (expected one of: events, halfLifeDays, attributes, stages)`,
      );
    }
  }
  const number = (v: unknown, p: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e6) throw new Error(`${p} must be a number`);
    return v;
  };
  let events = DEFAULT_SCORING.events;
  if (section.events !== undefined) {
    if (typeof section.events !== 'object' || section.events === null || Array.isArray(section.events)) {
      throw new Error(`${path}.events must be an object of event type → points`);
    }
    events = {};
    for (const [type, points] of Object.entries(section.events)) {
      if (!EVENT_TYPE.test(type)) throw new Error(`${path}.events.${type}: not an event type key`);
      events[type] = number(points, `${path}.events.${type}`);
    }
  }
  let halfLifeDays = DEFAULT_SCORING.halfLifeDays;
  if (section.halfLifeDays !== undefined) {
    halfLifeDays = number(section.halfLifeDays, `${path}.halfLifeDays`);
    if (halfLifeDays <= 0) throw new Error(`${path}.halfLifeDays must be above 0`);
  }
  let attributes = DEFAULT_SCORING.attributes;
  if (section.attributes !== undefined) {
    if (!Array.isArray(section.attributes)) throw new Error(`${path}.attributes must be a list of { when, points }`);
    attributes = section.attributes.map((item, i) => {
      const p = `${path}.attributes[${i}]`;
      if (typeof item !== 'object' || item === null) throw new Error(`${p} must be { when, points }`);
      const { when, points } = item as Record<string, unknown>;
      let rule: SegmentRule;
      try {
        rule = validateSegmentRule(when);
      } catch (error) {
        if (error instanceof SegmentRuleError)
          throw new Error(`${p}.when${error.path.slice(1)}: ${error.message.split(': ').slice(1).join(': ')}`);
        throw error;
      }
      return { when: rule, points: number(points, `${p}.points`) };
    });
  }
  let stages = DEFAULT_SCORING.stages;
  if (section.stages !== undefined) {
    if (!Array.isArray(section.stages)) throw new Error(`${path}.stages must be a list of { stage, minScore }`);
    stages = section.stages.map((item, i) => {
      const p = `${path}.stages[${i}]`;
      const { stage, minScore } = (item ?? {}) as Record<string, unknown>;
      if (typeof stage !== 'string' || !STAGE.test(stage)) throw new Error(`${p}.stage must be a short name`);
      return { stage, minScore: number(minScore, `${p}.minScore`) };
    });
    stages.sort((a, b) => a.minScore - b.minScore);
  }
  return { events, halfLifeDays, attributes, stages };
}

/**
 * Whether a profile without engagement events scores the default (0) and reaches no lifecycle stage under these
 * settings: no attribute condition gives points and every stage needs more than 0. Then a profile that holds no
 * events and was just created (its golden row inserted with the defaults) need not be scored at all.
 */
export function scoresOnlyEngagement(settings: ScoringSettings): boolean {
  return settings.attributes.length === 0 && settings.stages.every((s) => s.minScore > 0);
}

/**
 * Recomputes the lead score of the given profiles in one statement: each engagement event's points halved every
 * `halfLifeDays` of its age, plus the points of the attribute conditions that hold; the lifecycle stage advances
 * to the highest stage reached (never back). Returns a `profile.lifecycle_changed` event per profile whose stage
 * advanced — the trigger a CRM turns into a follow-up task.
 */
export async function rescoreProfiles(
  tx: TxContext,
  profileIds: readonly string[] | null,
  settings: ScoringSettings = tx.settings?.scoring ?? DEFAULT_SCORING,
): Promise<NewChangeEvent[]> {
  if (profileIds?.length === 0) return [];
  const types = Object.keys(settings.events);
  const params: unknown[] = [
    profileIds ? [...new Set(profileIds)] : null,
    types,
    types.map((t) => settings.events[t]),
    settings.halfLifeDays,
    settings.stages.map((s) => s.stage),
    settings.stages.map((s) => s.minScore),
  ];
  const attributePoints =
    settings.attributes.length === 0
      ? '0'
      : settings.attributes
          .map((a) => {
            const condition = compileRule(a.when, params);
            params.push(a.points);
            return `CASE WHEN ${condition} THEN $${params.length}::numeric ELSE 0 END`;
          })
          .join(' + ');
  const rows = returnedRows<{ id: string; score: string; old_stage: string | null; new_stage: string | null }>(
    await tx.manager.query(
      `WITH points(type, points) AS (SELECT * FROM unnest($2::text[], $3::numeric[])),
     stages(stage, min_score, rank) AS (SELECT s, m, o FROM unnest($5::text[], $6::numeric[]) WITH ORDINALITY AS x(s, m, o)),
     scored AS (
       SELECT g.id, g.lifecycle_stage AS old_stage,
              round((coalesce((SELECT sum(p.points * power(0.5, extract(epoch FROM now() - e.occurred_at) / 86400.0 / $4::numeric))
                                 FROM engagement_event e JOIN points p ON p.type = e.type
                                WHERE e.profile_id = g.id AND e.occurred_at <= now()), 0)
                     + ${attributePoints})::numeric, 2) AS score
         FROM golden_profile g
        WHERE g.status = 'active' AND ($1::uuid[] IS NULL OR g.id = ANY($1::uuid[]))),
     staged AS (
       SELECT s.id, s.score, s.old_stage,
              (SELECT st.stage FROM stages st
                WHERE st.min_score <= s.score
                   OR st.rank <= coalesce((SELECT o.rank FROM stages o WHERE o.stage = s.old_stage), 0)
                ORDER BY st.rank DESC LIMIT 1) AS reached
         FROM scored s)
     UPDATE golden_profile g
        SET lead_score = st.score, lifecycle_stage = coalesce(st.reached, g.lifecycle_stage)
       FROM staged st
      WHERE g.id = st.id AND ($1::uuid[] IS NULL OR g.id = ANY($1::uuid[]))
        AND (g.lead_score IS DISTINCT FROM st.score OR g.lifecycle_stage IS DISTINCT FROM coalesce(st.reached, g.lifecycle_stage))
     RETURNING g.id, st.score::text AS score, st.old_stage, g.lifecycle_stage AS new_stage`,
      params,
    ),
  );
  return rows
    .filter((r) => r.new_stage !== null && r.new_stage !== r.old_stage)
    .map((r) => ({
      type: 'profile.lifecycle_changed',
      profileId: r.id,
      payload: { profileId: r.id, from: r.old_stage, to: r.new_stage, leadScore: Number(r.score) },
    }));
}
