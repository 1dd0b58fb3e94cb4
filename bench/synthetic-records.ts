/**
 * Synthetic CRM and marketing-automation records for benchmarks: realistic names, emails and addresses, the
 * same people in both sources, later updates of earlier records and replays of earlier events — the mix a hub
 * sees from a Salesforce-like CRM (`crm`) and a Marketo-like MA platform (`ma`). Seeded, so every run with
 * the same options produces the same records.
 */

export interface SyntheticOptions {
  /** How many records in all. */
  records: number;
  /** Default 42. */
  seed?: number;
  /** Share of records that update an earlier record of the same source (default 0.10). */
  updateShare?: number;
  /** Share of records that replay an earlier record's event id (default 0.05). */
  replayShare?: number;
  /** Share of MA records for a person the CRM already has (default 0.30). */
  crossSourceShare?: number;
}

export interface SyntheticRecord {
  source: 'crm' | 'ma';
  externalId: string;
  objectType: string;
  updatedAt: string;
  eventId: string;
  attributes: Record<string, unknown>;
}

export interface SyntheticMix {
  records: SyntheticRecord[];
  counts: { new: number; updates: number; replays: number; crossSource: number; people: number };
}

const FIRST_NAMES = [
  'Anna',
  'Jan',
  'Maria',
  'Piotr',
  'Katarzyna',
  'Tomasz',
  'Emma',
  'Liam',
  'Olivia',
  'Noah',
  'Sophie',
  'Lukas',
  'Lea',
  'Finn',
  'Mia',
  'Jonas',
  'Lucía',
  'Hugo',
  'Chloé',
  'Louis',
  'Giulia',
  'Marco',
  'Sara',
  'Ahmed',
  'Fatima',
  'Yuki',
  'Hiroshi',
  'Priya',
  'Arjun',
  'Ines',
  'João',
  'Elif',
  'Mehmet',
  'Aoife',
  'Seán',
  'Zofia',
  'Ola',
];
const LAST_NAMES = [
  'Kowalska',
  'Nowak',
  'Wiśniewski',
  'Smith',
  'Johnson',
  'Brown',
  'Müller',
  'Schmidt',
  'Schneider',
  'García',
  'Martínez',
  'López',
  'Dubois',
  'Martin',
  'Bernard',
  'Rossi',
  'Russo',
  'Ferrari',
  'Yılmaz',
  'Kaya',
  'Tanaka',
  'Suzuki',
  'Sharma',
  'Patel',
  'Silva',
  'Santos',
  "O'Brien",
  'Murphy',
  'Jensen',
  'Hansen',
  'Novák',
  'Horváth',
];
const DOMAINS = ['example.com', 'example.org', 'mail.example', 'corp.example.net', 'shop.example.de'];
const COMPANIES = ['Acme Sp. z o.o.', 'Globex GmbH', 'Initech Ltd', 'Umbrella SA', 'Stark Industries', 'Hooli Inc.'];
const TITLES = ['Head of Marketing', 'CTO', 'Buyer', 'Account Manager', 'Data Analyst', 'Office Manager', null];
const CITIES: [string, string, string][] = [
  ['Kraków', '30-001', 'PL'],
  ['Warszawa', '00-001', 'PL'],
  ['Berlin', '10115', 'DE'],
  ['München', '80331', 'DE'],
  ['Madrid', '28001', 'ES'],
  ['Lyon', '69001', 'FR'],
  ['Milano', '20121', 'IT'],
  ['Dublin', 'D02', 'IE'],
  ['Lisboa', '1100-148', 'PT'],
];
const STREETS = ['Floriańska', 'Hauptstraße', 'Calle Mayor', 'Rue de la République', 'Via Roma', 'Main Street'];
const LEAD_SOURCES = ['web', 'trade-show', 'partner', 'cold-call', 'referral'];
const CAMPAIGNS = ['spring-sale', 'webinar-q3', 'newsletter-42', 'black-friday', 'onboarding'];

/** mulberry32: small, fast and good enough to make benchmark data reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Person {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  birthDate: string;
  company: string;
  jobTitle: string | null;
  city: [string, string, string];
  street: string;
}

const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

/** Generates the records in arrival order. */
export function syntheticRecords(options: SyntheticOptions): SyntheticMix {
  const random = prng(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const updateShare = options.updateShare ?? 0.1;
  const replayShare = options.replayShare ?? 0.05;
  const crossSourceShare = options.crossSourceShare ?? 0.3;
  const base = Date.parse('2026-01-01T00:00:00Z');

  const people: Person[] = [];
  const newPerson = (): Person => {
    const firstName = pick(FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    const n = people.length;
    return {
      firstName,
      lastName,
      email: `${ascii(firstName)}.${ascii(lastName)}${n}@${pick(DOMAINS)}`,
      phone: `+48 6${String(10_000_000 + n).slice(-8)}`,
      birthDate: `${1950 + Math.floor(random() * 55)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      company: pick(COMPANIES),
      jobTitle: pick(TITLES),
      city: pick(CITIES),
      street: pick(STREETS),
    };
  };

  const records: SyntheticRecord[] = [];
  const bySource: Record<'crm' | 'ma', SyntheticRecord[]> = { crm: [], ma: [] };
  const crmPeople: number[] = [];
  const counts = { new: 0, updates: 0, replays: 0, crossSource: 0, people: 0 };
  let event = 0;

  for (let i = 0; i < options.records; i++) {
    const updatedAt = new Date(base + i * 1000).toISOString();
    const source: 'crm' | 'ma' = random() < 0.5 ? 'crm' : 'ma';
    const earlier = bySource[source];
    const roll = random();

    if (roll < replayShare && records.length > 0) {
      // The same event delivered again (a webhook retry, a re-sent batch): byte for byte the same record.
      records.push(pick(records));
      counts.replays++;
      continue;
    }
    if (roll < replayShare + updateShare && earlier.length > 0) {
      const previous = pick(earlier);
      const attributes: Record<string, unknown> =
        source === 'crm'
          ? { jobTitle: pick(TITLES), company: pick(COMPANIES), custom: { annualRevenue: Math.round(random() * 1e7) } }
          : { custom: { score: Math.floor(random() * 100), lastCampaign: pick(CAMPAIGNS) } };
      const update: SyntheticRecord = {
        ...previous,
        updatedAt,
        eventId: `${source}-evt-${++event}`,
        attributes,
      };
      records.push(update);
      counts.updates++;
      continue;
    }

    let index: number;
    if (source === 'ma' && crmPeople.length > 0 && random() < crossSourceShare) {
      index = pick(crmPeople);
      counts.crossSource++;
    } else {
      index = people.push(newPerson()) - 1;
      if (source === 'crm') crmPeople.push(index);
    }
    const person = people[index];
    const [city, postalCode, country] = person.city;
    const attributes: Record<string, unknown> =
      source === 'crm'
        ? {
            email: person.email,
            firstName: person.firstName,
            lastName: person.lastName,
            phone: person.phone,
            birthDate: person.birthDate,
            company: person.company,
            jobTitle: person.jobTitle,
            address: { line1: `${person.street} ${1 + (index % 120)}`, city, postalCode, country },
            custom: { leadSource: pick(LEAD_SOURCES), industry: 'Retail', annualRevenue: Math.round(random() * 1e7) },
          }
        : {
            // MA platforms spell emails as people typed them.
            email: random() < 0.2 ? person.email.toUpperCase() : person.email,
            firstName: person.firstName,
            lastName: person.lastName,
            address: { city, country },
            custom: { score: Math.floor(random() * 100), optIn: random() < 0.7, lastCampaign: pick(CAMPAIGNS) },
          };
    const record: SyntheticRecord = {
      source,
      externalId: source === 'crm' ? `003${String(i).padStart(12, '0')}` : `ma-${i}`,
      objectType: source === 'crm' ? 'contact' : 'lead',
      updatedAt,
      eventId: `${source}-evt-${++event}`,
      attributes,
    };
    records.push(record);
    earlier.push(record);
    counts.new++;
  }
  counts.people = people.length;
  return { records, counts };
}
