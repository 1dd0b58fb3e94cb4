import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { listDeadLetters } from '../ingest/dead-letter-queries';
import { replayDeadLetters } from '../ingest/replay-dead-letters';
import { clampFirst } from '../schema/connection.type';
import {
  DeadLetterConnection,
  DeadLetterStatus,
  ReplayDeadLettersInput,
  ReplayDeadLettersPayload,
  ReplayStatus,
} from '../schema/dead-letter.type';
import type { GraphQLContext } from '../server/context';

@Resolver()
export class DeadLetterResolver {
  @Authorized(Scope.Admin)
  @Query(() => DeadLetterConnection, { description: 'Refused inputs with their raw payloads, oldest first.' })
  async deadLetters(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => DeadLetterStatus, { nullable: true, defaultValue: DeadLetterStatus.OPEN })
    status: DeadLetterStatus,
    @Arg('source', () => String, { nullable: true }) source: string | null,
    @Arg('code', () => String, { nullable: true }) code: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<DeadLetterConnection> {
    const page = await listDeadLetters(
      ctx.dataSource,
      { status, source: source ?? undefined, code: code ?? undefined },
      clampFirst(first),
      after,
    );
    return {
      edges: page.items.map((item, i) => ({
        cursor: page.cursors[i],
        node: { ...item, status: item.status as DeadLetterStatus },
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
      totalCount: page.totalCount,
    };
  }

  @Authorized(Scope.Admin)
  @Mutation(() => ReplayDeadLettersPayload, {
    description: 'Re-runs open dead letters through the pipeline (after a mapping or data fix). Idempotent.',
  })
  async replayDeadLetters(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => ReplayDeadLettersInput, { nullable: true }) filter: ReplayDeadLettersInput | null,
  ): Promise<ReplayDeadLettersPayload> {
    const results = await replayDeadLetters(ctx, filter ?? {});
    const count = (status: string) => results.filter((r) => r.status === status).length;
    return {
      replayed: count('REPLAYED'),
      failed: count('FAILED'),
      skipped: count('SKIPPED'),
      results: results.map((r) => ({ ...r, status: r.status as ReplayStatus })),
    };
  }
}
