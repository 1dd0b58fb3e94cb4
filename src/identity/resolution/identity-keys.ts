import type { FlatAttributes } from '../golden-attributes';
import { blockingKeys } from '../matching/blocking';
import { isJunkIdentifier } from '../matching/junk-values';
import { featuresFromAttributes, type PersonFeatures } from '../matching/person-features';

/** An identifier a record can be matched on: its type and normalised value. */
export interface MatchIdentifier {
  type: string;
  value: string;
}

/** What identity resolution needs to know about one live source record. */
export interface IdentityKeys {
  features: PersonFeatures;
  /** Email and phone from the attributes, not junk. */
  contactPoints: MatchIdentifier[];
  /** Declared identifiers (customer numbers …): deterministic, not junk. */
  declared: MatchIdentifier[];
  blockingKeys: string[];
}

/**
 * Derives the matching keys of a source record's current state. Junk values (`test@test.com`, `0000000`,
 * role inboxes, the deployment's blocked values) yield no key at all, so they can never join two people.
 */
export function identityKeys(
  attributes: FlatAttributes,
  declared: MatchIdentifier[],
  blockedValues: readonly string[] = [],
): IdentityKeys {
  const features = featuresFromAttributes(attributes);
  const junk = (type: string, value: string) => isJunkIdentifier(type, value, { blocked: blockedValues });
  const contactPoints: MatchIdentifier[] = [];
  if (features.email && !junk('email', features.email)) contactPoints.push({ type: 'email', value: features.email });
  if (features.phone && !junk('phone', features.phone)) contactPoints.push({ type: 'phone', value: features.phone });
  const usable: PersonFeatures = {
    ...features,
    email: contactPoints.find((c) => c.type === 'email')?.value,
    phone: contactPoints.find((c) => c.type === 'phone')?.value,
  };
  return {
    features: usable,
    contactPoints,
    declared: declared.filter((d) => !junk(d.type, d.value)),
    blockingKeys: [...new Set(blockingKeys(usable))],
  };
}
