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
});
