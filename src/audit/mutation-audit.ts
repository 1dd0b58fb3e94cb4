import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isInputObjectType,
  isObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode, HubError } from '../common/hub-error';
import type { GraphQLContext } from '../server/context';
import { appendAudit, auditEntryFor } from './audit-trail';

type Args = Record<string, unknown>;

interface Target {
  type: string;
  id: string | null;
}

/** How one mutation appears in the audit trail. */
interface MutationAudit {
  /** The domain verb, e.g. `profile.pin`; a service that records its own entry uses the same one. */
  action: string;
  /** What it acts on; `result` is the resolver's value (for what a mutation creates), undefined when it threw. */
  target(args: Args, result: unknown): Target;
  /** Details beyond outcome and argument names; ids, enums and field names only, never values of a person. */
  details?(args: Args): Record<string, unknown>;
  /**
   * The service records the successful mutation itself, inside its own transaction and with richer details
   * (ingest: counts per batch; erasure; export; dead-letter replay): only refusals and failures are written here.
   */
  recordedByService?: true;
}

/** The local id of a global id of `type` (`Profile:<uuid>` in base64url); a bare id as it came (at most 100 chars). */
function localId(type: string, id: unknown): string | null {
  if (typeof id !== 'string' || id === '') return null;
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const local = decoded.startsWith(`${type}:`) ? decoded.slice(type.length + 1) : id;
  return /^[0-9a-f-]{36}$/i.test(local) ? local.toLowerCase() : local.slice(0, 100);
}

const input = (args: Args): Args => (args.input as Args | undefined) ?? {};
const profile = (id: unknown): Target => ({ type: 'golden_profile', id: localId('Profile', id) });
const webhookSubscription = (id: unknown): Target => ({
  type: 'webhook_subscription',
  id: localId('WebhookSubscription', id),
});
const text = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, 100) : null);

/**
 * Every mutation of the schema, by field name. A test fails when a mutation is missing here; one that is missing
 * anyway is still recorded (action `graphql.<field>`, the `id` argument as target).
 */
export const MUTATION_AUDIT: Readonly<Record<string, MutationAudit>> = {
  ingest: {
    action: 'records.ingest',
    target: (args) => ({ type: 'source', id: text(args.source) }),
    details: (args) => ({ records: Array.isArray(args.records) ? args.records.length : 0 }),
    recordedByService: true,
  },
  setConsent: {
    action: 'consent.set',
    target: (args) => profile(input(args).profileId),
    details: (args) => ({ status: input(args).status }),
  },
  defineSegment: { action: 'segment.define', target: (args) => ({ type: 'segment', id: text(args.key) }) },
  deleteSegment: { action: 'segment.delete', target: (args) => ({ type: 'segment', id: text(args.key) }) },
  mergeProfiles: {
    action: 'profile.merge',
    target: (args) => profile((args.profileIds as unknown[] | undefined)?.[0]),
    details: (args) => ({
      profileIds: ((args.profileIds as unknown[] | undefined) ?? []).slice(0, 10).map((id) => localId('Profile', id)),
    }),
  },
  approveMergeCandidate: {
    action: 'merge_candidate.approve',
    target: (args) => ({ type: 'merge_candidate', id: localId('MergeCandidate', args.id) }),
  },
  rejectMergeCandidate: {
    action: 'merge_candidate.reject',
    target: (args) => ({ type: 'merge_candidate', id: localId('MergeCandidate', args.id) }),
  },
  unmergeSourceRecord: {
    action: 'source_record.unmerge',
    target: (args) => ({ type: 'source_record', id: localId('SourceRecord', args.sourceRecordId) }),
    details: (args) => ({ targetProfileId: localId('Profile', args.targetProfileId) }),
  },
  pinAttribute: {
    action: 'profile.pin',
    target: (args) => profile(args.profileId),
    details: (args) => ({ field: text(args.field), sourceRecordId: localId('SourceRecord', args.sourceRecordId) }),
  },
  unpinAttribute: {
    action: 'profile.unpin',
    target: (args) => profile(args.profileId),
    details: (args) => ({ field: text(args.field) }),
  },
  resolveConflict: {
    action: 'conflict.resolve',
    target: (args) => ({ type: 'conflict', id: localId('Conflict', args.id) }),
    details: (args) => ({ sourceRecordId: localId('SourceRecord', args.sourceRecordId) }),
  },
  replayDeadLetters: {
    action: 'dead_letters.replayed',
    target: () => ({ type: 'dead_letter', id: null }),
    recordedByService: true,
  },
  eraseProfile: {
    action: 'profile.erase',
    target: (args) => profile(args.id),
    details: (args) => ({ reason: args.reason }),
    recordedByService: true,
  },
  exportProfile: { action: 'profile.export', target: (args) => profile(args.id), recordedByService: true },
  createWebhookSubscription: {
    action: 'webhook_subscription.create',
    target: (_args, result) =>
      webhookSubscription((result as { subscription?: { id?: unknown } } | undefined)?.subscription?.id),
  },
  updateWebhookSubscription: {
    action: 'webhook_subscription.update',
    target: (args) => webhookSubscription(args.id),
    details: (args) => ({ status: input(args).status }),
  },
  pauseWebhookSubscription: { action: 'webhook_subscription.pause', target: (args) => webhookSubscription(args.id) },
  resumeWebhookSubscription: {
    action: 'webhook_subscription.resume',
    target: (args) => webhookSubscription(args.id),
  },
  deleteWebhookSubscription: {
    action: 'webhook_subscription.delete',
    target: (args) => webhookSubscription(args.id),
  },
  redeliverWebhook: {
    action: 'webhook_delivery.redeliver',
    target: (args) => ({ type: 'webhook_delivery', id: localId('WebhookDelivery', args.deliveryId) }),
  },
  redeliverDeadWebhooks: {
    action: 'webhook_subscription.redeliver_dead',
    target: (args) => webhookSubscription(args.subscriptionId),
  },
};

function auditOf(fieldName: string): MutationAudit {
  return (
    MUTATION_AUDIT[fieldName] ?? {
      action: `graphql.${fieldName}`,
      target: (args) => ({ type: 'graphql_mutation', id: text(args.id) }),
    }
  );
}

/** The names of the arguments given, sorted (`input.url` for the fields of an input object) — never their values. */
function argumentNames(info: GraphQLResolveInfo, args: Args): string[] {
  const definitions = info.parentType.getFields()[info.fieldName]?.args ?? [];
  const names: string[] = [];
  for (const definition of definitions) {
    const value = args[definition.name];
    if (value === undefined || value === null) continue;
    const type = getNamedType(definition.type);
    if (isInputObjectType(type) && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Object.keys(type.getFields())) {
        const inner = (value as Args)[key];
        if (inner !== undefined && inner !== null) names.push(`${definition.name}.${key}`);
      }
    } else {
      names.push(definition.name);
    }
  }
  return names.sort();
}

/** A value the schema types as an `ErrorResult` (e.g. `ActionRefused`): an expected refusal returned as data. */
function refusalCode(info: GraphQLResolveInfo, result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const type = info.schema.getType(result.constructor.name);
  if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'ErrorResult')) return undefined;
  const code = (result as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function thrownCode(error: unknown): string | undefined {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof HubError) return original.code;
  const code = original instanceof GraphQLError ? original.extensions?.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

type Outcome = { outcome: 'ok' } | { outcome: 'refused' | 'failed'; code: string };

/**
 * Records every root mutation in the audit trail, over HTTP and WebSocket alike: one entry once the resolver has
 * returned — `details.outcome` `ok`; `refused` with the code when it returned an `ErrorResult` or threw a coded
 * error (a missing scope included); `failed` with INTERNAL_ERROR for anything else. Actor, scopes, request id
 * from the context; operation = the field name; target = the id argument; details = outcome, the names of the
 * arguments given and a few ids or enums, never values. Mutations whose service records its own entry
 * (`recordedByService`) are written here only when refused or failed. The entry is appended after the resolver's
 * transaction has committed, in a statement of its own; if that append fails the result still goes out and the
 * failure is logged.
 */
export const auditMutation: MiddlewareFn<GraphQLContext> = async ({ args, context, info }, next) => {
  const audit = auditOf(info.fieldName);
  // Services (and the audit entries they write) read the operation from the context; mutations run one at a time.
  context.operation = info.fieldName;
  let result: unknown;
  let outcome: Outcome;
  try {
    result = await next();
    const code = refusalCode(info, result);
    outcome = code === undefined ? { outcome: 'ok' } : { outcome: 'refused', code };
  } catch (error) {
    const code = thrownCode(error);
    outcome = code === undefined ? { outcome: 'failed', code: ErrorCode.Internal } : { outcome: 'refused', code };
    await record(context, info, args, audit, outcome, undefined);
    throw error;
  }
  if (!(audit.recordedByService && outcome.outcome === 'ok')) {
    await record(context, info, args, audit, outcome, result);
  }
  return result;
};

async function record(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  args: Args,
  audit: MutationAudit,
  outcome: Outcome,
  result: unknown,
): Promise<void> {
  try {
    const target = audit.target(args, result);
    const extra = Object.entries(audit.details?.(args) ?? {}).filter(([, value]) => value !== null);
    const details = { ...outcome, arguments: argumentNames(info, args), ...Object.fromEntries(extra) };
    await appendAudit(ctx.dataSource, [
      auditEntryFor(ctx, {
        action: audit.action,
        operation: info.fieldName,
        targetType: target.type,
        targetId: target.id,
        details,
      }),
    ]);
  } catch (error) {
    ctx.logger.error({ err: error, operation: info.fieldName }, 'the audit entry of a mutation could not be written');
  }
}

/**
 * Runs {@link auditMutation} around every root Mutation field of `schema` (the schema HTTP and WebSocket share).
 * Only the Mutation fields: a type-graphql global middleware would wrap every field of every result too, which
 * more than doubles the execution time of large results for nothing. Wrapping the field's resolver also puts the
 * `@Authorized` check inside, so refusals for a missing scope are recorded.
 */
export function auditMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (root, args, context: GraphQLContext, info) =>
      auditMutation({ root, args, context, info }, async () => resolve(root, args, context, info));
  }
  return schema;
}
