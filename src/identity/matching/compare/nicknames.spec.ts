import fc from 'fast-check';
import { areNicknameEquivalent, canonicalGivenNames, NICKNAME_ENTRIES } from './nicknames';

describe('nicknames', () => {
  it.each([
    ['Bob', 'Robert'],
    ['Bill', 'William'],
    ['Billy', 'Bill'],
    ['Kasia', 'Katarzyna'],
    ['Gosia', 'Małgorzata'],
    ['Hans', 'Johannes'],
    ['Pepe', 'José'],
    ['Paco', 'Francisco'],
    ['Kuba', 'Jakub'],
    ['Wojtek', 'Wojciech'],
    ['Liz', 'Elizabeth'],
    ['Alex', 'Alexandra'],
    ['Alex', 'Alexander'],
    ['Isabel', 'Chabela'],
    ['Isabel', 'Isabella'],
  ])('%s is %s', (a, b) => {
    expect(areNicknameEquivalent(a, b)).toBe(true);
    expect(areNicknameEquivalent(b, a)).toBe(true);
  });

  it.each([
    ['Alexander', 'Alexandra'],
    ['John', 'Jonathan'],
    ['Hans', 'John'],
    ['Jan', 'Johannes'],
    ['Joseph', 'Josephine'],
    ['Anna', 'Hanna'],
    ['Robert', 'William'],
    ['Zbigniew', 'Zdzisław'],
    ['', 'Bob'],
  ])('%s is not %s', (a, b) => {
    expect(areNicknameEquivalent(a, b)).toBe(false);
  });

  it('maps a diminutive to its canonical names, folded', () => {
    expect(canonicalGivenNames('Gosia')).toEqual(['malgorzata']);
    expect(canonicalGivenNames('ALEX')).toEqual(['alexander', 'alexandra', 'alejandro']);
    expect(canonicalGivenNames('Robert')).toEqual(['robert']);
    expect(canonicalGivenNames('Zdzisław')).toEqual(['zdzislaw']);
    expect(NICKNAME_ENTRIES).toBeGreaterThan(300);
  });

  it('is reflexive and symmetric', () => {
    const names = ['bob', 'robert', 'rob', 'alex', 'sasha', 'alexander', 'alexandra', 'jon', 'john', 'jonathan', 'x'];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.constantFrom(...names), (a, b) => {
        expect(areNicknameEquivalent(a, a)).toBe(true);
        expect(areNicknameEquivalent(a, b)).toBe(areNicknameEquivalent(b, a));
      }),
    );
  });
});
