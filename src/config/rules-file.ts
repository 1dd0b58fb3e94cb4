import { readFileSync } from 'node:fs';
import { MappingDefinitionError, validateMapping, type FieldMapping } from '../ingest/mapping/field-mapping';
import {
  DEFAULT_IDENTITY,
  identitySettingsFrom,
  type IdentitySettings,
} from '../identity/resolution/identity-settings';
import {
  DEFAULT_SURVIVORSHIP,
  survivorshipSettingsFrom,
  type SurvivorshipSettings,
} from '../identity/survivorship/survivorship-rules';
import { consentSettingsFrom, DEFAULT_CONSENT, type ConsentSettings } from '../consent/consent-settings';
import type { HubSettings } from '../common/context';
import { DEFAULT_SCORING, scoringSettingsFrom, type ScoringSettings } from '../segments/lead-scoring';
import { ConfigError } from './config';

/**
 * The deployment's rules file (`HUB_CONFIG`, JSON). Each capability owns a section; a section that is absent
 * takes the shipped defaults.
 * @example { "mappings": { "salesforce": { "fields": { "Loyalty_Tier__c": "custom.loyaltyTier" } } } }
 */
export interface HubRules {
  /** Per adapter key: field mappings layered over the adapter's default mapping. */
  mappings: Record<string, Partial<FieldMapping>>;
  /** Matching weights, thresholds and guardrails (see `IdentitySettings`). */
  identity: IdentitySettings;
  /** Per-field rule chains, review fields and the conflict window (see `SurvivorshipSettings`). */
  survivorship: SurvivorshipSettings;
  /** Consent purposes and channels (see `ConsentSettings`). */
  consent: ConsentSettings;
  /** Lead scoring (see `ScoringSettings`). */
  scoring: ScoringSettings;
}

export const DEFAULT_RULES: HubRules = {
  mappings: {},
  identity: DEFAULT_IDENTITY,
  survivorship: DEFAULT_SURVIVORSHIP,
  consent: DEFAULT_CONSENT,
  scoring: DEFAULT_SCORING,
};

/** Reads and validates the rules file; a bad file stops start-up with a message naming the section and rule. */
export function loadRules(file: string | undefined): HubRules {
  if (!file) return DEFAULT_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'not valid JSON';
    throw new ConfigError('HUB_CONFIG', `${file}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('HUB_CONFIG', `${file}: the rules file must be a JSON object`);
  }
  const rules = parsed as Record<string, unknown>;
  const mappings: Record<string, Partial<FieldMapping>> = {};
  const section = rules.mappings ?? {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new ConfigError('HUB_CONFIG', `${file}: "mappings" must be an object keyed by adapter`);
  }
  for (const [adapter, mapping] of Object.entries(section)) {
    try {
      mappings[adapter] = validateMapping({ fields: {}, ...(mapping as object) }, `mappings.${adapter}`);
    } catch (error) {
      if (error instanceof MappingDefinitionError) throw new ConfigError('HUB_CONFIG', `${file}: ${error.message}`);
      throw error;
    }
  }
  let identity: IdentitySettings;
  try {
    identity = identitySettingsFrom(rules.identity);
  } catch (error) {
    throw new ConfigError('HUB_CONFIG', `${file}: ${(error as Error).message}`);
  }
  let survivorship: SurvivorshipSettings;
  try {
    survivorship = survivorshipSettingsFrom(rules.survivorship);
  } catch (error) {
    throw new ConfigError('HUB_CONFIG', `${file}: ${(error as Error).message}`);
  }
  let consent: ConsentSettings;
  try {
    consent = consentSettingsFrom(rules.consent);
  } catch (error) {
    throw new ConfigError('HUB_CONFIG', `${file}: ${(error as Error).message}`);
  }
  let scoring: ScoringSettings;
  try {
    scoring = scoringSettingsFrom(rules.scoring);
  } catch (error) {
    throw new ConfigError('HUB_CONFIG', `${file}: ${(error as Error).message}`);
  }
  return { ...DEFAULT_RULES, ...rules, mappings, identity, survivorship, consent, scoring };
}

/** What services read of the configuration: the phone region and the rules file's sections. */
export function hubSettings(phoneRegion: string | undefined, rules: HubRules): HubSettings {
  return {
    phoneRegion,
    identity: rules.identity,
    survivorship: rules.survivorship,
    consent: rules.consent,
    scoring: rules.scoring,
  };
}
