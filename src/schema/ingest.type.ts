import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorResult } from './error-result.type';

export enum IngestStatus {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  DUPLICATE = 'DUPLICATE',
}
registerEnumType(IngestStatus, {
  name: 'IngestStatus',
  description: 'What happened to an accepted record.',
  valuesConfig: {
    CREATED: { description: 'A new source record.' },
    UPDATED: { description: 'The source record changed.' },
    UNCHANGED: { description: 'Nothing newer than what the hub holds.' },
    DUPLICATE: { description: 'A replay: this event id was processed before.' },
  },
});

@ObjectType({ description: 'A record the hub committed.' })
export class IngestAccepted {
  @Field(() => Int, { description: 'Position of the record in the request.' }) index!: number;
  @Field(() => IngestStatus) status!: IngestStatus;
  @Field() source!: string;
  @Field() externalId!: string;
  @Field(() => ID, { nullable: true }) sourceRecordId!: string | null;
  @Field(() => ID, { nullable: true }) profileId!: string | null;
}

@ObjectType({ implements: ErrorResult, description: 'A record the hub refused; it is kept as a dead letter.' })
export class IngestRejected extends ErrorResult {
  @Field(() => Int, { description: 'Position of the record in the request.' }) index!: number;
  @Field({ description: 'JSON path of the offending value inside the record, e.g. `$.attributes.email`.' })
  path!: string;
  @Field(() => ID, { description: 'The dead letter holding the raw record, for replay.' }) deadLetterId!: string;
}

export const IngestResult = createUnionType({
  name: 'IngestResult',
  types: () => [IngestAccepted, IngestRejected] as const,
  resolveType: (value) => ('code' in value ? IngestRejected : IngestAccepted),
});

@ObjectType({ description: 'Per-record results of an ingest call, in request order.' })
export class IngestPayload {
  @Field(() => Int) accepted!: number;
  @Field(() => Int) rejected!: number;
  @Field(() => [IngestResult]) results!: (IngestAccepted | IngestRejected)[];
}
