import type { ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { fromGlobalId } from '../common/global-id';
import { ErrorCode, HubError } from '../common/hub-error';
import type { GraphQLContext } from '../server/context';
import { appendAudit, auditEntryFor } from './audit-trail';

/** Most profile ids one `pii.read` entry lists (`details.count` says how many there were). */
export const PII_READ_LISTED = 100;

/** A subscription's reads are recorded at most this often while it runs (and all of them when it ends). */
export const PII_READ_SUBSCRIPTION_INTERVAL_MS = 60_000;

/** What an operation's reads need of its context: the set the masking layer fills, and where to write. */
type ReadingContext = Pick<
  GraphQLContext,
  'piiReads' | 'actor' | 'principal' | 'requestId' | 'dataSource' | 'logger' | 'operation'
>;

const lastRecorded = new WeakMap<Set<string>, number>();

/**
 * Notes that this operation returned the unmasked personal data of `profileIds` (global or bare ids). Nothing is
 * written yet: the operation's reads become one `pii.read` entry when its response goes out (see below).
 */
export function notePiiRead(ctx: Pick<GraphQLContext, 'piiReads'>, profileIds: Iterable<string>): void {
  for (const id of profileIds) ctx.piiReads.add(id);
}

/** A profile id as audit entries store it: the UUID of a `Profile` global id, anything else as it is. */
function profileUuid(id: string): string {
  try {
    return fromGlobalId('Profile', id);
  } catch {
    return id;
  }
}

/**
 * Writes one `pii.read` entry for the reads noted since the last one (none: nothing is written): the profile as
 * target when there is one, else the first {@link PII_READ_LISTED} ids in `details.profileIds`, with the count.
 */
export async function recordPiiReads(ctx: ReadingContext, operation: string): Promise<void> {
  if (!ctx.piiReads || ctx.piiReads.size === 0) return;
  const ids = [...new Set([...ctx.piiReads].map(profileUuid))];
  ctx.piiReads.clear();
  lastRecorded.set(ctx.piiReads, Date.now());
  await appendAudit(ctx.dataSource, [
    auditEntryFor(ctx, {
      action: 'pii.read',
      operation,
      targetType: 'golden_profile',
      targetId: ids.length === 1 ? ids[0] : null,
      details: { count: ids.length, profileIds: ids.slice(0, PII_READ_LISTED) },
    }),
  ]);
}

/** The operation as audit entries name it: its root fields, e.g. `profile` or `profiles,segment`. */
export function rootFields(document: DocumentNode | undefined, operationName?: string | null): string {
  const operation = document && getOperationAST(document, operationName ?? undefined);
  const names = (operation?.selectionSet.selections ?? []).flatMap((s) =>
    s.kind === Kind.FIELD ? [s.name.value] : [],
  );
  return names.join(',').slice(0, 200) || 'graphql';
}

const UNRECORDED = 'Internal error; the hub logged the details.';

/**
 * HTTP (Apollo): each request's reads become one entry before its response is sent. Unmasked personal data
 * leaves only once its read is recorded: if the entry cannot be written, the response is replaced by an
 * INTERNAL_ERROR.
 */
export function piiReadAuditPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, document, operationName, response }) {
          try {
            await recordPiiReads(contextValue, rootFields(document, operationName));
          } catch (error) {
            contextValue.logger.error({ err: error }, 'the audit entry of a PII read could not be written');
            response.body = {
              kind: 'single',
              singleResult: { errors: [{ message: UNRECORDED, extensions: { code: ErrorCode.Internal } }] },
            };
          }
        },
      };
    },
  };
}

type Run = (
  args: ExecutionArgs,
) => Promise<ExecutionResult | AsyncIterable<ExecutionResult>> | ExecutionResult | AsyncIterable<ExecutionResult>;

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * WebSocket (graphql-ws `execute` / `subscribe`): a query or mutation records its reads before its result is
 * sent, like HTTP (a failed write replaces the result with INTERNAL_ERROR). A subscription records its reads when
 * it delivers a result, at most once per {@link PII_READ_SUBSCRIPTION_INTERVAL_MS}, and the rest when it ends (the
 * client completes it, the socket closes, the server stops): one entry per minute of a live feed, not one per event.
 * Subscribers sharing one execution (same actor, same operation) have the reads recorded once, under whichever
 * of them ran it.
 */
export function withPiiReadAudit(run: Run) {
  return async (args: ExecutionArgs): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> => {
    const result = await run(args);
    const ctx = args.contextValue as GraphQLContext;
    const operation = rootFields(args.document, args.operationName);
    if (!isAsyncIterable(result)) {
      try {
        await recordPiiReads(ctx, operation);
        return result;
      } catch (error) {
        ctx.logger.error({ err: error }, 'the audit entry of a PII read could not be written');
        return {
          errors: [new GraphQLError(UNRECORDED, { originalError: new HubError(ErrorCode.Internal, UNRECORDED) })],
        };
      }
    }
    const record = async (due: boolean) => {
      if (!ctx.piiReads || ctx.piiReads.size === 0) return;
      if (due && Date.now() - (lastRecorded.get(ctx.piiReads) ?? 0) < PII_READ_SUBSCRIPTION_INTERVAL_MS) return;
      try {
        await recordPiiReads(ctx, operation);
      } catch (error) {
        ctx.logger.error({ err: error }, 'the audit entry of a PII read could not be written');
      }
    };
    const events = result[Symbol.asyncIterator]();
    const done = { done: true, value: undefined } as const;
    const results: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await events.next();
        await record(!step.done);
        return step;
      },
      async return() {
        await record(false);
        return (await events.return?.()) ?? done;
      },
      async throw(error: unknown) {
        await record(false);
        if (events.throw) return events.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return results;
      },
    };
    return results;
  };
}
