import fc from 'fast-check';
import { phoneticCode } from './phonetic';

describe('phoneticCode', () => {
  it.each([
    [['Müller', 'Mueller', 'Muller', 'MÜLLER'], 'MLR'],
    [['Meyer', 'Meier', 'Mayer', 'Maier'], 'MR'],
    [['Schmidt', 'Schmitt', 'Szmidt', 'Shmidt'], 'XMT'],
    [['Kowalski', 'Kowalsky', 'Kovalski'], 'KFLSK'],
    [['Nowak', 'Novak'], 'NFK'],
    [['Katherine', 'Catherine', 'Kathryn'], 'KTRN'],
    [['Stephen', 'Steven'], 'STFN'],
    [['Philip', 'Phillip', 'Filip'], 'FLP'],
    [['John', 'Jon'], 'JN'],
    [['Gonzalez', 'Gonzales', 'González'], 'KNSLS'],
    [['Łukasz', 'Lukasz'], 'LKX'],
    [['Zofia', 'Sophia'], 'SF'],
    [['Anna', 'Hanna', 'Ana'], 'AN'],
    [['Eva', 'Ewa'], 'AF'],
    [['Brown', 'Braun'], 'BRN'],
    [['Schwarz', 'Schwartz'], 'XFRS'],
    [['Chris', 'Kris'], 'KRS'],
    [['Frederick', 'Fredrik', 'Frederic'], 'FRTRK'],
    [['Wójcik', 'Wojcik'], 'FJSK'],
  ])('gives %j the code %s', (names, code) => {
    for (const name of names) expect(phoneticCode(name)).toBe(code);
  });

  it('keeps different names apart', () => {
    const names = ['Kowalski', 'Nowak', 'Wiśniewski', 'Wójcik', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański'];
    expect(new Set(names.map(phoneticCode)).size).toBe(names.length);
    expect(phoneticCode('Katarzyna')).not.toBe(phoneticCode('Katherine'));
    expect(phoneticCode('Charles')).not.toBe(phoneticCode('Karl'));
  });

  it('documents its limits: no alternate codes, other scripts give no code', () => {
    expect(phoneticCode('Smith')).toBe('SMT');
    expect(phoneticCode('Schmidt')).toBe('XMT');
    expect(phoneticCode('Иванов')).toBe('');
    expect(phoneticCode('')).toBe('');
    expect(phoneticCode("O'Brien-Smith")).toBe(phoneticCode('obriensmith'));
  });

  it('is upper-case letters only and ignores case and diacritics', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 16, unit: fc.constantFrom(...'aąbcćdeęghijklłmnńoóprsśtuwyzźżüöß -') }),
        (name) => {
          const code = phoneticCode(name);
          expect(code).toMatch(/^[A-Z]*$/);
          expect(phoneticCode(name.toUpperCase())).toBe(code);
        },
      ),
      { numRuns: 300 },
    );
  });
});
