/**
 * Synthetic ground truth for the identity-resolution benchmark (`bench/identity`) and the first-run demo
 * (`profile-hub demo`): persons (some of them relatives sharing an address, a mailbox or a birth date) and the
 * CRM (`salesforce`) and marketing-automation (`hubspot`) records that describe them, in the canonical record shape, with the errors real customer data has — typos, OCR and
 * keyboard slips, nicknames, swapped names, dropped diacritics, missing fields, changed emails, old addresses,
 * phone numbers in every local format. Every record knows its true person.
 *
 * Seeded and self-contained (no network, no data files): the same options give the same output, byte for
 * byte. Emails use reserved example domains only; phones are valid numbers for libphonenumber (`max`
 * metadata) in real mobile ranges.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type Country = 'PL' | 'DE' | 'GB' | 'ES' | 'US';
export type BenchSource = 'salesforce' | 'hubspot';
export const BENCH_SOURCES: readonly BenchSource[] = ['salesforce', 'hubspot'];

export interface Address {
  line1: string;
  city: string;
  postalCode: string;
  country: Country;
}

/** One real person: the truth the records are measured against. */
export interface Person {
  /** `p000001` … */
  id: string;
  gender: 'f' | 'm';
  firstName: string;
  lastName: string;
  /** `YYYY-MM-DD` */
  birthDate: string;
  /** The person's main mailbox (for a relative who shares the household's mailbox, that one). */
  email: string;
  /** Other mailboxes the person used: a work address after a job change, a second provider. */
  otherEmails: string[];
  /** E.164 */
  phone: string;
  address: Address;
  /** An address the person lived at before (some records still carry it). */
  previousAddress: Address;
  /** Persons of one household share an address; `relation` says how this one came about. */
  householdId: string;
  relation: 'primary' | 'spouse' | 'child' | 'twin';
  /** The household's shared mailbox this person also uses, when it is not their own. */
  sharedEmail?: string;
}

/** A record as a source sends it: the canonical record shape (see README, "The canonical record"). */
export interface BenchRecord {
  source: BenchSource;
  externalId: string;
  updatedAt: string;
  attributes: {
    email?: string;
    firstName?: string;
    lastName?: string;
    phone?: string;
    birthDate?: string;
    address?: { line1?: string; city?: string; postalCode?: string; country?: string };
  };
}

/** The errors the generator can put into a record (each listed once per record it touched). */
export const ERROR_KINDS = [
  'typo',
  'ocr',
  'keyboard',
  'nickname',
  'swappedNames',
  'missingField',
  'changedEmail',
  'emailTypo',
  'diacriticsDropped',
  'upperCase',
  'secondSurnameDropped',
  'birthDateSlip',
  'previousAddress',
  'addressVariant',
  'sharedEmail',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface GeneratedRecord {
  record: BenchRecord;
  /** The true person. */
  personId: string;
  /** The record carries only name, birth date and address — no email, no phone. */
  nameDobAddressOnly: boolean;
  /** Which errors this record got. */
  errors: ErrorKind[];
}

export interface GeneratedData {
  seed: number;
  rates: ErrorRates;
  persons: Person[];
  /** In generation order (person by person); the runner shuffles them. */
  records: GeneratedRecord[];
}

/**
 * How often each error happens. "per field" rates apply to each text field of a record (first name, last
 * name, street line, city), "per record" rates once per record.
 */
export interface ErrorRates {
  /** Per field: one insertion, deletion, substitution or transposition of a letter. */
  typo: number;
  /** Per field: an OCR slip (rn↔m, 0↔O, 1↔l, cl→d …). */
  ocr: number;
  /** Per field: a letter replaced by its neighbour on a QWERTY keyboard. */
  keyboard: number;
  /** Per record whose first name has one: the nickname or diminutive (Robert→Bob, Katarzyna→Kasia). */
  nickname: number;
  /** Per record: first and last name swapped. */
  swappedNames: number;
  /** Per optional field (email, phone, birth date, address, each address part): left out. */
  missingField: number;
  /** Per record: another of the person's mailboxes (new job, new provider) instead of the main one. */
  changedEmail: number;
  /** Per email: a typo in the local part. */
  emailTypo: number;
  /** Per record with diacritics: all of them dropped (Łukasz→Lukasz, Müller→Muller). */
  diacriticsDropped: number;
  /** Per record: names in capitals, as legacy systems keep them. */
  upperCase: number;
  /** Per record of a person with two surnames (Spain): only the first one. */
  secondSurnameDropped: number;
  /** Per birth date: day and month swapped, or a day one off. */
  birthDateSlip: number;
  /** Per record: the person's previous address. */
  previousAddress: number;
  /** Per address: written another way (ul. dropped, Straße→Str., Road→Rd, postal code without its dash). */
  addressVariant: number;
  /** Per record: only name + birth date + address (an in-store form, a loyalty card, a scanned contract). */
  nameDobAddressOnly: number;
  /** Per primary person: a relative (spouse or child) at the same address joins the data set. */
  household: number;
  /** Per relative: the relative shares the household's mailbox (their records carry it half of the time). */
  sharedHouseholdEmail: number;
  /** Per primary person: a twin (same last name, birth date and address; another first name). */
  twins: number;
  /** Per person: the first record comes from the CRM (`salesforce`), else from the MA platform (`hubspot`). */
  crmShare: number;
  /**
   * Per further record of a person the CRM already holds: another CRM contact (a duplicate inside the CRM)
   * instead of an MA record. The MA platform holds several records of one person freely (one per email).
   */
  crmDuplicate: number;
}

export const DEFAULT_RATES: ErrorRates = {
  typo: 0.04,
  ocr: 0.01,
  keyboard: 0.02,
  nickname: 0.15,
  swappedNames: 0.02,
  missingField: 0.08,
  changedEmail: 0.15,
  emailTypo: 0.02,
  diacriticsDropped: 0.3,
  upperCase: 0.03,
  secondSurnameDropped: 0.35,
  birthDateSlip: 0.01,
  previousAddress: 0.05,
  addressVariant: 0.25,
  nameDobAddressOnly: 0.12,
  household: 0.12,
  sharedHouseholdEmail: 0.5,
  twins: 0.01,
  crmShare: 0.5,
  crmDuplicate: 0.1,
};

/** How many records a person has (1–4), as weights. */
const RECORDS_PER_PERSON = [0.35, 0.35, 0.2, 0.1];

/** What each source usually holds besides names and email (the rest is missing by nature, not by error). */
const COVERAGE: Record<BenchSource, { phone: number; birthDate: number; address: number }> = {
  salesforce: { phone: 0.75, birthDate: 0.55, address: 0.85 },
  hubspot: { phone: 0.45, birthDate: 0.3, address: 0.5 },
};

export interface GenerateOptions {
  persons: number;
  /** Default 1. */
  seed?: number;
  rates?: Partial<ErrorRates>;
  /**
   * Region national phone numbers are written for (`HUB_PHONE_REGION` of the hub reading them; default PL).
   * Numbers of other countries are written with their country code (+49 …, 0049 …).
   */
  phoneRegion?: Country;
  /** Prefix of person, household and external ids, so that two data sets never share one (default none). */
  prefix?: string;
  /**
   * Mailboxes already in use (by another data set that will sit in the same database); the generator adds
   * its own. Two data sets sharing this set never give two persons one mailbox, while local parts still
   * repeat across providers (`anna.nowak@example.com`, `anna.nowak@example.org`) as they do among real people.
   */
  takenEmails?: Set<string>;
}

// ── random numbers ─────────────────────────────────────────────────────────────────────────────────────────

export type Random = () => number;

/** mulberry32 behind a splitmix-style scramble of the seed: small, fast, reproducible. */
export function createRandom(seed: number): Random {
  let state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const chance = (random: Random, p: number) => p > 0 && random() < p;

/** A list with frequency weights, drawn by binary search over the cumulative weights. */
class Weighted<T> {
  private readonly cumulative: number[] = [];
  constructor(
    readonly items: T[],
    weights: number[],
  ) {
    let sum = 0;
    for (const w of weights) this.cumulative.push((sum += w));
  }
  draw(random: Random): T {
    const x = random() * this.cumulative[this.cumulative.length - 1];
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

/** `'Anna:100, Maria:50, Zofia'` → names with weights (default 1: the long tail). */
function weighted(list: string): Weighted<string> {
  const entries = list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const colon = e.lastIndexOf(':');
      return colon < 0 ? ([e, 1] as const) : ([e.slice(0, colon), Number(e.slice(colon + 1))] as const);
    });
  return new Weighted(
    entries.map(([name]) => name),
    entries.map(([, w]) => w),
  );
}

// ── names ──────────────────────────────────────────────────────────────────────────────────────────────────

type NameSet = 'pl' | 'de' | 'en' | 'es';

const FIRST_NAMES: Record<NameSet, Record<'f' | 'm', Weighted<string>>> = {
  pl: {
    f: weighted(
      'Anna:100, Katarzyna:60, Maria:55, Małgorzata:50, Agnieszka:45, Barbara:35, Ewa:35, Krystyna:30, ' +
        'Magdalena:30, Elżbieta:30, Joanna:28, Aleksandra:25, Monika:22, Zofia:20, Teresa:18, Danuta:16, ' +
        'Natalia:15, Julia:15, Karolina:14, Marta:14, Beata:12, Dorota:12, Halina:10, Jadwiga:10, Jolanta:10, ' +
        'Iwona:9, Grażyna:8, Paulina:8, Justyna:8, Bożena:7, Urszula:7, Renata:6, Sylwia:6, Alicja:6, ' +
        'Wiktoria:5, Hanna:5, Izabela:5, Weronika:5, Patrycja:4, Emilia:4, Dominika:4, Kinga:3, Łucja:2, ' +
        'Żaneta, Bogumiła, Jagoda, Ludmiła, Wiesława, Genowefa, Stanisława, Helena:3, Lena:3, Oliwia:3',
    ),
    m: weighted(
      'Jan:70, Piotr:65, Krzysztof:60, Andrzej:55, Tomasz:50, Paweł:45, Michał:45, Marcin:40, Stanisław:35, ' +
        'Jakub:30, Adam:30, Marek:30, Łukasz:30, Grzegorz:28, Mateusz:25, Wojciech:25, Mariusz:20, Dariusz:20, ' +
        'Zbigniew:18, Rafał:18, Robert:17, Kamil:16, Józef:15, Jacek:14, Tadeusz:14, Maciej:13, Jerzy:12, ' +
        'Ryszard:10, Dawid:9, Szymon:9, Bartosz:9, Sławomir:8, Sebastian:7, Przemysław:6, Artur:6, Kacper:6, ' +
        'Filip:6, Janusz:6, Antoni:5, Bogdan:5, Henryk:5, Mirosław:4, Leszek:4, Zdzisław:3, Wiesław:3, ' +
        'Witold:2, Bolesław:2, Czesław, Lech, Zenon, Radosław, Bronisław, Ignacy, Tymoteusz',
    ),
  },
  de: {
    f: weighted(
      'Maria:40, Ursula:30, Monika:28, Petra:26, Elisabeth:24, Sabine:24, Renate:22, Anna:20, Helga:20, ' +
        'Karin:20, Brigitte:20, Ingrid:18, Erika:18, Andrea:18, Gisela:16, Claudia:16, Susanne:16, ' +
        'Gabriele:15, Christa:14, Christine:14, Julia:14, Katharina:14, Hannelore:12, Lena:12, Laura:12, ' +
        'Sarah:10, Lea:10, Sophie:10, Marie:10, Stefanie:10, Nicole:10, Birgit:9, Heike:9, Jana:8, Jutta:8, ' +
        'Angelika:8, Anja:8, Martina:8, Sandra:8, Lisa:8, Hannah:8, Emma:8, Tanja:6, Doris:6, Mia:6, ' +
        'Jessica:5, Annette:5, Sigrid:4, Gertrud:4, Greta:3, Ilse:3, Dörte:2, Käthe:2, Jördis, Wiebke, Frauke',
    ),
    m: weighted(
      'Michael:45, Thomas:40, Andreas:38, Peter:36, Wolfgang:32, Klaus:30, Jürgen:30, Stefan:30, Hans:28, ' +
        'Frank:26, Uwe:25, Christian:25, Werner:24, Bernd:22, Manfred:22, Dieter:20, Horst:20, Helmut:18, ' +
        'Gerhard:18, Markus:18, Matthias:17, Martin:17, Ralf:16, Heinz:15, Sven:12, Jörg:12, Alexander:12, ' +
        'Daniel:12, Tobias:11, Florian:10, Sebastian:10, Lukas:10, Jan:10, Günter:10, Karl:10, Felix:9, ' +
        'Maximilian:9, Paul:9, Rainer:9, Johannes:9, Leon:8, Jonas:8, Dirk:8, Holger:8, Oliver:8, Torsten:7, ' +
        'Johann:6, Friedrich:6, Niklas:5, Björn:4, Moritz:4, Jörn:2, Götz:2, Ulrich:5, Josef:5, Detlef, Volker',
    ),
  },
  en: {
    f: weighted(
      'Mary:40, Elizabeth:30, Sarah:30, Emma:28, Jennifer:28, Patricia:25, Linda:22, Susan:22, Margaret:22, ' +
        'Jessica:20, Emily:20, Karen:20, Lisa:18, Nancy:16, Helen:16, Olivia:16, Sophie:14, Charlotte:14, ' +
        'Amelia:12, Laura:12, Rebecca:12, Rachel:11, Hannah:11, Lucy:11, Katherine:10, Michelle:10, ' +
        'Amanda:10, Maria:10, Samantha:9, Chloe:9, Megan:8, Ashley:8, Deborah:8, Victoria:8, Grace:8, Jane:8, ' +
        'Anne:8, Alice:7, Julie:6, Joanne:6, Claire:6, Catherine:6, Zoe:5, Abigail:5, Natalie:5, Christine:5, ' +
        'Siobhan, Niamh, Bethany, Imogen, Harriet',
    ),
    m: weighted(
      'John:60, Michael:55, David:50, James:50, Robert:45, William:40, Richard:35, Thomas:33, ' +
        'Christopher:30, Daniel:28, Paul:26, Mark:25, Matthew:25, Andrew:24, Joseph:22, Steven:20, ' +
        'Anthony:18, Kevin:16, Peter:16, George:15, Charles:15, Edward:14, Brian:14, Jack:13, Oliver:13, ' +
        'Harry:12, Stephen:12, Timothy:10, Jason:10, Ryan:10, Gary:10, Benjamin:9, Samuel:9, Jonathan:9, ' +
        'Nicholas:9, Alexander:8, Patrick:8, Kenneth:7, Scott:7, Simon:6, Liam:6, Noah:6, Ethan:5, Henry:5, ' +
        'Philip:5, Gregory:4, Frank:4, Raymond:4, Dennis:3, Seamus, Rhys, Callum, Declan, Hamish',
    ),
  },
  es: {
    f: weighted(
      'María:60, Carmen:40, Ana:35, Isabel:25, Laura:25, Lucía:22, Marta:20, Cristina:20, Elena:18, ' +
        'Pilar:18, Rosa:16, Paula:15, Sara:14, Dolores:14, Antonia:12, Raquel:12, Beatriz:11, Teresa:11, ' +
        'Patricia:10, Sofía:10, Andrea:10, Silvia:10, Julia:9, Irene:9, Alba:8, Nuria:8, Rocío:8, ' +
        'Mercedes:7, Inmaculada:6, Montserrat:6, Concepción:5, Begoña:4, Guadalupe:3, Marisol:3, Ainhoa:3, ' +
        'Itziar:2, Encarnación:2, Rosario:3, Milagros, Remedios, Almudena, Maite',
    ),
    m: weighted(
      'Antonio:50, José:48, Manuel:42, Francisco:40, Juan:35, David:30, Javier:28, Daniel:25, Carlos:24, ' +
        'José Luis:20, Jesús:20, Alejandro:18, Miguel:18, José Antonio:14, Rafael:14, Pedro:14, Ángel:12, ' +
        'Pablo:12, Fernando:11, Sergio:11, Luis:11, Jorge:10, Alberto:10, Juan Carlos:8, Álvaro:8, Diego:8, ' +
        'Adrián:8, Raúl:7, Enrique:7, Ramón:6, Vicente:6, Iván:6, Rubén:6, Óscar:6, Andrés:5, Joaquín:5, ' +
        'Santiago:5, Ignacio:5, Hugo:4, Gonzalo:4, Íñigo:2, Iker:2, Xavier, Jordi, Txema',
    ),
  },
};

const LAST_NAMES: Record<NameSet, Weighted<string>> = {
  // Polish adjectival names (-ski, -cki, -dzki) take -ska, -cka, -dzka for women: see `surnameFor`.
  pl: weighted(
    'Nowak:100, Kowalski:70, Wiśniewski:55, Wójcik:50, Kowalczyk:48, Kamiński:45, Lewandowski:44, ' +
      'Zieliński:42, Szymański:40, Woźniak:40, Dąbrowski:38, Kozłowski:34, Jankowski:30, Mazur:30, ' +
      'Wojciechowski:28, Kwiatkowski:28, Krawczyk:27, Kaczmarek:26, Piotrowski:26, Grabowski:24, Zając:23, ' +
      'Pawłowski:22, Michalski:22, Król:21, Wieczorek:20, Jabłoński:20, Wróbel:20, Nowakowski:19, ' +
      'Majewski:19, Olszewski:18, Stępień:17, Malinowski:17, Jaworski:17, Adamczyk:16, Dudek:16, ' +
      'Nowicki:16, Pawlak:15, Górski:15, Witkowski:15, Walczak:15, Sikora:14, Baran:14, Rutkowski:14, ' +
      'Michalak:13, Szewczyk:13, Ostrowski:13, Tomaszewski:13, Pietrzak:12, Duda:12, Zalewski:12, ' +
      'Wróblewski:12, Jasiński:11, Marciniak:11, Bąk:10, Zawadzki:10, Sadowski:10, Jakubowski:10, Wilk:10, ' +
      'Chmielewski:9, Włodarczyk:9, Borkowski:9, Sokołowski:9, Szczepański:9, Sawicki:9, Lis:9, ' +
      'Kucharski:8, Mazurek:8, Kubiak:8, Kalinowski:8, Wysocki:8, Czarnecki:7, Kołodziej:7, Żak:6, ' +
      'Brzeziński:6, Przybylski:5, Kaźmierczak:5, Grzybowski:4, Cieślak:4, Łukasiewicz:3, Śliwiński:3, ' +
      'Szulc:3, Gołębiowski:3, Ząbek:2, Żurawski:2, Chrzanowski, Krzemiński, Ślusarczyk, Grzegorczyk, ' +
      'Błaszczyk, Pająk, Żmuda, Wawrzyniak, Szczęsny, Kędzierski, Jędrzejczak, Przybył, Olejnik, Kruk',
  ),
  de: weighted(
    'Müller:100, Schmidt:80, Schneider:60, Fischer:55, Weber:50, Meyer:48, Wagner:45, Becker:42, Schulz:40, ' +
      'Hoffmann:40, Schäfer:35, Koch:33, Bauer:33, Richter:32, Klein:32, Wolf:30, Schröder:28, Neumann:28, ' +
      'Schwarz:27, Zimmermann:27, Braun:25, Krüger:25, Hofmann:24, Hartmann:24, Lange:23, Schmitt:23, ' +
      'Werner:22, Schmitz:22, Krause:21, Meier:21, Lehmann:20, Schmid:20, Schulze:19, Maier:19, Köhler:18, ' +
      'Herrmann:18, König:17, Walter:17, Mayer:16, Huber:16, Kaiser:15, Fuchs:15, Peters:15, Lang:14, ' +
      'Scholz:14, Möller:14, Weiß:13, Jung:13, Hahn:13, Schubert:12, Vogel:12, Friedrich:12, Keller:12, ' +
      'Günther:11, Frank:11, Berger:11, Winkler:10, Roth:10, Beck:10, Lorenz:10, Baumann:9, Franke:9, ' +
      'Albrecht:9, Schuster:9, Simon:9, Ludwig:9, Böhm:8, Winter:8, Kraus:8, Martin:8, Schumacher:8, ' +
      'Krämer:8, Vogt:7, Stein:7, Jäger:7, Otto:7, Sommer:7, Groß:6, Seidel:6, Heinrich:6, Brandt:6, Haas:6, ' +
      'Schreiber:6, Graf:6, Schulte:6, Dietrich:5, Ziegler:5, Kuhn:5, Kühn:5, Pohl:5, Engel:5, Horn:5, ' +
      'Busch:5, Bergmann:5, Voigt:5, Sauer:4, Arnold:4, Wolff:4, Pfeiffer:4, Oßwald, Dreßler, Blöcher, ' +
      'Häußler, Rößler, Eichhorn, Brinkmann, Hülsmann, Kettler, Tiedemann',
  ),
  en: weighted(
    'Smith:100, Johnson:60, Williams:58, Brown:55, Jones:55, Taylor:45, Miller:40, Davis:38, Wilson:36, ' +
      'Davies:35, Evans:32, Thomas:30, Moore:28, Anderson:27, Jackson:26, White:26, Harris:25, Martin:25, ' +
      'Thompson:24, Roberts:24, Walker:22, Wright:22, Robinson:22, Clark:21, Lewis:20, Hall:19, Young:18, ' +
      'Allen:18, King:17, Green:17, Hughes:17, Edwards:16, Wood:16, Scott:15, Turner:15, Hill:15, Baker:15, ' +
      'Adams:14, Campbell:14, Mitchell:13, Carter:13, Phillips:12, Parker:12, Collins:12, Stewart:11, ' +
      'Morris:11, Cook:11, Murphy:11, Rogers:10, Cooper:10, Bell:10, Ward:10, Watson:9, Morgan:9, ' +
      'Bennett:9, Price:8, Gray:8, James:8, Kelly:8, Reed:7, Bailey:7, Russell:7, Cox:6, Richardson:6, ' +
      'Howard:6, Brooks:6, Foster:5, Sanders:5, Palmer:5, Barnes:5, Fisher:5, Ellis:5, Knight:4, Lloyd:4, ' +
      "Marshall:4, McDonald:4, O'Brien:4, O'Connor:3, Fitzgerald:3, MacLeod:2, Featherstonehaugh, " +
      'Cholmondeley, Worthington, Pemberton, Ashworth, Blackwood, Whitfield',
  ),
  es: weighted(
    'García:100, Rodríguez:70, González:70, Fernández:65, López:62, Martínez:60, Sánchez:58, Pérez:55, ' +
      'Gómez:40, Martín:40, Jiménez:35, Ruiz:33, Hernández:32, Díaz:30, Moreno:30, Muñoz:28, Álvarez:28, ' +
      'Romero:26, Alonso:22, Gutiérrez:22, Navarro:20, Torres:20, Domínguez:19, Vázquez:18, Ramos:18, ' +
      'Gil:17, Ramírez:17, Serrano:16, Blanco:16, Molina:15, Morales:15, Suárez:15, Ortega:14, Delgado:14, ' +
      'Castro:13, Ortiz:13, Rubio:13, Marín:12, Sanz:12, Núñez:12, Iglesias:11, Medina:11, Garrido:11, ' +
      'Cortés:10, Castillo:10, Santos:10, Lozano:10, Guerrero:9, Cano:9, Prieto:9, Méndez:9, Cruz:8, ' +
      'Calvo:8, Gallego:8, Vidal:8, León:8, Márquez:7, Herrera:7, Peña:7, Flores:7, Cabrera:7, Campos:6, ' +
      'Vega:6, Fuentes:6, Carrasco:6, Díez:6, Caballero:5, Reyes:5, Nieto:5, Aguilar:5, Pascual:5, ' +
      'Herrero:5, Lorenzo:5, Montero:5, Hidalgo:4, Ibáñez:4, Ferrer:4, Durán:4, Benítez:4, Mora:4, ' +
      'Vargas:4, Arias:4, Carmona:4, Crespo:4, Román:3, Pastor:3, Soto:3, Sáez:3, Velasco:3, Moya:3, ' +
      'Soler:3, Parra:3, Esteban:3, Bravo:3, Gallardo:3, Rojas:3, Echeverría:2, Goikoetxea, Urrutia, ' +
      'Arrieta, Etxeberria, Zubizarreta, Olabarrieta',
  ),
};

/** Formal name → the short forms people also go by. */
const NICKNAMES: Record<string, string[]> = {
  // Polish
  Katarzyna: ['Kasia', 'Kaśka'],
  Małgorzata: ['Gosia', 'Małgosia'],
  Aleksandra: ['Ola'],
  Anna: ['Ania', 'Anka'],
  Joanna: ['Asia'],
  Barbara: ['Basia'],
  Elżbieta: ['Ela'],
  Agnieszka: ['Aga'],
  Magdalena: ['Magda'],
  Krystyna: ['Krysia'],
  Zofia: ['Zosia'],
  Maria: ['Marysia', 'Mary'],
  Dorota: ['Dorotka'],
  Jadwiga: ['Jadzia'],
  Tomasz: ['Tomek'],
  Wojciech: ['Wojtek'],
  Jakub: ['Kuba'],
  Krzysztof: ['Krzysiek'],
  Grzegorz: ['Grzesiek'],
  Stanisław: ['Staszek'],
  Bartosz: ['Bartek'],
  Maciej: ['Maciek'],
  Jerzy: ['Jurek'],
  Józef: ['Józek'],
  Zbigniew: ['Zbyszek'],
  Ryszard: ['Rysiek'],
  Piotr: ['Piotrek'],
  Jan: ['Janek'],
  Paweł: ['Pawełek'],
  Michał: ['Michałek'],
  // German
  Johannes: ['Hans'],
  Johann: ['Hans'],
  Josef: ['Sepp'],
  Stefanie: ['Steffi'],
  Katharina: ['Kathi', 'Katja'],
  Elisabeth: ['Lisa', 'Elli'],
  Christian: ['Chris'],
  Florian: ['Flo'],
  Sebastian: ['Basti'],
  Maximilian: ['Max'],
  Ulrich: ['Uli'],
  Andreas: ['Andi'],
  Gabriele: ['Gabi'],
  Susanne: ['Susi'],
  Monika: ['Moni'],
  Wolfgang: ['Wolf'],
  // English
  Robert: ['Bob', 'Rob', 'Bobby'],
  William: ['Bill', 'Will'],
  Michael: ['Mike', 'Micha'],
  James: ['Jim', 'Jimmy'],
  David: ['Dave'],
  Richard: ['Rick', 'Dick'],
  Thomas: ['Tom'],
  Christopher: ['Chris'],
  Daniel: ['Dan', 'Danny', 'Dani'],
  Matthew: ['Matt'],
  Andrew: ['Andy', 'Drew'],
  Joseph: ['Joe'],
  Steven: ['Steve'],
  Stephen: ['Steve'],
  Anthony: ['Tony'],
  Peter: ['Pete'],
  Charles: ['Charlie', 'Chuck'],
  Edward: ['Ed', 'Ted'],
  Timothy: ['Tim'],
  Benjamin: ['Ben'],
  Samuel: ['Sam'],
  Jonathan: ['Jon'],
  Nicholas: ['Nick'],
  Alexander: ['Alex'],
  Patrick: ['Pat'],
  Kenneth: ['Ken'],
  Gregory: ['Greg'],
  Philip: ['Phil'],
  Elizabeth: ['Liz', 'Beth', 'Betty'],
  Jennifer: ['Jen', 'Jenny'],
  Patricia: ['Patty', 'Trish'],
  Susan: ['Sue'],
  Margaret: ['Maggie', 'Peggy'],
  Jessica: ['Jess'],
  Katherine: ['Kate', 'Kathy'],
  Catherine: ['Cathy', 'Kate'],
  Rebecca: ['Becky'],
  Victoria: ['Vicky'],
  Abigail: ['Abby'],
  Deborah: ['Debbie'],
  Amanda: ['Mandy'],
  Samantha: ['Sam'],
  // Spanish
  José: ['Pepe'],
  Francisco: ['Paco', 'Curro'],
  Manuel: ['Manolo'],
  Antonio: ['Toni'],
  Dolores: ['Lola'],
  Pilar: ['Pili'],
  Concepción: ['Conchi'],
  Enrique: ['Quique'],
  Ignacio: ['Nacho'],
  Rafael: ['Rafa'],
  Javier: ['Javi'],
  Alejandro: ['Álex'],
  Fernando: ['Fer'],
  Isabel: ['Isa'],
  Beatriz: ['Bea'],
  Cristina: ['Cris'],
  Inmaculada: ['Inma'],
  Mercedes: ['Merche'],
  Montserrat: ['Montse'],
  Encarnación: ['Encarna'],
  Rosario: ['Charo'],
  María: ['Mari'],
};

// ── places ─────────────────────────────────────────────────────────────────────────────────────────────────

/** A city with its postal code patterns: `#` a digit, `@` a letter of British inward codes, `|` or. */
interface City {
  name: string;
  postal: string;
}

function cities(list: string): Weighted<City> {
  const rows = list
    .split(';')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [name, postal, weight] = r.split('=').map((p) => p.trim());
      return { city: { name, postal }, weight: Number(weight ?? 1) };
    });
  return new Weighted(
    rows.map((r) => r.city),
    rows.map((r) => r.weight),
  );
}

const CITIES: Record<Country, Weighted<City>> = {
  PL: cities(
    'Warszawa=00-###|01-###|02-###|03-###|04-###=180; Kraków=30-###|31-###=80; Łódź=90-###|91-###|93-###=67; ' +
      'Wrocław=50-###|51-###|53-###=64; Poznań=60-###|61-###=54; Gdańsk=80-###=47; Szczecin=70-###|71-###=40; ' +
      'Bydgoszcz=85-###=34; Lublin=20-###=34; Białystok=15-###=30; Katowice=40-###=29; Gdynia=81-###=24; ' +
      'Częstochowa=42-2##=22; Radom=26-6##=21; Toruń=87-1##=20; Kielce=25-###=19; Rzeszów=35-###=19; ' +
      'Gliwice=44-1##=18; Zabrze=41-8##=17; Olsztyn=10-###=17; Bielsko-Biała=43-3##=17; Opole=45-###=13; ' +
      'Zielona Góra=65-###=14; Tarnów=33-1##=11; Płock=09-4##=12; Elbląg=82-3##=12; Wałbrzych=58-3##=11; ' +
      'Gorzów Wielkopolski=66-4##=12; Włocławek=87-8##=11; Zakopane=34-500=3; Łomża=18-400=6; Sopot=81-7##=4; ' +
      'Świnoujście=72-600=4; Żory=44-240=6; Nowy Sącz=33-300=8; Ełk=19-300=6; Końskie=26-200=2; Łańcut=37-100=2',
  ),
  DE: cities(
    'Berlin=10###|12###|13###=180; Hamburg=20###|22###=90; München=80###|81###=75; Köln=50###|51###=54; ' +
      'Frankfurt am Main=60###=38; Stuttgart=70###=32; Düsseldorf=40###=31; Leipzig=04###=30; Dortmund=44###=30; ' +
      'Essen=45###=29; Bremen=28###=28; Dresden=01###=28; Hannover=30###=27; Nürnberg=90###=26; ' +
      'Duisburg=47###=25; Bochum=44###=18; Wuppertal=42###=18; Bielefeld=33###=17; Bonn=53###=17; ' +
      'Münster=48###=16; Mannheim=68###=16; Karlsruhe=76###=16; Augsburg=86###=15; Wiesbaden=65###=14; ' +
      'Freiburg im Breisgau=79###=12; Lübeck=23###=11; Göttingen=37###=6; Regensburg=93###=8; ' +
      'Würzburg=97###=6; Görlitz=02826=3; Jülich=52428=2; Weißenfels=06667=2; Fürth=90762=6',
  ),
  GB: cities(
    'London=E# #@@|N# #@@|SW# #@@|SE# #@@|W# #@@|NW# #@@|EC# #@@=300; Birmingham=B## #@@=45; ' +
      'Manchester=M## #@@=30; Leeds=LS# #@@=30; Glasgow=G## #@@=26; Liverpool=L## #@@=20; Bristol=BS# #@@=19; ' +
      'Sheffield=S## #@@=23; Edinburgh=EH## #@@=21; Cardiff=CF## #@@=14; Leicester=LE# #@@=14; ' +
      'Nottingham=NG# #@@=13; Newcastle upon Tyne=NE# #@@=12; Belfast=BT# #@@=14; Brighton=BN# #@@=10; ' +
      'Oxford=OX# #@@=6; Cambridge=CB# #@@=6; York=YO## #@@=8; Aberdeen=AB## #@@=8; Norwich=NR# #@@=6',
  ),
  ES: cities(
    'Madrid=280##=130; Barcelona=080##=65; Valencia=460##=33; Sevilla=410##=28; Zaragoza=500##=27; ' +
      'Málaga=290##=23; Murcia=300##=18; Palma=070##=17; Las Palmas de Gran Canaria=350##=15; Bilbao=480##=14; ' +
      'Alicante=030##=13; Córdoba=140##=13; Valladolid=470##=12; Vigo=362##=12; Gijón=332##=11; ' +
      'A Coruña=150##=10; Granada=180##=9; Vitoria-Gasteiz=010##=10; San Sebastián=200##=7; ' +
      'Salamanca=370##=6; Cádiz=110##=5; Logroño=260##=6; León=240##=5; Cáceres=100##=4',
  ),
  US: cities(
    'New York=100##|112##=84; Los Angeles=900##=39; Chicago=606##=27; Houston=770##=23; Phoenix=850##=16; ' +
      'Philadelphia=191##=16; San Antonio=782##=15; San Diego=921##=14; Dallas=752##=13; Austin=787##=10; ' +
      'Seattle=981##=7; Denver=802##=7; Boston=021##=7; Miami=331##=5; Atlanta=303##=5; Portland=972##=6; ' +
      'Minneapolis=554##=4; San Francisco=941##=9; Albuquerque=871##=6; Sacramento=958##=5',
  ),
};

/** `'Długa, Krótka'` → a list. */
const streets = (list: string) => list.split(', ');

const STREETS: Record<Country, string[]> = {
  PL: streets(
    'Długa, Krótka, Polna, Leśna, Słoneczna, Ogrodowa, Lipowa, Kwiatowa, Szkolna, Kościuszki, ' +
      'Mickiewicza, Sienkiewicza, Kolejowa, Łąkowa, Parkowa, Brzozowa, Wiejska, Piłsudskiego, ' +
      'Jana Pawła II, 3 Maja, Żeromskiego, Słowackiego, Wojska Polskiego, Kopernika, Reymonta, ' +
      'Konopnickiej, Chopina, Mazowiecka, Floriańska, Marszałkowska, Grunwaldzka, Wrocławska, ' +
      'Poznańska, Krakowska, Zielona, Cicha, Górna, Dworcowa, Źródlana, Świętokrzyska',
  ),
  DE: streets(
    'Hauptstraße, Schulstraße, Gartenstraße, Bahnhofstraße, Dorfstraße, Bergstraße, Birkenweg, ' +
      'Lindenstraße, Kirchstraße, Waldstraße, Ringstraße, Schillerstraße, Goethestraße, Mühlenweg, ' +
      'Am Markt, Jahnstraße, Wiesenweg, Rosenweg, Amselweg, Buchenweg, Poststraße, Feldstraße, ' +
      'Mozartstraße, Beethovenstraße, Königsallee, Friedrichstraße, Kaiserstraße, Marktplatz, ' +
      'Hölderlinweg, Talstraße',
  ),
  GB: streets(
    'High Street, Station Road, Main Street, Park Road, Church Road, Church Street, London Road, ' +
      'Victoria Road, Green Lane, Manor Road, Church Lane, Park Avenue, The Avenue, Queens Road, ' +
      'New Road, Grange Road, Kings Road, North Street, Mill Lane, Albert Road, Springfield Road, ' +
      'Chester Road, Highfield Road, Windsor Avenue',
  ),
  ES: streets(
    'Mayor, Real, de la Iglesia, del Sol, Nueva, de la Constitución, San Juan, Gran Vía, de Alcalá, ' +
      'de Serrano, de Goya, Príncipe de Vergara, de Cervantes, de Colón, de Velázquez, de Castilla, ' +
      'de Andalucía, Rosalía de Castro, del Carmen, de la Paz',
  ),
  US: streets(
    'Main Street, Oak Street, Maple Avenue, Cedar Street, Elm Street, Washington Street, ' +
      'Lake Street, Hill Street, Park Avenue, Pine Street, 2nd Street, 5th Avenue, Sunset Boulevard, ' +
      'Broadway, Madison Avenue, Lincoln Avenue, Jefferson Street, Walnut Street, Highland Drive, ' +
      'Willow Lane',
  ),
};

const COUNTRIES = new Weighted<Country>(['PL', 'DE', 'GB', 'ES', 'US'], [35, 25, 15, 15, 10]);
const NAME_SET: Record<Country, NameSet> = { PL: 'pl', DE: 'de', GB: 'en', ES: 'es', US: 'en' };

const PERSONAL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'post.example.org'];
const LOCAL_DOMAINS: Partial<Record<Country, string>> = { PL: 'mail.example.pl' };
const WORK_DOMAINS = [
  'acme.example.com',
  'globex.example.net',
  'initech.example.org',
  'umbrella.example.com',
  'hooli.example.net',
  'contoso.example.com',
  'fabrikam.example.org',
  'northwind.example.net',
];

// ── phones ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Mobile number ranges in use per country: the country code and how each national number is drawn. */
const PHONE_PLANS: Record<Country, { code: string; national: (random: Random) => string }> = {
  PL: {
    code: '48',
    national: (r) => pick(r, ['50', '51', '53', '57', '60', '66', '69', '72', '73', '78', '79', '88']) + digits(r, 7),
  },
  DE: {
    code: '49',
    national: (r) => {
      const prefix = pick(r, ['151', '152', '157', '160', '162', '170', '171', '172', '173', '175', '176', '177']);
      return prefix + digits(r, prefix.startsWith('15') ? 8 : 7 + (r() < 0.5 ? 1 : 0));
    },
  },
  GB: { code: '44', national: (r) => '7' + pick(r, ['4', '5', '7', '8', '9']) + digits(r, 8) },
  ES: { code: '34', national: (r) => '6' + digits(r, 8) },
  US: {
    code: '1',
    national: (r) =>
      pick(r, ['212', '213', '312', '415', '617', '206', '303', '305', '404', '512', '602', '713', '214', '503']) +
      String(int(r, 2, 9)) +
      digits(r, 2) +
      digits(r, 4),
  },
};

function digits(random: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** A valid mobile number (E.164) of the country; draws again until libphonenumber accepts it. */
export function mobileNumber(random: Random, country: Country): string {
  const plan = PHONE_PLANS[country];
  for (let attempt = 0; attempt < 100; attempt++) {
    const e164 = `+${plan.code}${plan.national(random)}`;
    if (parsePhoneNumberFromString(e164)?.isValid()) return e164;
  }
  throw new Error(`no valid ${country} mobile number after 100 draws`);
}

/**
 * The number as one source or another writes it. National forms only for numbers of `region` (the hub reads
 * them with `HUB_PHONE_REGION`); other numbers always with their country code, as `+` or `00`.
 */
export function formatPhone(random: Random, e164: string, region: Country): string {
  const parsed = parsePhoneNumberFromString(e164)!;
  const international = parsed.formatInternational(); // +48 600 700 800
  const groups = international.split(' ').slice(1);
  const national = parsed.nationalNumber as string;
  const options: string[] = [e164, international, `00${parsed.countryCallingCode} ${groups.join(' ')}`];
  if (parsed.country === region) {
    options.push(parsed.formatNational(), groups.join('-'), national);
    if (region === 'PL') options.push(`(+48) ${groups.join(' ')}`, `+48-${groups.join('-')}`);
  }
  return pick(random, options);
}

// ── error operators (exported for the tests) ───────────────────────────────────────────────────────────────

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A letter position to change: rarely the first one (people get initials right more often). */
function position(random: Random, length: number): number {
  if (length <= 1) return 0;
  return random() < 0.1 ? 0 : int(random, 1, length - 1);
}

function sameCase(template: string, letter: string): string {
  return template !== template.toLowerCase() ? letter.toUpperCase() : letter;
}

/** One insertion, deletion, substitution or transposition (Damerau–Levenshtein distance 1). */
export function typo(random: Random, value: string, alphabet = LETTERS): string {
  if (value.length < 2) return value;
  const kind = int(random, 0, 3);
  const i = position(random, value.length);
  const letter = pick(random, alphabet.split(''));
  switch (kind) {
    case 0:
      return value.slice(0, i) + sameCase(value[i] ?? '', letter) + value.slice(i);
    case 1:
      return value.length > 3 ? value.slice(0, i) + value.slice(i + 1) : value + letter;
    case 2: {
      const replacement =
        letter === value[i].toLowerCase() ? alphabet[(alphabet.indexOf(letter) + 1) % alphabet.length] : letter;
      return value.slice(0, i) + sameCase(value[i], replacement) + value.slice(i + 1);
    }
    default: {
      const j = Math.min(i, value.length - 2);
      if (value[j] === value[j + 1]) return value.slice(0, j) + value.slice(j + 1); // "ll" → "l"
      return value.slice(0, j) + value[j + 1] + value[j] + value.slice(j + 2);
    }
  }
}

const OCR_SLIPS: [RegExp, string][] = [
  [/rn/, 'm'],
  [/m/, 'rn'],
  [/O/, '0'],
  [/0/, 'O'],
  [/o/, '0'],
  [/l/, '1'],
  [/1/, 'l'],
  [/I/, 'l'],
  [/cl/, 'd'],
  [/S/, '5'],
  [/B/, '8'],
  [/e/, 'c'],
  [/h/, 'b'],
];

/** One slip a character recogniser makes on a scanned form; the value unchanged when none applies. */
export function ocrSlip(random: Random, value: string): string {
  const applicable = OCR_SLIPS.filter(([pattern]) => pattern.test(value));
  if (applicable.length === 0) return value;
  const [pattern, replacement] = pick(random, applicable);
  const matches = [...value.matchAll(new RegExp(pattern.source, 'g'))];
  const match = pick(random, matches);
  return value.slice(0, match.index) + replacement + value.slice(match.index! + match[0].length);
}

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Neighbours of a letter on a QWERTY keyboard (same row and the rows above and below). */
export function keyboardNeighbours(letter: string): string[] {
  const lower = letter.toLowerCase();
  const row = KEYBOARD_ROWS.findIndex((r) => r.includes(lower));
  if (row < 0) return [];
  const col = KEYBOARD_ROWS[row].indexOf(lower);
  const out: string[] = [];
  for (const r of [row - 1, row, row + 1]) {
    const keys = KEYBOARD_ROWS[r];
    if (!keys) continue;
    for (const c of [col - 1, col, col + 1]) if (keys[c] && keys[c] !== lower) out.push(keys[c]);
  }
  return out;
}

/** One letter replaced by a key next to it. */
export function keyboardSlip(random: Random, value: string): string {
  const positions = [...value].map((ch, i) => (keyboardNeighbours(ch).length > 0 ? i : -1)).filter((i) => i > 0);
  if (positions.length === 0) return value;
  const i = pick(random, positions);
  const replacement = sameCase(value[i], pick(random, keyboardNeighbours(value[i])));
  return value.slice(0, i) + replacement + value.slice(i + 1);
}

const FOLDED: Record<string, string> = { ł: 'l', Ł: 'L', ß: 'ss', ø: 'o', Ø: 'O', đ: 'd', æ: 'ae' };

/** Diacritics dropped, as systems without Unicode keep names (Łukasz → Lukasz, Weiß → Weiss). */
export function dropDiacritics(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁßøØđæ]/g, (ch) => FOLDED[ch]);
}

/** Lower-case ASCII letters only: the raw material of email local parts. */
const emailWord = (value: string) =>
  dropDiacritics(value)
    .toLowerCase()
    .replace(/[^a-z]/g, '');

// ── the generator ──────────────────────────────────────────────────────────────────────────────────────────

/** The part of a record an error touched. */
type Field = 'name' | 'email' | 'birthDate' | 'address';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DAY = 86_400_000;

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function birthDate(random: Random, fromYear: number, toYear: number): string {
  const year = int(random, fromYear, toYear);
  const month = int(random, 1, 12);
  return isoDate(year, month, int(random, 1, daysIn(year, month)));
}

function fillPattern(random: Random, pattern: string): string {
  return [...pattern]
    .map((ch) => (ch === '#' ? String(int(random, 0, 9)) : ch === '@' ? pick(random, [...'ABDEFGHJLNPQRSTUWXYZ']) : ch))
    .join('');
}

/** Polish adjectival surnames take the feminine form for women (Kowalski → Kowalska). */
function surnameFor(lastName: string, gender: 'f' | 'm', set: NameSet): string {
  if (set !== 'pl') return lastName;
  const masculine = lastName.replace(/(ska|cka|dzka)$/, (m) => m.slice(0, -1) + 'i');
  return gender === 'f' ? masculine.replace(/(ski|cki|dzki)$/, (m) => m.slice(0, -1) + 'a') : masculine;
}

/**
 * Generates `persons` persons and their records.
 * @example generate({ persons: 5000, seed: 7 }) // → { persons: [5,000], records: [~10,000], … }
 */
export function generate(options: GenerateOptions): GeneratedData {
  const seed = options.seed ?? 1;
  const rates: ErrorRates = { ...DEFAULT_RATES, ...options.rates };
  const region = options.phoneRegion ?? 'PL';
  const prefix = options.prefix ?? '';
  const random = createRandom(seed);
  const persons: Person[] = [];
  const takenEmails = options.takenEmails ?? new Set<string>();
  const takenIds = new Set<string>();

  const uniqueEmail = (local: string, domain: string): string => {
    let candidate = `${local}@${domain}`;
    // Taken: a number, as mail providers suggest (anna.nowak7), then counting up until free.
    const first = int(random, 1, 99);
    for (let n = 0; takenEmails.has(candidate); n++) candidate = `${local}${first + n}@${domain}`;
    takenEmails.add(candidate);
    return candidate;
  };

  const personalEmail = (first: string, last: string, born: string, country: Country): string => {
    const f = emailWord(first) || 'x';
    const l = emailWord(last.split(' ')[0]) || 'x';
    const local = pick(random, [
      `${f}.${l}`,
      `${f}.${l}`,
      `${f}.${l}`,
      `${f}${l}`,
      `${f[0]}.${l}`,
      `${f}_${l}`,
      `${l}.${f}`,
      `${f}.${l}${born.slice(2, 4)}`,
      `${f}${born.slice(0, 4)}`,
    ]);
    const localDomain = LOCAL_DOMAINS[country];
    const domain = localDomain && random() < 0.4 ? localDomain : pick(random, PERSONAL_DOMAINS);
    return uniqueEmail(local, domain);
  };

  const otherEmails = (first: string, last: string, main: string): string[] => {
    const f = emailWord(first) || 'x';
    const l = emailWord(last.split(' ')[0]) || 'x';
    const work = uniqueEmail(`${f}.${l}`, pick(random, WORK_DOMAINS));
    // A new provider: the same local part elsewhere, as people keep their handle when they move.
    const local = main.slice(0, main.indexOf('@'));
    const domain = main.slice(main.indexOf('@') + 1);
    const providers = PERSONAL_DOMAINS.filter((d) => d !== domain);
    return random() < 0.5 ? [work, uniqueEmail(local, pick(random, providers))] : [work];
  };

  const address = (country: Country): Address => {
    const city = CITIES[country].draw(random);
    const street = pick(random, STREETS[country]);
    const n = int(random, 1, 150);
    const flat = random() < 0.45 ? int(random, 1, 80) : undefined;
    let line1: string;
    switch (country) {
      case 'PL':
        line1 = `ul. ${street} ${n}${flat ? `/${flat}` : ''}`;
        break;
      case 'DE':
        line1 = `${street} ${n}${random() < 0.1 ? pick(random, ['a', 'b']) : ''}`;
        break;
      case 'GB':
        line1 = `${flat ? `Flat ${flat}, ` : ''}${n} ${street}`;
        break;
      case 'ES':
        line1 = `Calle ${street}, ${n}${flat ? `, ${int(random, 1, 9)}º ${pick(random, ['A', 'B', 'C', 'D'])}` : ''}`;
        break;
      default:
        line1 = `${int(random, 10, 9999)} ${street}${flat ? ` Apt ${flat}` : ''}`;
    }
    return { line1, city: city.name, postalCode: fillPattern(random, pick(random, city.postal.split('|'))), country };
  };

  const nameFor = (set: NameSet, gender: 'f' | 'm') => FIRST_NAMES[set][gender].draw(random);
  const surnameDraw = (set: NameSet, country: Country) =>
    country === 'ES' ? `${LAST_NAMES.es.draw(random)} ${LAST_NAMES.es.draw(random)}` : LAST_NAMES[set].draw(random);

  const country = (p: { address: Address }) => p.address.country;
  const addPerson = (person: Omit<Person, 'id' | 'email' | 'otherEmails' | 'phone'> & { email?: string }) => {
    const email = person.email ?? personalEmail(person.firstName, person.lastName, person.birthDate, country(person));
    const full: Person = {
      ...person,
      id: `${prefix}p${String(persons.length + 1).padStart(6, '0')}`,
      email,
      otherEmails: otherEmails(person.firstName, person.lastName, email),
      phone: mobileNumber(random, country(person)),
    };
    persons.push(full);
    return full;
  };

  while (persons.length < options.persons) {
    const home = COUNTRIES.draw(random);
    // Names mostly from the country's list; some people carry names from elsewhere.
    const set: NameSet = random() < 0.9 ? NAME_SET[home] : pick(random, ['pl', 'de', 'en', 'es'] as NameSet[]);
    const gender = random() < 0.5 ? 'f' : 'm';
    const lastName = surnameFor(surnameDraw(set, home), gender, set);
    const householdId = `${prefix}h${String(persons.length + 1).padStart(6, '0')}`;
    const homeAddress = address(home);
    const primary = addPerson({
      gender,
      firstName: nameFor(set, gender),
      lastName,
      birthDate: birthDate(random, 1945, 2004),
      address: homeAddress,
      previousAddress: address(home),
      householdId,
      relation: 'primary',
    });

    if (persons.length < options.persons && chance(random, rates.household)) {
      const spouse = random() < 0.6;
      const relGender = spouse ? (gender === 'f' ? 'm' : 'f') : random() < 0.5 ? 'f' : 'm';
      const year = Number(primary.birthDate.slice(0, 4));
      const relLast = spouse
        ? home === 'ES'
          ? surnameDraw(set, home) // Spanish spouses keep their own surnames
          : surnameFor(lastName, relGender, set)
        : home === 'ES'
          ? `${lastName.split(' ')[0]} ${LAST_NAMES.es.draw(random)}`
          : surnameFor(lastName, relGender, set);
      const born = spouse
        ? birthDate(random, Math.max(1940, year - 6), Math.min(2005, year + 6))
        : birthDate(random, Math.min(year + 20, 2005), Math.min(year + 38, 2007));
      let first = nameFor(set, relGender);
      while (first === primary.firstName) first = nameFor(set, relGender);
      const shares = chance(random, rates.sharedHouseholdEmail);
      addPerson({
        gender: relGender,
        firstName: first,
        lastName: relLast,
        birthDate: born,
        address: homeAddress,
        previousAddress: spouse ? address(home) : homeAddress,
        householdId,
        relation: spouse ? 'spouse' : 'child',
        sharedEmail: shares ? primary.email : undefined,
      });
    }
    if (persons.length < options.persons && chance(random, rates.twins)) {
      const twinGender = random() < 0.5 ? 'f' : 'm';
      let first = nameFor(set, twinGender);
      while (first === primary.firstName) first = nameFor(set, twinGender);
      addPerson({
        gender: twinGender,
        firstName: first,
        lastName: surnameFor(lastName, twinGender, set),
        birthDate: primary.birthDate,
        address: homeAddress,
        previousAddress: primary.previousAddress,
        householdId,
        relation: 'twin',
      });
    }
  }

  const externalId = (source: BenchSource): string => {
    for (;;) {
      const id =
        source === 'salesforce'
          ? `003${prefix}${Array.from({ length: 15 - prefix.length }, () => pick(random, BASE62.split(''))).join('')}`
          : `${prefix}${int(random, 100_000_000, 999_999_999)}`;
      if (!takenIds.has(id)) {
        takenIds.add(id);
        return id;
      }
    }
  };

  const recordCount = new Weighted([1, 2, 3, 4], RECORDS_PER_PERSON);
  const since = Date.parse('2023-01-01T00:00:00Z');
  const records: GeneratedRecord[] = [];
  for (const person of persons) {
    const n = recordCount.draw(random);
    let inCrm = false;
    for (let k = 0; k < n; k++) {
      const source: BenchSource = (inCrm ? chance(random, rates.crmDuplicate) : random() < rates.crmShare)
        ? 'salesforce'
        : 'hubspot';
      inCrm ||= source === 'salesforce';
      records.push(makeRecord(person, k, source));
    }
  }
  return { seed, rates, persons, records };

  function makeRecord(person: Person, index: number, source: BenchSource): GeneratedRecord {
    // Each error is kept only if the field it touched is in the record in the end.
    const found: [ErrorKind, Field][] = [];
    const flag = (kind: ErrorKind, field: Field) => found.push([kind, field]);
    const slice = chance(random, rates.nameDobAddressOnly);
    const home = person.address.country;

    // Names.
    let firstName = person.firstName;
    let lastName = person.lastName;
    const nicknames = NICKNAMES[firstName];
    if (nicknames && chance(random, rates.nickname)) {
      firstName = pick(random, nicknames);
      flag('nickname', 'name');
    }
    if (lastName.includes(' ') && home === 'ES' && chance(random, rates.secondSurnameDropped)) {
      lastName = lastName.split(' ')[0];
      flag('secondSurnameDropped', 'name');
    }
    const garble = (value: string, field: Field): string => {
      let out = value;
      if (chance(random, rates.typo)) {
        out = typo(random, out);
        flag('typo', field);
      }
      if (chance(random, rates.ocr)) {
        const slipped = ocrSlip(random, out);
        if (slipped !== out) flag('ocr', field);
        out = slipped;
      }
      if (chance(random, rates.keyboard)) {
        const slipped = keyboardSlip(random, out);
        if (slipped !== out) flag('keyboard', field);
        out = slipped;
      }
      return out;
    };
    firstName = garble(firstName, 'name');
    lastName = garble(lastName, 'name');
    if (chance(random, rates.swappedNames)) {
      [firstName, lastName] = [lastName, firstName];
      flag('swappedNames', 'name');
    }
    if (chance(random, rates.upperCase)) {
      firstName = firstName.toUpperCase();
      lastName = lastName.toUpperCase();
      flag('upperCase', 'name');
    }

    // Birth date.
    let born = person.birthDate;
    if (chance(random, rates.birthDateSlip)) {
      const [y, m, d] = born.split('-').map(Number);
      born = d <= 12 && d !== m ? isoDate(y, d, m) : isoDate(y, m, d + (d < daysIn(y, m) ? 1 : -1)); // swapped day and month, or a day off
      flag('birthDateSlip', 'birthDate');
    }

    // Address.
    let place = person.address;
    if (chance(random, rates.previousAddress) && person.previousAddress !== person.address) {
      place = person.previousAddress;
      flag('previousAddress', 'address');
    }
    let line1 = place.line1;
    let postalCode = place.postalCode;
    if (chance(random, rates.addressVariant)) {
      const varied = addressVariant(random, line1, postalCode);
      if (varied.line1 !== line1 || varied.postalCode !== postalCode) flag('addressVariant', 'address');
      ({ line1, postalCode } = varied);
    }
    line1 = garble(line1, 'address');
    let city = garble(place.city, 'address');
    if (chance(random, rates.ocr)) {
      const slipped = ocrSlip(random, postalCode);
      if (slipped !== postalCode) flag('ocr', 'address');
      postalCode = slipped;
    }

    // Email.
    let email = person.email;
    if (person.sharedEmail && random() < 0.5) {
      email = person.sharedEmail;
      flag('sharedEmail', 'email');
    } else if (index > 0 && chance(random, rates.changedEmail)) {
      email = pick(random, person.otherEmails);
      flag('changedEmail', 'email');
    }
    if (chance(random, rates.emailTypo)) {
      const at = email.indexOf('@');
      const local = typo(random, email.slice(0, at), 'abcdefghijklmnopqrstuvwxyz0123456789');
      email = `${local.replace(/^\.+|\.+$/g, '') || 'x'}${email.slice(at)}`;
      flag('emailTypo', 'email');
    }
    if (random() < 0.1) email = email[0].toUpperCase() + email.slice(1); // as typed; the hub lower-cases

    if (chance(random, rates.diacriticsDropped)) {
      const folded = [firstName, lastName, line1, city].map(dropDiacritics);
      if (dropDiacritics(firstName + lastName) !== firstName + lastName) flag('diacriticsDropped', 'name');
      if (dropDiacritics(line1 + city) !== line1 + city) flag('diacriticsDropped', 'address');
      [firstName, lastName, line1, city] = folded;
    }

    const missing = () => {
      const gone = chance(random, rates.missingField);
      if (gone) flag('missingField', 'name');
      return gone;
    };
    const phone = formatPhone(random, person.phone, region);
    const attributes: BenchRecord['attributes'] = {};
    const coverage = COVERAGE[source];
    if (!slice && !missing()) attributes.email = email;
    attributes.firstName = firstName;
    attributes.lastName = lastName;
    if (!slice && random() < coverage.phone && !missing()) attributes.phone = phone;
    if (slice || (random() < coverage.birthDate && !missing())) attributes.birthDate = born;
    if (slice || (random() < coverage.address && !missing())) {
      const parts: NonNullable<BenchRecord['attributes']['address']> = {};
      // The slice keeps a usable address: its parts are never dropped.
      if (slice || !missing()) parts.line1 = line1;
      if (slice || !missing()) parts.city = city;
      if (slice || !missing()) parts.postalCode = postalCode;
      if (slice || !missing()) parts.country = place.country;
      if (Object.keys(parts).length > 0) attributes.address = parts;
    }
    if (!slice && !attributes.email && !attributes.phone) {
      // Outside the name + birth date + address slice, a source record always holds a contact point.
      attributes.email = email;
    }

    const present: Record<Field, boolean> = {
      name: true,
      email: attributes.email !== undefined,
      birthDate: attributes.birthDate !== undefined,
      address: attributes.address !== undefined,
    };
    const updatedAt = new Date(since + Math.floor(random() * 1300 * DAY)).toISOString();
    return {
      record: { source, externalId: externalId(source), updatedAt, attributes },
      personId: person.id,
      nameDobAddressOnly: slice,
      errors: [...new Set(found.filter(([, field]) => present[field]).map(([kind]) => kind))],
    };
  }
}

/** The same address written another way: abbreviations, a dropped "ul.", a postal code without its dash. */
export function addressVariant(
  random: Random,
  line1: string,
  postalCode: string,
): { line1: string; postalCode: string } {
  const variants: [RegExp, string][] = [
    [/^ul\. /, ''],
    [/^ul\. /, 'ulica '],
    [/straße\b/, 'str.'],
    [/straße\b/, 'strasse'],
    [/ Street\b/, ' St'],
    [/ Road\b/, ' Rd'],
    [/ Avenue\b/, ' Ave'],
    [/ Lane\b/, ' Ln'],
    [/^Calle /, 'C/ '],
    [/^Calle /, 'C. '],
    [/\/(\d+)$/, ' m. $1'],
    [/Flat (\d+), /, '$1 '],
  ];
  const applicable = variants.filter(([pattern]) => pattern.test(line1));
  const dashed = /^\d{2}-\d{3}$/.test(postalCode);
  if (applicable.length === 0 || (dashed && random() < 0.3)) {
    return { line1, postalCode: dashed ? postalCode.replace('-', '') : postalCode.replace(' ', '') };
  }
  const [pattern, replacement] = pick(random, applicable);
  return { line1: line1.replace(pattern, replacement), postalCode };
}
