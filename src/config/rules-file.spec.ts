import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config';
import { DEFAULT_IDENTITY } from '../identity/resolution/identity-settings';
import { DEFAULT_SURVIVORSHIP } from '../identity/survivorship/survivorship-rules';
import { DEFAULT_CONSENT } from '../consent/consent-settings';
import { DEFAULT_SCORING } from '../segments/lead-scoring';
import { loadRules } from './rules-file';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rules-'));
const file = (name: string, content: string) => {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
};

describe('loadRules', () => {
  it('takes the defaults without a file', () => {
    expect(loadRules(undefined)).toEqual({
      mappings: {},
      identity: DEFAULT_IDENTITY,
      survivorship: DEFAULT_SURVIVORSHIP,
      consent: DEFAULT_CONSENT,
      scoring: DEFAULT_SCORING,
    });
  });

  it('reads per-adapter mappings', () => {
    const rules = loadRules(
      file(
        'ok.json',
        JSON.stringify({ mappings: { salesforce: { fields: { Loyalty_Tier__c: 'custom.loyaltyTier' } } } }),
      ),
    );
    expect(rules.mappings.salesforce.fields).toEqual({ Loyalty_Tier__c: 'custom.loyaltyTier' });
  });

  it('reads survivorship rules over the defaults', () => {
    const rules = loadRules(
      file(
        'survivorship.json',
        JSON.stringify({ survivorship: { fields: { company: [{ sourceOfTruth: 'dynamics' }] } } }),
      ),
    );
    expect(rules.survivorship.fields.company.rules).toEqual([{ rule: 'sourceOfTruth', source: 'dynamics' }]);
    expect(rules.survivorship.fields.email).toEqual(DEFAULT_SURVIVORSHIP.fields.email);
  });

  it.each([
    ['missing.json', null, /HUB_CONFIG: .*missing.json: file not found/],
    ['broken.json', '{ "mappings": ', /HUB_CONFIG: .*broken.json: not valid JSON/],
    ['array.json', '[]', /must be a JSON object/],
    [
      'bad-target.json',
      JSON.stringify({ mappings: { hubspot: { fields: { shoe_size: 'shoeSize' } } } }),
      /mappings.hubspot: field "shoe_size" maps to "shoeSize", which is not a canonical path/,
    ],
    [
      'bad-format.json',
      JSON.stringify({ mappings: { hubspot: { fields: { dob: { path: 'birthDate', format: 'date:YY' } } } } }),
      /field "dob" has unknown format "date:YY"/,
    ],
    [
      'bad-guardrail.json',
      JSON.stringify({ identity: { guardrails: { maxClusterSize: 0 } } }),
      /identity.guardrails.maxClusterSize must be a whole number ≥ 1/,
    ],
    [
      'bad-survivorship.json',
      JSON.stringify({ survivorship: { fields: { phone: ['mostRecent', 'newest'] } } }),
      /survivorship.fields.phone.rules\[1\]: unknown rule "newest"/,
    ],
  ])('stops on %s with a message naming the rule', (name, content, message) => {
    const target = content === null ? path.join(dir, name) : file(name, content);
    expect(() => loadRules(target)).toThrow(ConfigError);
    expect(() => loadRules(target)).toThrow(message);
  });
});
