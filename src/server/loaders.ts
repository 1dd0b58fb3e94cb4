import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { findCurrentConsents, type CurrentConsentView } from '../consent/consent-reads';
import { findMergeHistories, findSurvivorIds, type MergeEventView } from '../identity/queries/merge-reads';
import { findTimelines, type TimelineArgs, type TimelineEventView } from '../engagement/timeline-reads';
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
  /** The active survivor of a profile id (itself when active), following merges. */
  survivor: DataLoader<string, string | null>;
  mergeHistory: DataLoader<string, MergeEventView[]>;
  consents: DataLoader<string, CurrentConsentView[]>;
  /** Keyed by profile id and page arguments; profiles asked with the same arguments share one query. */
  timeline: DataLoader<{ profileId: string; args: TimelineArgs }, TimelineEventView[], string>;
}

export function createLoaders(dataSource: DataSource): Loaders {
  return {
    profile: new DataLoader((ids) => findProfilesByIds(dataSource, ids)),
    sourceRecordsByProfile: new DataLoader((ids) => findSourceRecordsByProfileIds(dataSource, ids)),
    survivor: new DataLoader((ids) => findSurvivorIds(dataSource, ids)),
    mergeHistory: new DataLoader((ids) => findMergeHistories(dataSource, ids)),
    consents: new DataLoader((ids) => findCurrentConsents(dataSource, ids)),
    timeline: new DataLoader(
      async (keys) => {
        const groups = new Map<string, { args: TimelineArgs; indexes: number[] }>();
        keys.forEach((key, index) => {
          const group = JSON.stringify(key.args);
          const entry = groups.get(group) ?? { args: key.args, indexes: [] };
          entry.indexes.push(index);
          groups.set(group, entry);
        });
        const results: TimelineEventView[][] = new Array(keys.length);
        for (const { args, indexes } of groups.values()) {
          const timelines = await findTimelines(
            dataSource,
            indexes.map((i) => keys[i].profileId),
            args,
          );
          indexes.forEach((index, n) => (results[index] = timelines[n]));
        }
        return results;
      },
      { cacheKeyFn: (key) => JSON.stringify(key) },
    ),
  };
}
