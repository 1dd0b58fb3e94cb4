import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PiiText } from '../auth/pii-mask';
import { PageInfo } from './connection.type';

export enum DeadLetterStatus {
  OPEN = 'open',
  REPLAYED = 'replayed',
  DISCARDED = 'discarded',
}
registerEnumType(DeadLetterStatus, { name: 'DeadLetterStatus' });

export enum ReplayStatus {
  REPLAYED = 'REPLAYED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(ReplayStatus, {
  name: 'ReplayStatus',
  valuesConfig: {
    REPLAYED: { description: 'Went through the pipeline; the letter is closed.' },
    FAILED: { description: 'Still rejected; the letter stays open with the new reason.' },
    SKIPPED: { description: 'Never replayed (refused for authenticity): kept as evidence.' },
  },
});

@ObjectType({ description: 'An input the hub refused, kept with its raw payload so it can be fixed and replayed.' })
export class DeadLetter {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) source!: string | null;
  @Field({ description: 'graphql, http, webhook, file or amqp.' }) transport!: string;
  @Field() contentType!: string;
  @Field({ description: 'Exactly what was received (masked as a whole without `pii:read`).' })
  @PiiText()
  rawPayload!: string;
  @Field(() => Int, { nullable: true, description: 'Position of the record in its request, file line or body.' })
  recordIndex!: number | null;
  @Field() code!: string;
  @Field() message!: string;
  @Field(() => String, { nullable: true }) path!: string | null;
  @Field(() => DeadLetterStatus) status!: DeadLetterStatus;
  @Field(() => Int) attempts!: number;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) replayedAt!: Date | null;
}

@ObjectType()
export class DeadLetterEdge {
  @Field() cursor!: string;
  @Field(() => DeadLetter) node!: DeadLetter;
}

@ObjectType()
export class DeadLetterConnection {
  @Field(() => [DeadLetterEdge]) edges!: DeadLetterEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType({ description: 'Which open dead letters to replay; all given conditions must hold.' })
export class ReplayDeadLettersInput {
  @Field(() => [ID], { nullable: true }) ids?: string[];
  @Field(() => String, { nullable: true }) source?: string;
  @Field(() => String, { nullable: true }) code?: string;
  @Field(() => Int, { nullable: true, description: 'At most this many (default 100, at most 1000).' }) limit?: number;
}

@ObjectType()
export class ReplayOutcome {
  @Field(() => ID) deadLetterId!: string;
  @Field(() => ReplayStatus) status!: ReplayStatus;
  @Field(() => String, { nullable: true }) code!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}

@ObjectType()
export class ReplayDeadLettersPayload {
  @Field(() => Int) replayed!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => [ReplayOutcome]) results!: ReplayOutcome[];
}
