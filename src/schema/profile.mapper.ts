import { toGlobalId } from '../common/global-id';
import { nestAttributes, type FlatAttributes } from '../identity/golden-attributes';
import type { ProfileView, SourceRecordView } from '../identity/queries/profile-reads';
import type { FieldLineage } from '../identity/survivorship/compute-golden';
import { Address, GoldenField, Profile, ProfileStatus, SourceRecord } from './profile.type';

const str = (attributes: FlatAttributes, field: string) => {
  const value = attributes[field];
  return value === undefined || value === null ? null : String(value);
};

export const profileGlobalId = (id: string) => toGlobalId('Profile', id);
export const sourceRecordGlobalId = (id: string) => toGlobalId('SourceRecord', id);

export function toProfile(view: ProfileView): Profile {
  const a = view.attributes;
  const address: Address = {
    line1: str(a, 'address.line1'),
    line2: str(a, 'address.line2'),
    city: str(a, 'address.city'),
    postalCode: str(a, 'address.postalCode'),
    region: str(a, 'address.region'),
    country: str(a, 'address.country'),
  };
  const custom = (nestAttributes(Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith('custom.'))))
    .custom ?? {}) as Record<string, unknown>;
  return {
    id: profileGlobalId(view.id),
    status: view.status as ProfileStatus,
    mergedIntoId: view.mergedIntoId ? profileGlobalId(view.mergedIntoId) : null,
    version: view.version,
    email: str(a, 'email'),
    phone: str(a, 'phone'),
    firstName: str(a, 'firstName'),
    lastName: str(a, 'lastName'),
    birthDate: str(a, 'birthDate'),
    company: str(a, 'company'),
    jobTitle: str(a, 'jobTitle'),
    address: Object.values(address).some((v) => v !== null) ? address : null,
    custom,
    leadScore: view.leadScore,
    lifecycleStage: view.lifecycleStage,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

export function toGoldenField(name: string, lineage: FieldLineage, profileId?: string): GoldenField {
  return {
    profileId,
    name,
    value: lineage.value,
    source: lineage.source,
    sourceRecordId: lineage.sourceRecordId ? sourceRecordGlobalId(lineage.sourceRecordId) : null,
    rule: lineage.rule,
    updatedAt: lineage.updatedAt ? new Date(lineage.updatedAt) : null,
    pinned: lineage.pinned,
  };
}

export function toSourceRecord(view: SourceRecordView): SourceRecord {
  return {
    id: sourceRecordGlobalId(view.id),
    source: view.source,
    externalId: view.externalId,
    objectType: view.objectType,
    profileId: profileGlobalId(view.profileId),
    deleted: view.deleted,
    attributes: nestAttributes(view.attributes),
    fieldUpdatedAt: view.fieldUpdatedAt,
    sourceUpdatedAt: view.sourceUpdatedAt,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}
