import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after`.' })
  endCursor!: string | null;
}

/** Most items a `first` argument may ask for; a larger one is refused (`BAD_USER_INPUT`, see server/hardening). */
export const MAX_PAGE = 200;
/** Most change events one `changes(first)` page may ask for. */
export const MAX_CHANGES_PAGE = 1000;

export function clampFirst(first: number | null | undefined, fallback = 50): number {
  return Math.min(Math.max(first ?? fallback, 1), MAX_PAGE);
}
