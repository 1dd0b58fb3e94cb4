import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { inTransaction } from '../common/context';
import { fromGlobalId } from '../common/global-id';
import { eraseProfile } from '../privacy/erase-profile';
import { exportProfile } from '../privacy/export-profile';
import { ActionRefused } from '../schema/merge.type';
import {
  ErasureReason,
  EraseProfileResult,
  ExportProfileResult,
  ProfileErased,
  ProfileExport,
} from '../schema/privacy.type';
import { profileGlobalId } from '../schema/profile.mapper';
import type { GraphQLContext } from '../server/context';

const refused = (code: string, message: string) => Object.assign(new ActionRefused(), { code, message });

@Resolver()
export class PrivacyResolver {
  @Authorized(Scope.PrivacyExport)
  @Mutation(() => ExportProfileResult, {
    description:
      'Right of access: everything the hub holds on the person, as one JSON document. Any id of the person ' +
      'works (merges are followed). The export is recorded in the audit trail.',
  })
  async exportProfile(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
  ): Promise<typeof ExportProfileResult> {
    const profileId = fromGlobalId('Profile', id);
    const outcome = await inTransaction(ctx, (tx) => exportProfile(tx, { profileId }));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new ProfileExport(), {
      profileId: profileGlobalId(outcome.profileId),
      generatedAt: outcome.generatedAt,
      document: outcome.document,
    });
  }

  @Authorized(Scope.PrivacyErase)
  @Mutation(() => EraseProfileResult, {
    description:
      'Right to erasure: removes the personal data of the person (and of every profile merged into theirs) from ' +
      'every table, keeps non-personal tombstones, puts their identifiers on the suppression list (keyed HMACs) ' +
      'and tells every recipient with a `profile.erased` change event. Refused with NOT_FOUND or ALREADY_ERASED.',
  })
  async eraseProfile(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => ErasureReason) reason: ErasureReason,
  ): Promise<typeof EraseProfileResult> {
    const profileId = fromGlobalId('Profile', id);
    const outcome = await inTransaction(ctx, (tx) => eraseProfile(tx, { profileId, reason }));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new ProfileErased(), {
      profileId: profileGlobalId(outcome.profileId),
      absorbedProfileIds: outcome.absorbedProfileIds.map(profileGlobalId),
      erasedAt: outcome.erasedAt,
      sourceRecords: outcome.sourceRecords,
      suppressionEntries: outcome.suppressionEntries,
    });
  }
}
