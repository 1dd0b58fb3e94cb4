import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { inTransaction } from '../common/context';
import { fromGlobalId } from '../common/global-id';
import { findConsentHistory } from '../consent/consent-reads';
import { setConsent } from '../consent/set-consent';
import { followFeed } from '../feed/follow-feed';
import type { FeedEvent } from '../feed/read-change-events';
import {
  Consent,
  ConsentChange,
  ConsentRecorded,
  ConsentStatement,
  ConsentStatus,
  SetConsentInput,
  SetConsentResult,
  StatementStatus,
} from '../schema/consent.type';
import { clampFirst } from '../schema/connection.type';
import { ActionRefused } from '../schema/merge.type';
import { profileGlobalId, toProfile } from '../schema/profile.mapper';
import { Profile } from '../schema/profile.type';
import type { GraphQLContext } from '../server/context';

const orNull = (contactPoint: string) => (contactPoint === '' ? null : contactPoint);

@Resolver(() => Profile)
export class ProfileConsentResolver {
  @FieldResolver(() => [Consent], {
    description: 'Current consents per purpose × channel × contact point (the latest statement decides).',
  })
  async consents(
    @Root() profile: Profile,
    @Ctx() ctx: GraphQLContext,
    @Arg('purpose', () => String, { nullable: true }) purpose: string | null,
  ): Promise<Consent[]> {
    const current = await ctx.loaders.consents.load(fromGlobalId('Profile', profile.id));
    return current
      .filter((c) => !purpose || c.purpose === purpose)
      .map((c) => ({
        ...c,
        contactPoint: orNull(c.contactPoint),
        status: c.status as ConsentStatus,
        statementId: c.statementId,
      }));
  }

  @FieldResolver(() => [ConsentStatement], {
    description: 'Every consent statement, newest capture first (append-only history with evidence).',
  })
  async consentHistory(
    @Root() profile: Profile,
    @Ctx() ctx: GraphQLContext,
    @Arg('purpose', () => String, { nullable: true }) purpose: string | null,
    @Arg('channel', () => String, { nullable: true }) channel: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first: number,
  ): Promise<ConsentStatement[]> {
    const history = await findConsentHistory(ctx.dataSource, fromGlobalId('Profile', profile.id), {
      purpose,
      channel,
      limit: clampFirst(first, 100),
    });
    return history.map((s) => ({
      ...s,
      id: s.id,
      contactPoint: orNull(s.contactPoint),
      status: s.status as StatementStatus,
    }));
  }
}

@Resolver()
export class ConsentResolver {
  @Authorized(Scope.ConsentsWrite)
  @Mutation(() => SetConsentResult, {
    description:
      'Records a consent statement (a preference centre, a call centre): appended to the history; the current state follows the latest statement.',
  })
  async setConsent(@Ctx() ctx: GraphQLContext, @Arg('input') input: SetConsentInput): Promise<typeof SetConsentResult> {
    const outcome = await inTransaction(ctx, (tx) =>
      setConsent(tx, { ...input, profileId: fromGlobalId('Profile', input.profileId) }),
    );
    if (!outcome.ok) return Object.assign(new ActionRefused(), { code: outcome.code, message: outcome.message });
    const view = await ctx.loaders.profile.load(outcome.profileId);
    return Object.assign(new ConsentRecorded(), {
      statementId: outcome.statementId,
      profile: toProfile(view!),
    });
  }

  @Authorized(Scope.ProfilesRead)
  @Subscription(() => ConsentChange, {
    description:
      'Every change of a current consent, from the durable change feed: pass the `cursor` of the last change you handled as `after` to resume without missing one (omit it to start from now); `profileId` narrows it to one profile.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const profileId = args.profileId ? fromGlobalId('Profile', args.profileId as string) : null;
      return followFeed(ctx.dataSource, ctx.notifier, {
        after: (args.after as string | null) ?? null,
        types: ['consent.changed'],
        accept: (event) => !profileId || event.profileId === profileId,
      });
    },
  })
  consentChanged(
    @Root() event: FeedEvent,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
    @Arg('profileId', () => ID, { nullable: true }) _profileId: string | null,
  ): ConsentChange {
    const p = event.payload as Record<string, string | null>;
    return {
      eventId: event.id,
      cursor: event.cursor,
      profileId: profileGlobalId(event.profileId!),
      purpose: p.purpose ?? '',
      channel: p.channel ?? '',
      contactPoint: p.contactPoint ? p.contactPoint : null,
      status: (p.status as ConsentStatus | null) ?? null,
      previousStatus: (p.previousStatus as ConsentStatus | null) ?? null,
      source: p.source ?? null,
      occurredAt: event.occurredAt,
    };
  }
}
