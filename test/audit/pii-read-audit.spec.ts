import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createDataSource } from '../../src/db/data-source';
import { notePiiRead, PII_READ_LISTED, withPiiReadAudit } from '../../src/audit/pii-read-audit';
import { toGlobalId } from '../../src/common/global-id';
import { createLogger } from '../../src/logging/logger';
import type { GraphQLContext } from '../../src/server/context';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('reads of unmasked personal data (the subscription path, and failures)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.destroy());

  const context = (dataSource = db.dataSource) =>
    ({
      requestId: 'ws-op-1',
      actor: 'feed-reader',
      principal: { subject: 'feed-reader', scopes: new Set(['profiles:read', 'pii:read']) },
      logger: createLogger('silent'),
      dataSource,
      piiReads: new Set<string>(),
    }) as unknown as GraphQLContext;

  const args = (ctx: GraphQLContext): ExecutionArgs =>
    ({
      document: parse(`subscription { profileChanged(profileId: "x") { version } }`),
      contextValue: ctx,
    }) as unknown as ExecutionArgs;

  const reads = async () =>
    db.dataSource.query(
      `SELECT actor, scopes, operation, target_id, details, request_id FROM audit_entry
        WHERE action = 'pii.read' ORDER BY audit_entry.seq`,
    );

  it('records a subscription’s reads at its first delivery, then at most once a minute, and the rest when it ends', async () => {
    const ctx = context();
    // Each event, the masking layer notes the profile it showed unmasked.
    async function* events(): AsyncGenerator<ExecutionResult> {
      for (let n = 1; n <= 3; n++) {
        notePiiRead(ctx, [toGlobalId('Profile', uuid(n))]);
        yield { data: { profileChanged: { version: n } } };
      }
    }
    const run = withPiiReadAudit(() => events());
    const stream = (await run(args(ctx))) as AsyncIterableIterator<ExecutionResult>;
    expect((await stream.next()).value).toEqual({ data: { profileChanged: { version: 1 } } });
    expect(await reads()).toHaveLength(1);
    await stream.next();
    await stream.next();
    expect(await reads()).toHaveLength(1);
    // The client completes the subscription.
    await stream.return!();
    expect(await reads()).toEqual([
      {
        actor: 'feed-reader',
        scopes: ['pii:read', 'profiles:read'],
        operation: 'profileChanged',
        target_id: uuid(1),
        details: { count: 1, profileIds: [uuid(1)] },
        request_id: 'ws-op-1',
      },
      expect.objectContaining({ target_id: null, details: { count: 2, profileIds: [uuid(2), uuid(3)] } }),
    ]);
  });

  it('lists at most 100 profiles per entry, and counts them all', async () => {
    const ctx = context();
    const ids = Array.from({ length: 250 }, (_, i) => uuid(1000 + i));
    const run = withPiiReadAudit(() => {
      notePiiRead(ctx, ids);
      return { data: { profiles: { totalCount: 250 } } };
    });
    await run(args(ctx));
    const [last] = (await reads()).slice(-1);
    expect(last.details.count).toBe(250);
    expect(last.details.profileIds).toEqual(ids.slice(0, PII_READ_LISTED));
  });

  it('does not send unmasked data whose read cannot be recorded', async () => {
    const broken = createDataSource({ url: db.url, poolSize: 1 });
    await broken.initialize();
    await broken.destroy();
    const ctx = context(broken);
    const run = withPiiReadAudit(() => {
      notePiiRead(ctx, [uuid(7)]);
      return { data: { profile: { email: 'someone@example.com' } } };
    });
    const result = (await run(args(ctx))) as ExecutionResult;
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].originalError).toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});
