import type { NonEmptyArray } from 'type-graphql';
import { AuditResolver } from './audit.resolver';
import { ChangeFeedResolver } from './change-feed.resolver';
import { ConflictResolver, ProfileConflictsResolver } from './conflict.resolver';
import { ConsentResolver, ProfileConsentResolver } from './consent.resolver';
import { DeadLetterResolver } from './dead-letter.resolver';
import { IngestResolver } from './ingest.resolver';
import { MergeResolver } from './merge.resolver';
import { PrivacyResolver } from './privacy.resolver';
import { ProfileChangeResolver } from './profile-change.resolver';
import { ProfileResolver } from './profile.resolver';
import { ProfileSegmentsResolver, SegmentResolver } from './segment.resolver';
import { WebhookResolver } from './webhook.resolver';

export const resolvers: NonEmptyArray<Function> = [
  ProfileResolver,
  IngestResolver,
  ProfileChangeResolver,
  ChangeFeedResolver,
  DeadLetterResolver,
  MergeResolver,
  WebhookResolver,
  AuditResolver,
  ConflictResolver,
  ProfileConflictsResolver,
  PrivacyResolver,
  ConsentResolver,
  ProfileConsentResolver,
  SegmentResolver,
  ProfileSegmentsResolver,
];
