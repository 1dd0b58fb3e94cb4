import { createHash } from 'node:crypto';
import {
  createRandom,
  generate,
  mobileNumber,
  type Country,
  type GeneratedRecord,
  type Person,
  type Random,
} from './person-generator';

/**
 * The first-run demo's data set, as the two systems would send it: a CRM's contacts (`salesforce`, canonical
 * records with consents) and a marketing-automation platform's leads and activities (`marketo`, the REST API's
 * own responses, read by the shipped Marketo adapter). Persons and their records come from the benchmark's
 * generator (duplicates, typos, nicknames, changed emails, shared family inboxes …); this module adds what a
 * demo needs on top: companies and titles, consents, engagement (email opens and clicks, web visits, form
 * fills, unsubscribes) and a few concurrent edits of one person's phone or email in both systems.
 *
 * A pure function of `(size, seed, asOf)`: every time is placed relative to `asOf`, so a data set loaded today
 * shows the same numbers as one loaded last month, and the same inputs give the same records, byte for byte.
 */
export interface DemoDataOptions {
  /** Contact records of the CRM and the MA platform together (default {@link DEFAULT_DEMO_SIZE}). */
  size: number;
  seed: number;
  /** The demo's "now": records are older, engagement is of the last 90 days, edits of the last day. */
  asOf: Date;
}

export const DEFAULT_DEMO_SIZE = 3000;
export const DEFAULT_DEMO_SEED = 1;

/** A canonical record as `ingestBatch` takes it. */
export type CanonicalInput = Record<string, unknown>;

/** One Marketo REST response (Get Leads, Get Lead Activities), as a relay would post it. */
export interface MarketoResponse {
  requestId: string;
  success: true;
  result: Record<string, unknown>[];
}

/** What arrives, in order: a batch of CRM records, or one page of a Marketo response. */
export type DemoDelivery =
  { source: 'salesforce'; records: CanonicalInput[] } | { source: 'marketo'; response: MarketoResponse };

export interface DemoData {
  /** CRM contacts and MA leads, interleaved as they would arrive in an initial sync. */
  contacts: DemoDelivery[];
  /** The MA platform's activity history (Get Lead Activities), in pages of 300, oldest first. */
  activities: DemoDelivery[];
  /** Yesterday's edits: the same person's phone or email changed in both systems minutes apart. */
  edits: DemoDelivery[];
  counts: {
    salesforceContacts: number;
    marketoLeads: number;
    activities: number;
    conflictingEdits: { phone: number; email: number };
  };
}

/** Marketo returns at most 300 items per page; the CRM sync sends batches of the same size. */
const PAGE = 300;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** The generator's record times start here and span 1,300 days; the demo moves them to end 2 days before asOf. */
const GENERATOR_EPOCH = Date.parse('2023-01-01T00:00:00Z');
const GENERATOR_SPAN = 1300 * DAY;

const COMPANIES = [
  'Northwind Traders',
  'Contoso',
  'Fabrikam',
  'Tailspin Toys',
  'Wide World Importers',
  'Adventure Works',
  'Litware',
  'Proseware',
  'Woodgrove Bank',
  'Alpine Ski House',
  'Coho Winery',
  'Lamna Healthcare',
  'Fourth Coffee',
  'Blue Yonder Airlines',
  'Trey Research',
  'Humongous Insurance',
  'Lucerne Publishing',
  'Margie’s Travel',
  'Southridge Video',
  'VanArsdel',
  'Wingtip Toys',
  'City Power & Light',
  'Consolidated Messenger',
  'Relecloud',
];
const TITLES = [
  'Head of Procurement',
  'Marketing Manager',
  'CTO',
  'Software Engineer',
  'Office Manager',
  'Sales Director',
  'Buyer',
  'Operations Lead',
  'Financial Controller',
  'HR Business Partner',
  'Product Manager',
  'Founder',
  'Data Analyst',
  'Project Manager',
  'Customer Success Manager',
];
const LEAD_SOURCES = ['Website', 'Webinar', 'Trade Show', 'Paid Search', 'Content Download', 'Referral'];
const COUNTRY_NAMES: Record<Country, string> = {
  PL: 'Poland',
  DE: 'Germany',
  GB: 'United Kingdom',
  ES: 'Spain',
  US: 'United States',
};
const EMAILS = [
  { id: 1101, name: 'Newsletter.November Newsletter' },
  { id: 1102, name: 'Product Updates.Q4 Release Notes' },
  { id: 1103, name: 'Webinars.Invitation: Clean Customer Data' },
  { id: 1104, name: 'Nurture.Welcome Series 1' },
  { id: 1105, name: 'Nurture.Case Study: Northwind' },
];
const PAGES = [
  { id: 71, url: '/pricing.html' },
  { id: 72, url: '/product/identity-resolution.html' },
  { id: 73, url: '/blog/golden-records.html' },
  { id: 74, url: '/webinars/clean-data.html' },
  { id: 75, url: '/contact.html' },
];
const FORMS = [
  { id: 1024, name: 'Contact Us Form' },
  { id: 1025, name: 'Webinar Registration' },
  { id: 1026, name: 'Whitepaper Download' },
  { id: 1027, name: 'Demo Request' },
];
/** Marketo's activity type ids (see the adapter's `ACTIVITY`). */
const VISIT = 1;
const FORM = 2;
const UNSUBSCRIBE = 9;
const OPEN = 10;
const CLICK = 11;
const CHANGE = 13;

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
/** Marketo writes datetimes to the second. */
const marketoTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Fisher–Yates with its own stream: the two systems' records arrive interleaved. */
function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Generates persons until their records reach `size`, then keeps the first `size` records: the generator draws
 * 1–4 records per person (about 2 on average).
 */
function personsAndRecords(size: number, seed: number): { persons: Map<string, Person>; records: GeneratedRecord[] } {
  let count = Math.max(1, Math.ceil(size / 1.9));
  for (;;) {
    const data = generate({ persons: count, seed });
    if (data.records.length >= size) {
      return { persons: new Map(data.persons.map((p) => [p.id, p])), records: data.records.slice(0, size) };
    }
    count = Math.ceil(count * 1.2) + 1;
  }
}

/**
 * The generator writes numbers as a hub whose `HUB_PHONE_REGION` is PL reads them: national forms, and `00` for
 * the international prefix. The demo must load into any hub, so those get a `+` country code (the spacing and
 * punctuation stay as varied as they were).
 */
function withCountryCode(phone: string | undefined): string | undefined {
  if (phone === undefined || /^\s*(\+|\(\+)/.test(phone)) return phone;
  if (/^\s*00/.test(phone)) return phone.replace(/^\s*00/, '+');
  return `+48 ${phone}`;
}

/** A stable UUID-shaped id: Marketo's `marketoGUID`. */
function guid(seed: number, n: number): string {
  const h = createHash('sha256').update(`profile-hub-demo:${seed}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface Activity {
  at: number;
  leadId: number;
  typeId: number;
  primary?: { id: number; value: string };
  attributes?: { name: string; value: unknown }[];
  fields?: { id: number; name: string; newValue: unknown; oldValue: unknown }[];
}

/** Builds the whole demo data set; see {@link DemoDataOptions}. */
export function buildDemoData(options: DemoDataOptions): DemoData {
  const { size, seed } = options;
  const asOf = options.asOf.getTime();
  const { persons, records } = personsAndRecords(size, seed);
  // Streams of their own, so that the generator's output (shared with the benchmark) is untouched.
  const extra = createRandom(seed * 7919 + 17);
  const engagement = createRandom(seed * 7919 + 29);
  const edits = createRandom(seed * 7919 + 43);
  const shift = (iso: string) => asOf - 2 * DAY - GENERATOR_SPAN + (Date.parse(iso) - GENERATOR_EPOCH);

  // Where each person works: one company and title per person, so that both systems mostly agree.
  const jobs = new Map<string, { company: string; title: string }>();
  for (const id of persons.keys()) jobs.set(id, { company: pick(extra, COMPANIES), title: pick(extra, TITLES) });

  const crm: CanonicalInput[] = [];
  const leads: Record<string, unknown>[] = [];
  for (const g of records) {
    const r = g.record;
    const at = shift(r.updatedAt);
    const job = jobs.get(g.personId)!;
    const attributes: Record<string, unknown> = { ...r.attributes };
    if (r.attributes.phone !== undefined) attributes.phone = withCountryCode(r.attributes.phone);
    if (r.source === 'salesforce') {
      if (extra() < 0.85) attributes.company = job.company;
      if (extra() < 0.7) attributes.jobTitle = job.title;
      const consents: Record<string, unknown>[] = [];
      const capturedAt = new Date(at).toISOString();
      const email = extra();
      if (email < 0.55) {
        consents.push({
          purpose: 'email_marketing',
          channel: 'email',
          status: 'granted',
          legalBasis: 'consent',
          capturedAt,
          evidence: { form: pick(extra, ['Newsletter sign-up', 'Webinar registration', 'Account opening']) },
        });
      } else if (email < 0.63) {
        consents.push({
          purpose: 'email_marketing',
          channel: 'email',
          status: 'denied',
          capturedAt,
          evidence: { field: 'HasOptedOutOfEmail' },
        });
      }
      if (attributes.phone !== undefined && extra() < 0.2) {
        consents.push({
          purpose: 'sms_marketing',
          channel: 'sms',
          status: 'granted',
          legalBasis: 'consent',
          capturedAt,
          evidence: { form: 'Account opening' },
        });
      }
      crm.push({
        externalId: r.externalId,
        objectType: 'contact',
        updatedAt: capturedAt,
        eventId: `demo-${seed}:${r.externalId}:1`,
        attributes,
        ...(consents.length > 0 ? { consents } : {}),
      });
    } else {
      const a = r.attributes;
      const lead: Record<string, unknown> = {
        id: Number(r.externalId),
        createdAt: marketoTime(at - int(extra, 0, 400) * DAY),
        updatedAt: marketoTime(at),
      };
      if (a.email !== undefined) lead.email = a.email;
      lead.firstName = a.firstName;
      lead.lastName = a.lastName;
      if (attributes.phone !== undefined) lead.phone = attributes.phone;
      if (a.birthDate !== undefined) lead.dateOfBirth = a.birthDate;
      if (a.address?.line1 !== undefined) lead.address = a.address.line1;
      if (a.address?.city !== undefined) lead.city = a.address.city;
      if (a.address?.postalCode !== undefined) lead.postalCode = a.address.postalCode;
      if (a.address?.country !== undefined) {
        // Marketo's country is free text: mostly the English name, sometimes the code.
        lead.country = extra() < 0.75 ? COUNTRY_NAMES[a.address.country as Country] : a.address.country;
      }
      if (extra() < 0.5) lead.company = job.company;
      if (extra() < 0.4) lead.title = job.title;
      lead.leadSource = pick(extra, LEAD_SOURCES);
      leads.push(lead);
    }
  }

  // Arrival: the initial sync of both systems, interleaved.
  const contacts: DemoDelivery[] = [];
  const arrivals = shuffled(
    [
      ...crm.map((record) => ({ source: 'salesforce' as const, record })),
      ...leads.map((lead) => ({ source: 'marketo' as const, record: lead })),
    ],
    extra,
  );
  let request = 0;
  const requestId = () => `demo${seed}#${(++request).toString(16).padStart(6, '0')}`;
  for (const batch of chunks(arrivals, PAGE)) {
    const ofCrm = batch.filter((a) => a.source === 'salesforce').map((a) => a.record);
    const ofMa = batch.filter((a) => a.source === 'marketo').map((a) => a.record);
    if (ofCrm.length > 0) contacts.push({ source: 'salesforce', records: ofCrm });
    if (ofMa.length > 0) {
      contacts.push({ source: 'marketo', response: { requestId: requestId(), success: true, result: ofMa } });
    }
  }

  // Engagement of the last 90 days, per lead with an email.
  const activities: Activity[] = [];
  for (const lead of leads) {
    if (lead.email === undefined) continue;
    const leadId = lead.id as number;
    const draw = engagement();
    const level = draw < 0.3 ? 'none' : draw < 0.68 ? 'light' : draw < 0.92 ? 'active' : 'hot';
    if (level === 'none') continue;
    const window = level === 'hot' ? 21 : level === 'active' ? 60 : 90;
    // Half a day off every whole day before asOf: a segment's "last 30 days" gives the same answer whether it is
    // computed a second or an hour after the load (an event a few seconds inside the window would drop out).
    const when = () => asOf - (Math.floor(engagement() * window) + 0.5) * DAY;
    const [opens, clicks, visits, forms] =
      level === 'hot'
        ? [int(engagement, 3, 8), int(engagement, 2, 5), int(engagement, 3, 10), int(engagement, 1, 3)]
        : level === 'active'
          ? [int(engagement, 2, 6), int(engagement, 0, 2), int(engagement, 1, 5), int(engagement, 0, 1)]
          : [int(engagement, 1, 3), 0, int(engagement, 0, 2), 0];
    const unsubscribedAt = level !== 'hot' && engagement() < 0.08 ? asOf - HOUR - engagement() * 80 * DAY : undefined;
    const emailActivities: Activity[] = [];
    for (let i = 0; i < opens; i++) {
      const email = pick(engagement, EMAILS);
      const at = when();
      emailActivities.push({
        at,
        leadId,
        typeId: OPEN,
        primary: { id: email.id, value: email.name },
        attributes: [
          { name: 'Campaign Run ID', value: 5300 + email.id - 1100 },
          { name: 'Platform', value: pick(engagement, ['Windows', 'iOS', 'Android', 'Mac OS']) },
        ],
      });
      if (i < clicks) {
        const page = pick(engagement, PAGES);
        emailActivities.push({
          at: at + int(engagement, 1, 20) * MINUTE,
          leadId,
          typeId: CLICK,
          primary: { id: email.id, value: email.name },
          attributes: [
            { name: 'Campaign Run ID', value: 5300 + email.id - 1100 },
            { name: 'Link', value: `https://www.example.com${page.url}` },
          ],
        });
      }
    }
    // After an unsubscribe no more marketing email is sent, so nothing later is opened or clicked.
    for (const a of emailActivities) if (unsubscribedAt === undefined || a.at < unsubscribedAt) activities.push(a);
    for (let i = 0; i < visits; i++) {
      const page = pick(engagement, PAGES);
      activities.push({
        at: when(),
        leadId,
        typeId: VISIT,
        primary: { id: page.id, value: `www.example.com${page.url}` },
        attributes: [
          { name: 'Webpage URL', value: page.url },
          { name: 'Query Parameters', value: '' },
        ],
      });
    }
    for (let i = 0; i < forms; i++) {
      const form = pick(engagement, FORMS);
      activities.push({
        at: when(),
        leadId,
        typeId: FORM,
        primary: { id: form.id, value: form.name },
        attributes: [{ name: 'Webpage ID', value: 75 }],
      });
    }
    if (unsubscribedAt !== undefined) {
      const email = pick(engagement, EMAILS);
      activities.push({
        at: unsubscribedAt,
        leadId,
        typeId: UNSUBSCRIBE,
        primary: { id: email.id, value: email.name },
        attributes: [{ name: 'Campaign Run ID', value: 5300 + email.id - 1100 }],
      });
    }
  }

  // Concurrent edits: persons whose one CRM contact and an MA lead join outright (the same email and name),
  // then, yesterday, both systems change the phone (or the email) to different values minutes apart.
  const byPerson = new Map<string, GeneratedRecord[]>();
  for (const g of records) (byPerson.get(g.personId) ?? byPerson.set(g.personId, []).get(g.personId)!).push(g);
  const sharedInboxes = new Set([...persons.values()].flatMap((p) => (p.sharedEmail ? [p.sharedEmail] : [])));
  const wanted = Math.min(40, Math.max(4, Math.round(size / 250)));
  const crmEdits: CanonicalInput[] = [];
  const leadEdits: Activity[] = [];
  const same = (a?: string, b?: string) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  const editCounts = { phone: 0, email: 0 };
  for (const [personId, list] of byPerson) {
    if (crmEdits.length >= wanted) break;
    const person = persons.get(personId)!;
    if (person.sharedEmail || sharedInboxes.has(person.email)) continue;
    const ofCrm = list.filter((g) => g.record.source === 'salesforce');
    if (ofCrm.length !== 1) continue;
    const contact = ofCrm[0].record;
    const lead = list.find(
      (g) =>
        g.record.source === 'hubspot' &&
        same(g.record.attributes.email, contact.attributes.email) &&
        same(g.record.attributes.firstName, contact.attributes.firstName) &&
        same(g.record.attributes.lastName, contact.attributes.lastName) &&
        (g.record.attributes.birthDate === undefined ||
          contact.attributes.birthDate === undefined ||
          g.record.attributes.birthDate === contact.attributes.birthDate),
    )?.record;
    if (!lead) continue;
    const field = crmEdits.length % 2 === 0 ? 'phone' : 'email';
    if (field === 'email' && person.otherEmails.length < 2) continue;
    const at = asOf - int(edits, 2, 30) * HOUR - int(edits, 0, 59) * MINUTE;
    const [crmValue, maValue] =
      field === 'phone'
        ? [mobileNumber(edits, person.address.country), mobileNumber(edits, person.address.country)]
        : [person.otherEmails[0], person.otherEmails[1]];
    editCounts[field]++;
    crmEdits.push({
      externalId: contact.externalId,
      objectType: 'contact',
      updatedAt: new Date(at).toISOString(),
      eventId: `demo-${seed}:${contact.externalId}:2`,
      attributes: { [field]: crmValue },
    });
    const oldValue = field === 'phone' ? withCountryCode(lead.attributes.phone) : lead.attributes.email;
    leadEdits.push({
      at: at + int(edits, 1, 8) * MINUTE,
      leadId: Number(lead.externalId),
      typeId: CHANGE,
      primary: field === 'phone' ? { id: 47, value: 'Phone Number' } : { id: 48, value: 'Email Address' },
      fields: [{ id: field === 'phone' ? 47 : 48, name: field, newValue: maValue, oldValue: oldValue ?? null }],
      attributes: [
        { name: 'Reason', value: 'Form fill-out' },
        { name: 'Source', value: 'Web form fillout' },
      ],
    });
  }

  // Activity ids grow with time, as Marketo's do; the edits are the newest.
  const ordered = [...activities].sort((a, b) => a.at - b.at || a.leadId - b.leadId || a.typeId - b.typeId);
  ordered.push(...[...leadEdits].sort((a, b) => a.at - b.at || a.leadId - b.leadId));
  const items = ordered.map((a, n) => {
    const id = 4_000_000 + n;
    return {
      id,
      marketoGUID: guid(seed, id),
      leadId: a.leadId,
      activityDate: marketoTime(a.at),
      activityTypeId: a.typeId,
      ...(a.primary ? { primaryAttributeValueId: a.primary.id, primaryAttributeValue: a.primary.value } : {}),
      ...(a.fields ? { fields: a.fields } : {}),
      attributes: a.attributes ?? [],
    };
  });
  const engagementItems = items.slice(0, activities.length);
  const editItems = items.slice(activities.length);

  return {
    contacts,
    activities: chunks(engagementItems, PAGE).map((result) => ({
      source: 'marketo',
      response: { requestId: requestId(), success: true, result },
    })),
    edits: [
      { source: 'salesforce', records: crmEdits },
      { source: 'marketo', response: { requestId: requestId(), success: true, result: editItems } },
    ],
    counts: {
      salesforceContacts: crm.length,
      marketoLeads: leads.length,
      activities: engagementItems.length,
      conflictingEdits: editCounts,
    },
  };
}
