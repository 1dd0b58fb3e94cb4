import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { ConsentCurrent } from '../consent/entities/consent-current.entity';
import { ConsentStatement } from '../consent/entities/consent-statement.entity';
import { EngagementEvent } from '../engagement/entities/engagement-event.entity';
import { ChangeEvent } from '../feed/entities/change-event.entity';
import { FeedCheckpoint } from '../feed/entities/feed-checkpoint.entity';
import { FeedTxidOffset } from '../feed/entities/feed-txid-offset.entity';
import { BlockingKey } from '../identity/entities/blocking-key.entity';
import { Conflict } from '../identity/entities/conflict.entity';
import { DoNotMergePair } from '../identity/entities/do-not-merge-pair.entity';
import { GoldenProfile } from '../identity/entities/golden-profile.entity';
import { Identifier } from '../identity/entities/identifier.entity';
import { MergeCandidate } from '../identity/entities/merge-candidate.entity';
import { MergeEvent } from '../identity/entities/merge-event.entity';
import { PinnedValue } from '../identity/entities/pinned-value.entity';
import { SourceRecordLink } from '../identity/entities/source-record-link.entity';
import { SourceRecord } from '../identity/entities/source-record.entity';
import { DeadLetter } from '../ingest/entities/dead-letter.entity';
import { ProcessedEvent } from '../ingest/entities/processed-event.entity';
import { PrivacyKey } from '../privacy/entities/privacy-key.entity';
import { SuppressionEntry } from '../privacy/entities/suppression-entry.entity';
import { SegmentMembership } from '../segments/entities/segment-membership.entity';
import { SegmentVersion } from '../segments/entities/segment-version.entity';
import { Segment } from '../segments/entities/segment.entity';
import { WebhookDelivery } from '../sync/entities/webhook-delivery.entity';
import { WebhookSubscription } from '../sync/entities/webhook-subscription.entity';

export {
  AuditEntry,
  BlockingKey,
  ChangeEvent,
  Conflict,
  ConsentCurrent,
  ConsentStatement,
  DeadLetter,
  DoNotMergePair,
  EngagementEvent,
  FeedCheckpoint,
  FeedTxidOffset,
  GoldenProfile,
  Identifier,
  MergeCandidate,
  MergeEvent,
  PinnedValue,
  PrivacyKey,
  ProcessedEvent,
  Segment,
  SegmentMembership,
  SegmentVersion,
  SourceRecord,
  SourceRecordLink,
  SuppressionEntry,
  WebhookDelivery,
  WebhookSubscription,
};

/**
 * Every table of the hub, one entity each, kept with its domain. The schema itself comes only from the
 * migrations in `migrations/`; `schemaDrift` (src/db/schema-drift.ts) checks the two agree.
 */
export const entities = [
  // identity
  GoldenProfile,
  SourceRecord,
  Identifier,
  SourceRecordLink,
  BlockingKey,
  MergeEvent,
  MergeCandidate,
  DoNotMergePair,
  Conflict,
  PinnedValue,
  // consent
  ConsentStatement,
  ConsentCurrent,
  // segments
  Segment,
  SegmentVersion,
  SegmentMembership,
  // engagement
  EngagementEvent,
  // feed
  ChangeEvent,
  FeedCheckpoint,
  FeedTxidOffset,
  // ingest
  DeadLetter,
  ProcessedEvent,
  // audit
  AuditEntry,
  // privacy
  SuppressionEntry,
  PrivacyKey,
  // sync
  WebhookSubscription,
  WebhookDelivery,
];
