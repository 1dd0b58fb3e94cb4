import { spellsName } from './mailbox-name';

describe('spellsName', () => {
  it.each([
    ['anna.nowak', true],
    ['nowak_anna', true],
    ['annanowak', true],
    ['a.nowak', true],
    ['nowak.a', true],
    ['anna', true],
    ['anna.nowak74', false],
    ['anna.nowak.pr', false],
    ['kasia.nowak', false],
    ['', false],
  ])('%s for Anna Nowak → %s', (local, expected) => {
    expect(spellsName(local, 'anna', 'nowak')).toBe(expected);
  });

  it('uses the first of several given names and needs a name to compare with', () => {
    expect(spellsName('anna.nowak', 'anna maria', 'nowak')).toBe(true);
    expect(spellsName('anna.nowak', '', '')).toBe(false);
    expect(spellsName('nowak', '', 'nowak')).toBe(true);
  });

  it('spells a double surname whole or by one of its parts, not by a part of another name', () => {
    expect(spellsName('laura.ramos', 'laura', 'ramos rodriguez')).toBe(true);
    expect(spellsName('rodriguez.laura', 'laura', 'ramos rodriguez')).toBe(true);
    expect(spellsName('lauraramosrodriguez', 'laura', 'ramos rodriguez')).toBe(true);
    expect(spellsName('l.ramos', 'laura', 'ramos rodriguez')).toBe(true);
    expect(spellsName('laura.ramos', 'laura', 'martinez garcia')).toBe(false);
    expect(spellsName('laura.ram', 'laura', 'ramos rodriguez')).toBe(false);
  });
});
