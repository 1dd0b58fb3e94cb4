import { Scope } from '../auth/principal';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { inTransaction } from '../common/context';
import { fromGlobalId, toGlobalId } from '../common/global-id';
import { findConflict, listConflicts, type ConflictView } from '../identity/queries/conflict-reads';
import {
  pinAttribute,
  PinRefusedError,
  resolveConflict,
  unpinAttribute,
  type PinOutcome,
} from '../identity/survivorship/steward-pins';
import type { AttributeValue } from '../identity/golden-attributes';
import {
  AttributePinChanged,
  Conflict,
  ConflictConnection,
  ConflictResolved,
  ConflictStatus,
  PinResult,
  ResolveConflictResult,
} from '../schema/conflict.type';
import { clampFirst } from '../schema/connection.type';
import { ActionRefused } from '../schema/merge.type';
import { profileGlobalId, sourceRecordGlobalId, toGoldenField, toProfile } from '../schema/profile.mapper';
import { Profile } from '../schema/profile.type';
import type { GraphQLContext } from '../server/context';

const refused = (code: string, message: string) => Object.assign(new ActionRefused(), { code, message });

function toConflict(view: ConflictView): Conflict {
  return {
    ...view,
    id: toGlobalId('Conflict', view.id),
    profileId: profileGlobalId(view.profileId),
    status: view.status as ConflictStatus,
    candidates: view.candidates.map((c) => ({
      field: view.field,
      profileId: profileGlobalId(view.profileId),
      value: c.value,
      source: c.source,
      sourceRecordId: sourceRecordGlobalId(c.sourceRecordId),
      updatedAt: c.updatedAt ? new Date(c.updatedAt) : null,
    })),
  };
}

/** The current profile and the flat fields a pin covers (`address` → its parts). */
async function pinChanged(ctx: GraphQLContext, profileId: string, field: string): Promise<AttributePinChanged> {
  const view = await ctx.loaders.profile.load(profileId);
  if (!view) throw new Error(`profile ${profileId} vanished after its own change`);
  const fields = Object.entries(view.lineage)
    .filter(([name]) => name === field || name.startsWith(`${field}.`))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, lineage]) => toGoldenField(name, lineage, profileGlobalId(view.id)));
  return Object.assign(new AttributePinChanged(), { profile: toProfile(view), fields });
}

/** `sourceRecordId` (a global id) or a value; `value: null` pins the field empty. */
function choice(value: unknown, sourceRecordId: string | null) {
  return sourceRecordId
    ? { sourceRecordId: fromGlobalId('SourceRecord', sourceRecordId) }
    : { value: value === undefined ? undefined : (value as AttributeValue) };
}

async function refusable<T>(work: () => Promise<PinOutcome<T>>): Promise<PinOutcome<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PinRefusedError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

@Resolver(() => Conflict)
export class ConflictResolver {
  @Authorized(Scope.Steward)
  @Query(() => ConflictConnection, {
    description: "The stewards' conflict queue, oldest first (open ones by default); `profileId` narrows it.",
  })
  async conflicts(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => ConflictStatus, { nullable: true, defaultValue: ConflictStatus.OPEN }) status: ConflictStatus,
    @Arg('profileId', () => ID, { nullable: true }) profileId: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ConflictConnection> {
    const page = await listConflicts(
      ctx.dataSource,
      { status, profileId: profileId ? fromGlobalId('Profile', profileId) : null },
      clampFirst(first),
      after,
    );
    return {
      edges: page.items.map((item, i) => ({ cursor: page.cursors[i], node: toConflict(item) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
      totalCount: page.totalCount,
    };
  }

  @FieldResolver(() => Profile, { nullable: true, description: 'The profile (as it is now).' })
  async profile(@Root() conflict: Conflict, @Ctx() ctx: GraphQLContext): Promise<Profile | null> {
    const view = await ctx.loaders.profile.load(fromGlobalId('Profile', conflict.profileId));
    return view ? toProfile(view) : null;
  }

  @Authorized(Scope.Steward)
  @Mutation(() => ResolveConflictResult, {
    description:
      "Resolves an open conflict with a value or one of its candidates' source records; the choice is pinned until unpinned and reaches every connected system.",
  })
  async resolveConflict(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('value', () => GraphQLJSON, { nullable: true }) value: unknown,
    @Arg('sourceRecordId', () => ID, { nullable: true }) sourceRecordId: string | null,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<typeof ResolveConflictResult> {
    const conflictId = fromGlobalId('Conflict', id);
    const outcome = await refusable(() =>
      inTransaction(ctx, (tx) => resolveConflict(tx, { conflictId, note, ...choice(value, sourceRecordId) })),
    );
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    const [view, profile] = await Promise.all([
      findConflict(ctx.dataSource, outcome.conflictId),
      ctx.loaders.profile.load(outcome.profileId),
    ]);
    return Object.assign(new ConflictResolved(), { conflict: toConflict(view!), profile: toProfile(profile!) });
  }

  @Authorized(Scope.Steward)
  @Mutation(() => PinResult, {
    description:
      "Pins a golden field (`email`, `address` as a whole, `custom.<key>` …) to a value or to one of the profile's source records, over every survivorship rule, until unpinned.",
  })
  async pinAttribute(
    @Ctx() ctx: GraphQLContext,
    @Arg('profileId', () => ID) profileId: string,
    @Arg('field') field: string,
    @Arg('value', () => GraphQLJSON, { nullable: true }) value: unknown,
    @Arg('sourceRecordId', () => ID, { nullable: true }) sourceRecordId: string | null,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
  ): Promise<typeof PinResult> {
    const outcome = await inTransaction(ctx, (tx) =>
      pinAttribute(tx, {
        profileId: fromGlobalId('Profile', profileId),
        field,
        reason,
        ...choice(value, sourceRecordId),
      }),
    );
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return pinChanged(ctx, outcome.profileId, field);
  }

  @Authorized(Scope.Steward)
  @Mutation(() => PinResult, { description: "Lifts a steward's pin: the field's survivorship rules decide again." })
  async unpinAttribute(
    @Ctx() ctx: GraphQLContext,
    @Arg('profileId', () => ID) profileId: string,
    @Arg('field') field: string,
  ): Promise<typeof PinResult> {
    const outcome = await inTransaction(ctx, (tx) =>
      unpinAttribute(tx, { profileId: fromGlobalId('Profile', profileId), field }),
    );
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return pinChanged(ctx, outcome.profileId, field);
  }
}

@Resolver(() => Profile)
export class ProfileConflictsResolver {
  @FieldResolver(() => [Conflict], { description: 'Open conflicts on this profile, oldest first.' })
  async conflicts(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<Conflict[]> {
    const page = await listConflicts(
      ctx.dataSource,
      { status: ConflictStatus.OPEN, profileId: fromGlobalId('Profile', profile.id) },
      clampFirst(200),
    );
    return page.items.map(toConflict);
  }
}
