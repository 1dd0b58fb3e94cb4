import type { ServiceContext } from '../common/context';
import { stableJson } from '../ingest/apply-patch';
import { validateSegmentRule } from '../segments/segment-rule';
import { defineSegment, findSegment } from '../segments/segments';

/** A segment the demo defines: the same rule language as `defineSegment` (see the README, "Segments"). */
export interface DemoSegment {
  key: string;
  name: string;
  description: string;
  rule: unknown;
}

const EMAIL_CONSENT = { consent: { purpose: 'email_marketing', channel: 'email' } };

export const DEMO_SEGMENTS: readonly DemoSegment[] = [
  {
    key: 'email-subscribers',
    name: 'Email subscribers',
    description: 'Profiles with a current grant for email marketing.',
    rule: EMAIL_CONSENT,
  },
  {
    key: 'engaged-subscribers-de',
    name: 'Engaged subscribers in Germany',
    description: 'Email subscribers in Germany who opened or clicked an email in the last 30 days.',
    rule: {
      and: [
        { segment: 'email-subscribers' },
        { field: 'address.country', op: 'eq', value: 'DE' },
        {
          or: [
            { events: { type: 'email_opened', atLeast: 1, days: 30 } },
            { events: { type: 'email_clicked', atLeast: 1, days: 30 } },
          ],
        },
      ],
    },
  },
  {
    key: 'mqls',
    name: 'Marketing-qualified leads',
    description: 'Lifecycle stage MQL: the lead score (form fills, clicks, opens; halved every 30 days) reached 50.',
    rule: { field: 'lifecycleStage', op: 'eq', value: 'MQL' },
  },
  {
    key: 'opted-out-email',
    name: 'Opted out of email',
    description: 'Unsubscribed from email in the last 12 months and not subscribed again since.',
    rule: {
      and: [{ events: { type: 'unsubscribed', atLeast: 1, days: 365 } }, { not: EMAIL_CONSENT }],
    },
  },
];

/**
 * What happened to a demo segment: `defined` (new), `unchanged` (already there with this rule: left alone, so a
 * re-run changes nothing) or `kept` (a segment of that key with another rule exists — the deployment's own, which
 * the demo never overwrites).
 */
export type DemoSegmentOutcome = 'defined' | 'unchanged' | 'kept';

/** Defines the demo's segments (in order: later ones refer to earlier ones) unless they are there already. */
export async function defineDemoSegments(
  ctx: ServiceContext,
  segments: readonly DemoSegment[] = DEMO_SEGMENTS,
): Promise<Map<string, DemoSegmentOutcome>> {
  const outcomes = new Map<string, DemoSegmentOutcome>();
  for (const segment of segments) {
    const existing = await findSegment(ctx.dataSource, segment.key);
    if (existing) {
      const same = stableJson(existing.rule) === stableJson(validateSegmentRule(segment.rule));
      outcomes.set(segment.key, same ? 'unchanged' : 'kept');
      continue;
    }
    const defined = await defineSegment(ctx, segment);
    // The rules are fixed and valid; a refusal here is a bug, not a user error.
    if (!defined.ok) throw new Error(`demo segment ${segment.key}: ${defined.code} ${defined.message}`);
    outcomes.set(segment.key, 'defined');
  }
  return outcomes;
}
