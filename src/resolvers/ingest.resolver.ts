import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { requireScopes } from '../auth/auth-checker';
import { ingestScope } from '../auth/principal';
import { ErrorCode, HubError } from '../common/hub-error';
import { ingestBatch } from '../ingest/ingest-batch';
import { MAX_BATCH } from '../ingest/ingest-records';
import { IngestAccepted, IngestPayload, IngestRejected, IngestStatus } from '../schema/ingest.type';
import { profileGlobalId, sourceRecordGlobalId } from '../schema/profile.mapper';
import type { GraphQLContext } from '../server/context';

@Resolver()
export class IngestResolver {
  @Mutation(() => IngestPayload, {
    description:
      'Ingests canonical records (see the README for the shape). Each record is accepted or rejected on its own; ' +
      'rejected records are kept as dead letters with their raw payload.',
  })
  async ingest(
    @Arg('source', () => String, {
      nullable: true,
      description: 'Source key, e.g. `salesforce`; records may name it instead.',
    })
    source: string | null,
    @Arg('records', () => [GraphQLJSONObject], { description: `Canonical records, at most ${MAX_BATCH} per call.` })
    records: Record<string, unknown>[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestPayload> {
    if (records.length > MAX_BATCH) {
      throw new HubError(
        ErrorCode.TooManyRecords,
        `at most ${MAX_BATCH} records per call; use profile-hub import for bulk loads`,
      );
    }
    // A token ingests only as the sources it names (`ingest:<source>`): a HubSpot token cannot write as Salesforce.
    const sources = new Set(source ? [source] : []);
    for (const record of records) if (typeof record.source === 'string') sources.add(record.source);
    requireScopes(ctx, [...sources].map(ingestScope));
    const outcomes = await ingestBatch(ctx, { source: source ?? undefined, records, transport: 'graphql' });
    const results = outcomes.map((outcome): IngestAccepted | IngestRejected =>
      outcome.status === 'REJECTED'
        ? Object.assign(new IngestRejected(), outcome)
        : Object.assign(new IngestAccepted(), {
            ...outcome,
            status: outcome.status as IngestStatus,
            sourceRecordId: outcome.sourceRecordId && sourceRecordGlobalId(outcome.sourceRecordId),
            profileId: outcome.profileId && profileGlobalId(outcome.profileId),
          }),
    );
    const rejected = results.filter((r) => r instanceof IngestRejected).length;
    return { accepted: results.length - rejected, rejected, results };
  }
}
