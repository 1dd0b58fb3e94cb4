import { fold } from './normalise';

/**
 * Canonical given name → its diminutives and common spelling variants, folded (no diacritics). English, with
 * Polish, German and Spanish names. A diminutive may belong to several names (`alex`: Alexander, Alexandra),
 * and languages are kept apart (`Hans` is Johannes, not John), because a nickname says the names are the
 * same only within one naming tradition.
 */
const TABLE: Record<string, string> = {
  // English
  robert: 'bob bobby bobbie rob robbie robby bert bertie',
  william: 'bill billy will willie willy liam wil',
  richard: 'rick ricky rich richie dick dickie',
  james: 'jim jimmy jimmie jamie jem',
  john: 'johnny jack jackie jon jonny',
  jonathan: 'jon jonny nathan',
  joseph: 'joe joey jo josef sepp seppl jupp',
  thomas: 'tom tommy thom tommi',
  michael: 'mike mikey mick mickey mickie micha',
  christopher: 'chris kit topher kris',
  christine: 'chris chrissy tina christina kristine kristina christiane',
  christian: 'chris christl',
  charles: 'charlie chuck chas chaz',
  edward: 'ed eddie eddy ted teddy ned edek',
  daniel: 'dan danny dani',
  david: 'dave davey davy',
  anthony: 'tony ant',
  andrew: 'andy drew',
  alexander: 'alex al alec sandy xander sascha sasha',
  alexandra: 'alex sandra sandy sasha lexi',
  benjamin: 'ben benny benji',
  samuel: 'sam sammy',
  samantha: 'sam sammy',
  matthew: 'matt matty',
  nicholas: 'nick nicky nico',
  patrick: 'pat paddy',
  patricia: 'pat patty trish tricia',
  peter: 'pete',
  stephen: 'steve stevie steven',
  timothy: 'tim timmy',
  gregory: 'greg',
  jeffrey: 'jeff geoff geoffrey',
  kenneth: 'ken kenny',
  ronald: 'ron ronnie',
  donald: 'don donny',
  douglas: 'doug',
  frederick: 'fred freddie freddy frederic fredrik',
  gerald: 'gerry jerry',
  harold: 'harry hal',
  henry: 'hank harry hal',
  lawrence: 'larry laurence',
  leonard: 'len lenny leo',
  nathaniel: 'nate nat',
  raymond: 'ray',
  walter: 'walt wally',
  zachary: 'zach zack',
  joshua: 'josh',
  jacob: 'jake',
  abraham: 'abe',
  albert: 'al bert bertie',
  theodore: 'ted teddy theo',
  vincent: 'vince vinny',
  eugene: 'gene',
  louis: 'lou',
  maximilian: 'max maxi',
  maxwell: 'max',
  oliver: 'ollie',
  gabriel: 'gabe',
  franklin: 'frank',
  francis: 'frank fran frankie',
  russell: 'russ',
  philip: 'phil pip phillip',
  elizabeth: 'liz lizzie lizzy beth betty bette betsy eliza libby lisa elisabeth elise liesel sissi elli',
  margaret: 'maggie meg peggy marge margie greta gretchen margarete grete gretel',
  katherine: 'kate katie kathy cathy kat kitty catherine kathryn katharine katharina kathi katja',
  jennifer: 'jen jenny jenn',
  jessica: 'jess jessie',
  rebecca: 'becky becca',
  susan: 'sue susie suzy susanne susi',
  deborah: 'deb debbie debby',
  dorothy: 'dot dottie dolly',
  barbara: 'barb babs basia',
  victoria: 'vicky vicki tori vic',
  virginia: 'ginny ginger',
  theresa: 'tess tessa terry tracy teresa',
  mary: 'molly polly mae mamie',
  amanda: 'mandy',
  cynthia: 'cindy',
  pamela: 'pam',
  judith: 'judy',
  kimberly: 'kim',
  jacqueline: 'jackie',
  angela: 'angie',
  sarah: 'sally sadie sara',
  eleanor: 'ellie nell nora',
  helen: 'nell nellie',
  abigail: 'abby gail',
  alice: 'allie ally',
  caroline: 'carrie carol',
  frances: 'fran fanny frankie',
  isabella: 'bella izzy isabel',
  josephine: 'jo josie',
  madeline: 'maddie maddy',
  michelle: 'shelly',
  olivia: 'liv livvy',
  gwendolyn: 'gwen',
  // Polish
  katarzyna: 'kasia kaska kasienka',
  malgorzata: 'gosia malgosia gosienka',
  aleksandra: 'ola olka',
  aleksander: 'olek alek',
  agnieszka: 'aga agusia',
  anna: 'ania anka anusia',
  hanna: 'hania',
  elzbieta: 'ela elka',
  ewa: 'ewka ewunia',
  joanna: 'asia joasia',
  jadwiga: 'jadzia',
  krystyna: 'krysia',
  magdalena: 'magda madzia lena lene',
  maria: 'marysia mari mary',
  zofia: 'zosia',
  urszula: 'ula',
  wiktoria: 'wika',
  weronika: 'wera',
  dorota: 'dorotka',
  jan: 'janek jasiek jas',
  jakub: 'kuba kubus',
  krzysztof: 'krzys krzysiek',
  tomasz: 'tomek',
  piotr: 'piotrek',
  pawel: 'pawelek',
  michal: 'michas michalek',
  andrzej: 'jedrek andrzejek',
  wojciech: 'wojtek',
  stanislaw: 'stasiek stas staszek',
  wladyslaw: 'wladek',
  zbigniew: 'zbyszek',
  grzegorz: 'grzes grzesiek',
  maciej: 'maciek',
  dariusz: 'darek',
  jaroslaw: 'jarek',
  miroslaw: 'mirek',
  slawomir: 'slawek',
  radoslaw: 'radek',
  przemyslaw: 'przemek',
  boguslaw: 'bogus',
  kazimierz: 'kazik',
  jozef: 'jozek jozio',
  tadeusz: 'tadek',
  ryszard: 'rysiek',
  witold: 'witek',
  bartlomiej: 'bartek',
  bartosz: 'bartek',
  jerzy: 'jurek',
  adam: 'adas',
  ireneusz: 'irek',
  roman: 'romek',
  henryk: 'heniek',
  // German
  johannes: 'hans hannes johann',
  friedrich: 'fritz',
  wolfgang: 'wolf',
  wilhelm: 'willi willy',
  heinrich: 'heinz heini',
  ulrich: 'uli ulli',
  andreas: 'andi anderl',
  bernhard: 'bernd',
  gabriele: 'gabi',
  stefanie: 'steffi',
  monika: 'moni',
  florian: 'flo',
  cornelia: 'conny',
  sebastian: 'basti seb sebas',
  // Spanish
  jose: 'pepe pepito chepe',
  josefa: 'pepa pepita',
  francisco: 'paco pancho curro quico',
  manuel: 'manolo manu',
  jesus: 'chucho chuy',
  ignacio: 'nacho',
  guillermo: 'memo guille',
  enrique: 'quique kike',
  alejandro: 'alejo jandro alex',
  antonio: 'toni tono',
  dolores: 'lola loli',
  concepcion: 'concha conchita conchi',
  consuelo: 'chelo',
  rosario: 'charo',
  mercedes: 'merche meche',
  guadalupe: 'lupe lupita',
  isabel: 'chabela isa',
  eduardo: 'lalo',
  roberto: 'beto tito',
  alberto: 'beto',
  rafael: 'rafa',
  fernando: 'nando fer',
  beatriz: 'bea',
  inmaculada: 'inma',
  encarnacion: 'encarna',
  santiago: 'santi chago',
  luis: 'lucho',
  javier: 'javi',
  cristina: 'cris',
  pilar: 'pili',
  montserrat: 'montse',
};

const CANONICAL = new Map<string, string[]>();
for (const [canonical, variants] of Object.entries(TABLE)) {
  for (const name of [canonical, ...variants.split(' ')]) {
    const list = CANONICAL.get(name) ?? [];
    if (!list.includes(canonical)) list.push(canonical);
    CANONICAL.set(name, list);
  }
}

/** Canonical name → every form of it in the table (itself first). */
const FORMS = new Map<string, readonly string[]>(
  Object.entries(TABLE).map(([canonical, variants]) => [canonical, [canonical, ...variants.split(' ')]]),
);

/** Per folded name: the forms of every name it stands for, computed on first use. */
const formsOf = new Map<string, readonly string[]>();

/**
 * Every form of the given names a folded first name stands for, the name itself included: `tomek` →
 * `['tomasz', 'tomek']`, `alex` → Alexander's, Alexandra's and Alejandro's forms. A name the table does not know
 * has only itself. Lets a comparison see that `Tvomek` is `Tomek` with a slip, and so a form of `Tomasz`.
 */
export function givenNameForms(folded: string): readonly string[] {
  let forms = formsOf.get(folded);
  if (forms) return forms;
  const canonicals = CANONICAL.get(folded);
  forms = canonicals ? [...new Set(canonicals.flatMap((c) => FORMS.get(c) ?? [c]))] : [folded];
  if (formsOf.size < 10_000) formsOf.set(folded, forms);
  return forms;
}

/** Number of diminutive or variant → canonical pairs in the table. */
export const NICKNAME_ENTRIES =
  [...CANONICAL.values()].reduce((n, list) => n + list.length, 0) - Object.keys(TABLE).length;

/**
 * The canonical given names a first name stands for: `Bob` → `['robert']`, `Alex` → `['alexander',
 * 'alexandra']`, `Gosia` → `['malgorzata']`, `Isabel` → `['isabella', 'isabel']` (a variant of one name and a
 * name of its own). A name the table does not know stands for itself. Input in any form; output folded.
 */
export function canonicalGivenNames(name: string): readonly string[] {
  const folded = fold(name);
  return CANONICAL.get(folded) ?? [folded];
}

/**
 * Whether two first names are one given name by the nickname table: the same name, a diminutive and its name
 * (`Kasia`/`Katarzyna`), or two diminutives of one name (`Bill`/`Billy`).
 */
export function areNicknameEquivalent(a: string, b: string): boolean {
  const fa = fold(a);
  const fb = fold(b);
  if (fa === '' || fb === '') return false;
  if (fa === fb) return true;
  const ca = CANONICAL.get(fa);
  const cb = CANONICAL.get(fb);
  return ca !== undefined && cb !== undefined && ca.some((name) => cb.includes(name));
}

/** Whether a folded word is a given name or diminutive the table knows. */
export function isKnownGivenName(folded: string): boolean {
  return CANONICAL.has(folded);
}
