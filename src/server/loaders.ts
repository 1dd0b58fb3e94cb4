import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  findProfilesByIds,
  findSourceRecordsByProfileIds,
  type ProfileView,
  type SourceRecordView,
} from '../identity/queries/profile-reads';

/** One set per request (or per subscription event), so batching never leaks data between callers. */
export interface Loaders {
  profile: DataLoader<string, ProfileView | null>;
  sourceRecordsByProfile: DataLoader<string, SourceRecordView[]>;
}

export function createLoaders(dataSource: DataSource): Loaders {
  return {
    profile: new DataLoader((ids) => findProfilesByIds(dataSource, ids)),
    sourceRecordsByProfile: new DataLoader((ids) => findSourceRecordsByProfileIds(dataSource, ids)),
  };
}
