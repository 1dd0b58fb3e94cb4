import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { encodeTimelineCursor } from '../engagement/timeline-reads';
import { clampFirst } from '../schema/connection.type';
import { TimelineConnection } from '../schema/timeline.type';
import { fromGlobalId, toGlobalId } from '../common/global-id';
import { MergeEvent } from '../schema/merge.type';
import { findProfileIdByIdentifier, findSourceRecord } from '../identity/queries/profile-reads';
import { normaliseIdentifier } from '../ingest/canonical-record';
import { GoldenField, Profile, ProfileConnection, ProfileFilter, SourceRecord } from '../schema/profile.type';
import { searchProfiles } from '../identity/queries/profile-search';
import {
  profileGlobalId,
  sourceRecordGlobalId,
  toGoldenField,
  toProfile,
  toSourceRecord,
} from '../schema/profile.mapper';
import type { GraphQLContext } from '../server/context';

@Resolver(() => Profile)
export class ProfileResolver {
  @Authorized(Scope.ProfilesRead)
  @Query(() => Profile, {
    nullable: true,
    description:
      'A golden profile by its id (global id or UUID). The id of a profile merged into another keeps working: ' +
      'it resolves to the surviving profile, unless `followMerges: false` asks for the merged one itself.',
  })
  async profile(
    @Arg('id', () => ID) id: string,
    @Arg('followMerges', { defaultValue: true }) followMerges: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Profile | null> {
    const requested = fromGlobalId('Profile', id);
    const target = followMerges ? await ctx.loaders.survivor.load(requested) : requested;
    const view = target ? await ctx.loaders.profile.load(target) : null;
    return view ? toProfile(view) : null;
  }

  @Authorized(Scope.ProfilesRead)
  @Query(() => Profile, {
    nullable: true,
    description: 'The profile holding an identifier: `email`, `phone` (normalised as on ingest) or a declared type.',
  })
  async profileByIdentifier(
    @Arg('type') type: string,
    @Arg('value') value: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Profile | null> {
    const normalised = normaliseIdentifier(type, value, ctx.settings?.phoneRegion);
    if (normalised === null) return null;
    const id = await findProfileIdByIdentifier(ctx.dataSource, type, normalised);
    const view = id ? await ctx.loaders.profile.load(id) : null;
    return view ? toProfile(view) : null;
  }

  @Authorized(Scope.ProfilesRead)
  @Query(() => ProfileConnection, {
    description: 'Active profiles found by email, phone or name, by last name then first name.',
  })
  async profiles(
    @Arg('filter', () => ProfileFilter) filter: ProfileFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProfileConnection> {
    const page = await searchProfiles(ctx.dataSource, {
      search: filter.search,
      first: clampFirst(first, 20),
      after,
      phoneRegion: ctx.settings?.phoneRegion,
    });
    const views = await ctx.loaders.profile.loadMany(page.ids);
    const edges = views.flatMap((view, i) =>
      view && !(view instanceof Error) ? [{ cursor: page.cursors[i], node: toProfile(view) }] : [],
    );
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null } };
  }

  @Authorized(Scope.ProfilesRead)
  @Query(() => SourceRecord, { nullable: true, description: "One system's record, by that system's own id." })
  async sourceRecord(
    @Arg('source') source: string,
    @Arg('externalId') externalId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SourceRecord | null> {
    const view = await findSourceRecord(ctx.dataSource, source, externalId);
    return view ? toSourceRecord(view) : null;
  }

  @FieldResolver(() => Profile, { nullable: true, description: 'The profile this one was merged into (its survivor).' })
  async mergedInto(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<Profile | null> {
    if (!profile.mergedIntoId) return null;
    const survivor = await ctx.loaders.survivor.load(fromGlobalId('Profile', profile.mergedIntoId));
    const view = survivor ? await ctx.loaders.profile.load(survivor) : null;
    return view ? toProfile(view) : null;
  }

  @FieldResolver(() => [MergeEvent], { description: 'Merges and unmerges this profile took part in, newest first.' })
  async mergeHistory(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<MergeEvent[]> {
    const events = await ctx.loaders.mergeHistory.load(fromGlobalId('Profile', profile.id));
    return events.map((e) => ({
      ...e,
      id: toGlobalId('MergeEvent', e.id),
      survivorProfileId: profileGlobalId(e.survivorProfileId),
      absorbedProfileId: e.absorbedProfileId && profileGlobalId(e.absorbedProfileId),
      targetProfileId: e.targetProfileId && profileGlobalId(e.targetProfileId),
      sourceRecordId: e.sourceRecordId && sourceRecordGlobalId(e.sourceRecordId),
    }));
  }

  @FieldResolver(() => [GoldenField], { description: 'Every golden field with its lineage.' })
  async lineage(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<GoldenField[]> {
    const view = await ctx.loaders.profile.load(fromGlobalId('Profile', profile.id));
    return Object.entries(view?.lineage ?? {}).map(([name, lineage]) => toGoldenField(name, lineage, profile.id));
  }

  @FieldResolver(() => GoldenField, { nullable: true, description: 'One golden field with its lineage.' })
  async field(
    @Root() profile: Profile,
    @Arg('name', { description: 'Field path, e.g. `email` or `address.city`.' }) name: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<GoldenField | null> {
    const view = await ctx.loaders.profile.load(fromGlobalId('Profile', profile.id));
    const lineage = view?.lineage[name];
    return lineage ? toGoldenField(name, lineage, profile.id) : null;
  }

  @FieldResolver(() => TimelineConnection, { description: 'Engagement events, newest first.' })
  async timeline(
    @Root() profile: Profile,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types.' }) types: string[] | null,
  ): Promise<TimelineConnection> {
    const args = { first: clampFirst(first), after, types };
    const events = await ctx.loaders.timeline.load({ profileId: fromGlobalId('Profile', profile.id), args });
    const page = events.slice(0, args.first);
    const edges = page.map((event) => ({ cursor: encodeTimelineCursor(event.id), node: event }));
    return {
      edges,
      pageInfo: { hasNextPage: events.length > args.first, endCursor: edges[edges.length - 1]?.cursor ?? null },
      count: edges.length,
    };
  }

  @FieldResolver(() => [SourceRecord], { description: "Each connected system's record of this person." })
  async sourceRecords(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<SourceRecord[]> {
    const records = await ctx.loaders.sourceRecordsByProfile.load(fromGlobalId('Profile', profile.id));
    return records.map(toSourceRecord);
  }
}
