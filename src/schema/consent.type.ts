import { GraphQLJSONObject } from 'graphql-scalars';
import { createUnionType, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PiiField, PiiJson } from '../auth/pii-mask';
import { ActionRefused } from './merge.type';
import { Profile } from './profile.type';

export enum ConsentStatus {
  GRANTED = 'granted',
  DENIED = 'denied',
  WITHDRAWN = 'withdrawn',
  PENDING = 'pending',
  EXPIRED = 'expired',
}
registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: '`pending`: a double opt-in awaiting confirmation; `expired`: a grant past its expiry.',
});

export enum StatementStatus {
  GRANTED = 'granted',
  DENIED = 'denied',
  WITHDRAWN = 'withdrawn',
  PENDING = 'pending',
}
registerEnumType(StatementStatus, { name: 'ConsentStatementStatus', description: 'What a consent statement says.' });

@ObjectType({
  description: 'The current consent of one purpose × channel × contact point, and the statement that decides it.',
})
export class Consent {
  @Field() purpose!: string;
  @Field() channel!: string;
  @Field(() => String, { nullable: true, description: "Which email or phone; null for the person's any." })
  @PiiField('contactPoint')
  contactPoint!: string | null;
  @Field(() => ConsentStatus) status!: ConsentStatus;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
  @Field({ description: 'Source of the deciding statement (`hub` for a merge that kept the most restrictive).' })
  source!: string;
  @Field() capturedAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => ID) statementId!: string;
}

@ObjectType({ description: 'One consent statement as it was made (statements are never changed).' })
export class ConsentStatement {
  @Field(() => ID) id!: string;
  @Field() purpose!: string;
  @Field() channel!: string;
  @Field(() => String, { nullable: true })
  @PiiField('contactPoint')
  contactPoint!: string | null;
  @Field(() => StatementStatus) status!: StatementStatus;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
  @Field() source!: string;
  @Field({ description: 'When the person stated it.' }) capturedAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => GraphQLJSONObject, { description: 'Form, IP, text version … as the source reported them.' })
  @PiiJson()
  evidence!: Record<string, unknown>;
  @Field(() => String, { nullable: true, description: 'Who recorded it through the API.' }) recordedBy!: string | null;
  @Field({ description: 'When the hub recorded it.' }) recordedAt!: Date;
}

@InputType()
export class SetConsentInput {
  @Field(() => ID) profileId!: string;
  @Field() purpose!: string;
  @Field() channel!: string;
  @Field(() => String, { nullable: true, description: "An email or phone of the person; omit for the person's any." })
  contactPoint?: string | null;
  @Field(() => StatementStatus) status!: StatementStatus;
  @Field(() => String, { nullable: true, description: 'e.g. `consent`, `legitimate_interest`.' }) legalBasis?:
    string | null;
  @Field(() => Date, { nullable: true, description: 'When the person stated it; default now.' })
  capturedAt?: Date | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Form, IP, text version …' })
  evidence?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'The system that captured it; default `api`.' }) source?:
    string | null;
}

@ObjectType({ description: 'A consent statement recorded; the profile and its current consents as they are now.' })
export class ConsentRecorded {
  @Field(() => ID) statementId!: string;
  @Field(() => Profile) profile!: Profile;
}

export const SetConsentResult = createUnionType({
  name: 'SetConsentResult',
  types: () => [ConsentRecorded, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : ConsentRecorded),
});

@ObjectType({ description: 'A change of a current consent, from the durable change feed.' })
export class ConsentChange {
  @Field(() => ID, { description: 'Change event id.' }) eventId!: string;
  @Field({ description: 'Resume after this change: pass it as `after` when reconnecting.' }) cursor!: string;
  @Field(() => ID) profileId!: string;
  @Field() purpose!: string;
  @Field() channel!: string;
  @Field(() => String, { nullable: true }) contactPoint!: string | null;
  @Field(() => ConsentStatus, { nullable: true, description: 'Null when the scope has no statement any more.' })
  status!: ConsentStatus | null;
  @Field(() => ConsentStatus, { nullable: true }) previousStatus!: ConsentStatus | null;
  @Field(() => String, { nullable: true }) source!: string | null;
  @Field() occurredAt!: Date;
}
