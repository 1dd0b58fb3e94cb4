import { DEFAULT_SURVIVORSHIP, rulesFor, survivorshipSettingsFrom } from './survivorship-rules';

describe('survivorshipSettingsFrom', () => {
  it('keeps the defaults for fields the rules file does not name', () => {
    const settings = survivorshipSettingsFrom({ fields: { phone: ['earliest'] } });
    expect(settings.fields.phone).toEqual({ rules: [{ rule: 'earliest' }], review: false });
    expect(settings.fields.email).toEqual(DEFAULT_SURVIVORSHIP.fields.email);
    expect(survivorshipSettingsFrom(undefined)).toBe(DEFAULT_SURVIVORSHIP);
  });

  it('reads both spellings of a chain and the rules with arguments', () => {
    const settings = survivorshipSettingsFrom({
      fields: {
        company: [{ sourceOfTruth: 'salesforce' }],
        email: { rules: [{ sourcePriority: ['hubspot', 'salesforce'] }, 'mostRecent'], review: true },
        'custom.tier': ['mostFrequent', 'longest'],
      },
      default: ['earliest'],
      conflictWindowSeconds: 3600,
    });
    expect(settings.fields.company.rules).toEqual([{ rule: 'sourceOfTruth', source: 'salesforce' }]);
    expect(settings.fields.email).toEqual({
      rules: [{ rule: 'sourcePriority', sources: ['hubspot', 'salesforce'] }, { rule: 'mostRecent' }],
      review: true,
    });
    expect(settings.default.rules).toEqual([{ rule: 'earliest' }]);
    expect(settings.conflictWindowSeconds).toBe(3600);
  });

  it.each<[string, unknown, string]>([
    ['an unknown rule', { fields: { email: ['newest'] } }, 'survivorship.fields.email.rules[0]: unknown rule "newest"'],
    ['an unknown field', { fields: { emial: ['mostRecent'] } }, 'survivorship.fields.emial: not a golden field'],
    ['an address part', { fields: { 'address.city': ['mostRecent'] } }, 'give the rules of "address" instead'],
    ['a rule without its sources', { fields: { email: ['sourcePriority'] } }, 'sourcePriority needs its sources'],
    ['an empty priority', { fields: { email: [{ sourcePriority: [] }] } }, 'non-empty list of source keys'],
    ['a source listed twice', { fields: { email: [{ sourcePriority: ['a', 'a'] }] } }, 'lists a source twice'],
    ['an empty chain', { fields: { email: [] } }, 'survivorship.fields.email.rules must be a non-empty list'],
    [
      'a bad review flag',
      { fields: { email: { rules: ['mostRecent'], review: 'yes' } } },
      'review must be true or false',
    ],
    ['an unknown setting', { fieldz: {} }, 'survivorship.fieldz is not a known setting'],
    ['a negative window', { conflictWindowSeconds: -1 }, 'conflictWindowSeconds must be a whole number'],
    ['two rules in one step', { fields: { email: [{ mostRecent: true, earliest: true }] } }, 'one-key object'],
  ])('names the field and rule of %s', (_, raw, message) => {
    expect(() => survivorshipSettingsFrom(raw)).toThrow(message);
  });
});

describe('rulesFor', () => {
  const settings = survivorshipSettingsFrom({
    fields: { 'custom.hubspot.*': ['earliest'], 'custom.hubspot.score': ['longest'], 'custom.*': ['mostFrequent'] },
  });
  it('takes the exact field, then the longest matching prefix, then the default', () => {
    expect(rulesFor(settings, 'custom.hubspot.score').rules).toEqual([{ rule: 'longest' }]);
    expect(rulesFor(settings, 'custom.hubspot.tier').rules).toEqual([{ rule: 'earliest' }]);
    expect(rulesFor(settings, 'custom.other').rules).toEqual([{ rule: 'mostFrequent' }]);
    expect(rulesFor(settings, 'address.city')).toBe(settings.fields.address);
    expect(rulesFor(DEFAULT_SURVIVORSHIP, 'custom.anything')).toBe(DEFAULT_SURVIVORSHIP.default);
  });
});
