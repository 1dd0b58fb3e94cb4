import { InitialSchema1798000000000 } from './1798000000000-InitialSchema';
import { SourceRecordOrdering1798000100000 } from './1798000100000-SourceRecordOrdering';
import { LeanBlockingKeys1798000200000 } from './1798000200000-LeanBlockingKeys';
import { SurnameStatistics1798000300000 } from './1798000300000-SurnameStatistics';
import { WebhookDispatch1798000500000 } from './1798000500000-WebhookDispatch';
import { Privacy1798000800000 } from './1798000800000-Privacy';
import { AuditChain1798000900000 } from './1798000900000-AuditChain';
import { ProfileSearch1798001000000 } from './1798001000000-ProfileSearch';
import { SegmentChanges1798001100000 } from './1798001100000-SegmentChanges';
import { FeedTxidOffset1798001500000 } from './1798001500000-FeedTxidOffset';
import { LeanerBlockingKeys1798001600000 } from './1798001600000-LeanerBlockingKeys';
import { LeanIdentifiers1798001700000 } from './1798001700000-LeanIdentifiers';
import { DocumentsWithoutStatistics1798001800000 } from './1798001800000-DocumentsWithoutStatistics';
import { GroupedLineage1798001900000 } from './1798001900000-GroupedLineage';
import { CompactFieldTimes1798002000000 } from './1798002000000-CompactFieldTimes';
import { HashBlockingKeyIndex1798002100000 } from './1798002100000-HashBlockingKeyIndex';

/** Every migration, oldest first. `createDataSource` registers them; add new ones at the end. */
export const migrations = [
  InitialSchema1798000000000,
  SourceRecordOrdering1798000100000,
  LeanBlockingKeys1798000200000,
  SurnameStatistics1798000300000,
  WebhookDispatch1798000500000,
  Privacy1798000800000,
  AuditChain1798000900000,
  ProfileSearch1798001000000,
  SegmentChanges1798001100000,
  FeedTxidOffset1798001500000,
  LeanerBlockingKeys1798001600000,
  LeanIdentifiers1798001700000,
  DocumentsWithoutStatistics1798001800000,
  GroupedLineage1798001900000,
  CompactFieldTimes1798002000000,
  HashBlockingKeyIndex1798002100000,
];
