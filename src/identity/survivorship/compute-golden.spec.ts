import fc from 'fast-check';
import { computeGolden, goldenByChains, type Pin, type SurvivorshipInput } from './compute-golden';
import { DEFAULT_SURVIVORSHIP, survivorshipSettingsFrom, type SurvivorshipSettings } from './survivorship-rules';

const rec = (
  id: string,
  source: string,
  attributes: SurvivorshipInput['attributes'],
  at: string,
  deleted = false,
): SurvivorshipInput => ({
  id,
  source,
  externalId: `ext-${id}`,
  deleted,
  attributes,
  fieldUpdatedAt: Object.fromEntries(Object.keys(attributes).map((k) => [k, at])),
});

/** Settings with one field's chain given in rules-file syntax. */
const only = (field: string, chain: unknown, extra: Record<string, unknown> = {}): SurvivorshipSettings =>
  survivorshipSettingsFrom({ fields: { [field]: chain }, ...extra });

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';
const MAR = '2026-03-01T00:00:00.000Z';

describe('computeGolden: the shipped defaults of a CRM + MA deployment', () => {
  const crm = rec('r1', 'salesforce', { email: 'old@x.io', firstName: 'Ann', company: 'Acme' }, JAN);
  const ma = rec('r2', 'hubspot', { email: 'new@x.io', firstName: 'Annie', company: 'Acme Inc', phone: null }, FEB);

  it('takes names and company from the CRM, email from whoever set it last, with lineage', () => {
    const golden = computeGolden([crm, ma]);
    expect(golden.attributes).toEqual({ email: 'new@x.io', firstName: 'Ann', company: 'Acme' });
    expect(golden.lineage.email).toEqual({
      value: 'new@x.io',
      source: 'hubspot',
      sourceRecordId: 'r2',
      rule: 'mostRecent',
      updatedAt: FEB,
      pinned: false,
    });
    expect(golden.lineage.firstName).toMatchObject({ source: 'salesforce', rule: 'sourcePriority', updatedAt: JAN });
  });

  it("takes the MA platform's marketing attributes first", () => {
    const crmTier = rec('r1', 'salesforce', { 'custom.hubspot.tier': 'gold' }, MAR);
    const maTier = rec('r2', 'hubspot', { 'custom.hubspot.tier': 'silver' }, JAN);
    expect(computeGolden([crmTier, maTier]).attributes['custom.hubspot.tier']).toBe('silver');
  });

  it('falls back to other sources where the CRM has nothing, and ignores deleted records', () => {
    const crmWithout = rec('r1', 'salesforce', { firstName: null }, MAR);
    expect(computeGolden([crmWithout, ma]).attributes.firstName).toBe('Annie');
    expect(computeGolden([{ ...crm, deleted: true }, ma]).attributes.firstName).toBe('Annie');
  });

  it('lets the latest clearing of a most-recent field empty it', () => {
    const cleared = rec('r3', 'salesforce', { email: null }, MAR);
    expect(computeGolden([crm, ma, cleared]).attributes.email).toBeUndefined();
  });
});

describe('computeGolden: each rule', () => {
  const a = rec('a', 'salesforce', { company: 'Acme' }, FEB);
  const b = rec('b', 'hubspot', { company: 'Acme Corporation' }, MAR);
  const c = rec('c', 'marketo', { company: 'acme ' }, JAN);

  it.each<[string, unknown, string, string]>([
    ['sourcePriority', [{ sourcePriority: ['marketo', 'salesforce'] }], 'acme ', 'sourcePriority'],
    [
      'sourcePriority, unlisted sources last',
      [{ sourcePriority: ['zendesk', 'hubspot'] }],
      'Acme Corporation',
      'sourcePriority',
    ],
    ['mostRecent', ['mostRecent'], 'Acme Corporation', 'mostRecent'],
    ['earliest', ['earliest'], 'acme ', 'earliest'],
    ['mostFrequent (case and spaces aside), then most recent', ['mostFrequent', 'mostRecent'], 'Acme', 'mostRecent'],
    ['longest', ['longest'], 'Acme Corporation', 'longest'],
    ['sourceOfTruth', [{ sourceOfTruth: 'salesforce' }], 'Acme', 'sourceOfTruth'],
  ])('%s', (_, chain, value, rule) => {
    const golden = computeGolden([a, b, c], only('company', chain));
    expect(golden.attributes.company).toBe(value);
    expect(golden.lineage.company.rule).toBe(rule);
  });

  it('sourceOfTruth: without a value from that source the field stays empty', () => {
    const golden = computeGolden([b, c], only('company', [{ sourceOfTruth: 'salesforce' }]));
    expect(golden.attributes.company).toBeUndefined();
    expect(golden.lineage.company).toBeUndefined();
  });

  it('names the rule that decided: when all sources agree, the first of the chain', () => {
    const same = [rec('a', 'salesforce', { company: 'Acme' }, JAN), rec('b', 'hubspot', { company: 'Acme' }, FEB)];
    const golden = computeGolden(same, only('company', [{ sourcePriority: ['salesforce'] }, 'mostRecent']));
    // The latest of the agreeing records is the lineage.
    expect(golden.lineage.company).toMatchObject({ rule: 'sourcePriority', sourceRecordId: 'b' });
  });

  it('ends in a deterministic tie-break and opens an "undecidable" conflict when values still differ', () => {
    const x = rec('x', 'salesforce', { company: 'Acme' }, JAN);
    const y = rec('y', 'hubspot', { company: 'Globex' }, JAN);
    const golden = computeGolden([y, x], only('company', ['mostRecent']));
    expect(golden.attributes.company).toBe('Globex'); // same time: source key "hubspot" < "salesforce"
    expect(golden.lineage.company.rule).toBe('tieBreak');
    expect(golden.conflicts).toEqual([
      {
        field: 'company',
        reason: 'undecidable',
        candidates: [
          { value: 'Globex', source: 'hubspot', sourceRecordId: 'y', updatedAt: JAN },
          { value: 'Acme', source: 'salesforce', sourceRecordId: 'x', updatedAt: JAN },
        ],
      },
    ]);
  });
});

describe('computeGolden: the address survives as a whole', () => {
  const crm = rec('r1', 'salesforce', { 'address.line1': 'ul. Długa 5', 'address.city': 'Kraków' }, JAN);
  const ma = rec('r2', 'hubspot', { 'address.city': 'Warszawa', 'address.postalCode': '00-950' }, FEB);

  it('never stitches a golden address from two records', () => {
    expect(computeGolden([crm, ma], only('address', ['mostRecent'])).attributes).toEqual({
      'address.city': 'Warszawa',
      'address.postalCode': '00-950',
    });
    const golden = computeGolden([crm, ma]); // default: the CRM's address first
    expect(golden.attributes).toEqual({ 'address.line1': 'ul. Długa 5', 'address.city': 'Kraków' });
    expect(golden.lineage['address.city']).toMatchObject({ source: 'salesforce', sourceRecordId: 'r1' });
  });

  it('takes the most complete address with "longest"', () => {
    const fuller = rec('r3', 'marketo', { 'address.line1': 'x', 'address.city': 'y', 'address.country': 'PL' }, JAN);
    expect(computeGolden([crm, ma, fuller], only('address', ['longest'])).lineage['address.city'].sourceRecordId).toBe(
      'r3',
    );
  });
});

describe('computeGolden: pins', () => {
  const crm = rec('r1', 'salesforce', { email: 'crm@x.io' }, JAN);
  const ma = rec('r2', 'hubspot', { email: 'ma@x.io' }, FEB);

  it('a pinned value wins over every rule, with the steward as its source', () => {
    const pin: Pin = { field: 'email', value: 'typed@x.io', pinnedAt: MAR };
    const golden = computeGolden([crm, ma], DEFAULT_SURVIVORSHIP, [pin]);
    expect(golden.attributes.email).toBe('typed@x.io');
    expect(golden.lineage.email).toEqual({
      value: 'typed@x.io',
      source: 'steward',
      sourceRecordId: null,
      rule: 'pin',
      updatedAt: MAR,
      pinned: true,
    });
  });

  it('a pinned source record is followed, and no longer applies once the record left the profile', () => {
    const pin: Pin = { field: 'email', sourceRecordId: 'r1', pinnedAt: MAR };
    expect(computeGolden([crm, ma], DEFAULT_SURVIVORSHIP, [pin]).lineage.email).toMatchObject({
      value: 'crm@x.io',
      rule: 'pin',
      pinned: true,
      sourceRecordId: 'r1',
    });
    const moved = { ...crm, attributes: { email: 'crm2@x.io' } };
    expect(computeGolden([moved, ma], DEFAULT_SURVIVORSHIP, [pin]).attributes.email).toBe('crm2@x.io');
    expect(computeGolden([ma], DEFAULT_SURVIVORSHIP, [pin]).lineage.email).toMatchObject({
      value: 'ma@x.io',
      rule: 'mostRecent',
      pinned: false,
    });
  });

  it('a pinned field opens no conflict', () => {
    const now = rec('r3', 'salesforce', { email: 'crm@x.io' }, '2026-02-01T00:01:00.000Z');
    expect(computeGolden([now, ma]).conflicts).toHaveLength(1);
    expect(
      computeGolden([now, ma], DEFAULT_SURVIVORSHIP, [{ field: 'email', value: 'x@x.io', pinnedAt: MAR }]).conflicts,
    ).toEqual([]);
  });
});

describe('computeGolden: concurrent edits of a review field', () => {
  const at = (minutes: number) => new Date(Date.parse(FEB) + minutes * 60_000).toISOString();

  it('opens a conflict when two systems set different values within the window', () => {
    const crm = rec('r1', 'salesforce', { email: 'a@x.io' }, at(0));
    const ma = rec('r2', 'hubspot', { email: 'b@x.io' }, at(9));
    const golden = computeGolden([crm, ma]);
    expect(golden.attributes.email).toBe('b@x.io'); // the rules still decide meanwhile
    expect(golden.conflicts).toEqual([
      expect.objectContaining({ field: 'email', reason: 'concurrent_edit', candidates: expect.any(Array) }),
    ]);
    expect(golden.conflicts[0].candidates.map((c) => c.value)).toEqual(['b@x.io', 'a@x.io']);
  });

  it('opens none outside the window, for equal values (case aside), or between records of one source', () => {
    const crm = rec('r1', 'salesforce', { email: 'a@x.io' }, at(0));
    expect(computeGolden([crm, rec('r2', 'hubspot', { email: 'b@x.io' }, at(11))]).conflicts).toEqual([]);
    expect(computeGolden([crm, rec('r2', 'hubspot', { email: 'A@x.io' }, at(1))]).conflicts).toEqual([]);
    expect(computeGolden([crm, rec('r2', 'salesforce', { email: 'b@x.io' }, at(1))]).conflicts).toEqual([]);
    expect(
      computeGolden(
        [crm, rec('r2', 'hubspot', { email: 'b@x.io' }, at(30))],
        only('email', { rules: ['mostRecent'], review: true }, { conflictWindowSeconds: 3600 }),
      ).conflicts,
    ).toHaveLength(1);
  });

  it('reports the fields on which the sources agree', () => {
    const crm = rec('r1', 'salesforce', { email: 'a@x.io', phone: '+48600700800' }, at(0));
    const ma = rec('r2', 'hubspot', { email: 'A@x.io', phone: '+48600700801' }, at(1));
    expect(computeGolden([crm, ma]).unanimous).toEqual(['email']);
  });
});

describe('computeGolden: determinism', () => {
  const sources = ['salesforce', 'hubspot', 'marketo', 'dynamics'];
  const fields = ['email', 'phone', 'firstName', 'company', 'address.city', 'address.line1', 'custom.hubspot.tier'];
  const recordArb = fc.record({
    source: fc.constantFrom(...sources),
    values: fc.dictionary(
      fc.constantFrom(...fields),
      fc.option(fc.constantFrom('a', 'B', 'b ', 'cc', 'ddd'), { nil: null }),
      {
        minKeys: 1,
      },
    ),
    times: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: fields.length, maxLength: fields.length }),
    deleted: fc.boolean(),
  });

  it('gives the same golden profile, lineage and conflicts for any order of the same records', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom<unknown>(undefined, { fields: { company: ['mostFrequent', 'longest', 'earliest'] } }),
        fc.infiniteStream(fc.nat()),
        (specs, rules, stream) => {
          const records = specs.map((s, i) => ({
            id: `00000000-0000-0000-0000-00000000000${i}`,
            source: s.source,
            externalId: `e${i % 3}`,
            deleted: s.deleted && i > 0,
            attributes: s.values,
            // Coarse times (minutes apart) so that ties happen and the tie-break is exercised.
            fieldUpdatedAt: Object.fromEntries(
              Object.keys(s.values).map((f) => [
                f,
                new Date(Date.parse(JAN) + s.times[fields.indexOf(f)] * 60_000).toISOString(),
              ]),
            ),
          }));
          const settings = survivorshipSettingsFrom(rules);
          const expected = computeGolden(records, settings);
          const shuffled = [...records];
          const it = stream[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = it.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          expect(computeGolden(shuffled, settings)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('computeGolden: a profile of one live record', () => {
  const sources = ['salesforce', 'hubspot'];
  const fields = [
    'email',
    'firstName',
    'company',
    'address.city',
    'address.line1',
    'address.country',
    'custom.tier',
    'custom.hubspot.score',
  ];
  const step = fc.oneof(
    fc.constantFrom<unknown>('mostRecent', 'earliest', 'mostFrequent', 'longest'),
    fc.constantFrom(...sources).map((source) => ({ sourceOfTruth: source })),
    fc.shuffledSubarray(sources, { minLength: 1 }).map((list) => ({ sourcePriority: list })),
  );
  const chain = fc.record({ rules: fc.array(step, { minLength: 1, maxLength: 3 }), review: fc.boolean() });

  it('is what the rule chains decide, value, lineage, conflicts and agreement alike, for any rules', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.dictionary(fc.constantFrom(...fields), fc.option(fc.constantFrom('a', 'B ', 'cc', 7, true), { nil: null })),
        // Per field: a time of its own, none (a record stored before per-field times), or the record's.
        fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), {
          minLength: fields.length,
          maxLength: fields.length,
        }),
        fc.dictionary(fc.constantFrom('email', 'company', 'address', 'custom.tier', 'custom.*'), chain),
        fc.option(chain, { nil: undefined }),
        fc.boolean(),
        (source, attributes, times, chains, fallback, withDeleted) => {
          const record: SurvivorshipInput = {
            id: '00000000-0000-0000-0000-000000000001',
            source,
            externalId: 'e1',
            deleted: false,
            attributes,
            fieldUpdatedAt: Object.fromEntries(
              Object.keys(attributes).flatMap((f) => {
                const t = times[fields.indexOf(f)];
                return t === undefined ? [] : [[f, new Date(Date.parse(JAN) + t * 60_000).toISOString()]];
              }),
            ),
          };
          const settings = survivorshipSettingsFrom({ fields: chains, ...(fallback ? { default: fallback } : {}) });
          const gone = { ...record, id: '00000000-0000-0000-0000-000000000002', externalId: 'e2', deleted: true };
          const golden = computeGolden(withDeleted ? [gone, record] : [record], settings);
          expect(golden).toEqual(goldenByChains([record], settings, []));
        },
      ),
      { numRuns: 500 },
    );
  });
});
