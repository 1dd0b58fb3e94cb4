import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { listAuditEntries } from '../audit/audit-log-reads';
import { Scope } from '../auth/principal';
import { toGlobalId } from '../common/global-id';
import { AuditEntryConnection } from '../schema/audit.type';
import { clampFirst } from '../schema/connection.type';
import type { GraphQLContext } from '../server/context';

@Resolver()
export class AuditResolver {
  @Authorized(Scope.Admin)
  @Query(() => AuditEntryConnection, {
    description:
      'The audit trail, newest first: every write, steward decision, erasure, export and read of unmasked ' +
      'personal data. Filters combine; `from` is inclusive, `to` exclusive.',
  })
  async auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('actor', () => String, { nullable: true }) actor: string | null,
    @Arg('action', () => String, { nullable: true, description: 'e.g. `profile.erase`.' }) action: string | null,
    @Arg('targetType', () => String, { nullable: true }) targetType: string | null,
    @Arg('targetId', () => String, { nullable: true, description: 'A stored id or a global id.' })
    targetId: string | null,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
  ): Promise<AuditEntryConnection> {
    const page = await listAuditEntries(
      ctx.dataSource,
      { actor, action, targetType, targetId, from, to },
      clampFirst(first),
      after,
    );
    return {
      edges: page.items.map((item, i) => ({
        cursor: page.cursors[i],
        node: { ...item, id: toGlobalId('AuditEntry', item.id) },
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
    };
  }
}
