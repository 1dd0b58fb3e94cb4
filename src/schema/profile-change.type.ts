import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A committed change to a golden profile.' })
export class ProfileChange {
  @Field(() => ID, { description: 'Id of the change event in the feed.' }) eventId!: string;
  @Field({ description: 'Pass as `after` to resume right after this change.' }) cursor!: string;
  @Field({ description: '`profile.created`, `profile.updated`, …' }) type!: string;
  @Field(() => ID) profileId!: string;
  @Field(() => Int, { description: 'Profile version after the change.' }) version!: number;
  @Field(() => [String], { description: 'Golden fields whose value changed.' }) changedFields!: string[];
  @Field() occurredAt!: Date;
}
