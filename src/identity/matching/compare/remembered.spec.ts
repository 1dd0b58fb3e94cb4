import { PairMemo, remembered, rememberedPair } from './remembered';

describe('rememberedPair', () => {
  it('computes a pair once, keeps pairs apart by order and by where one string ends', () => {
    const calls: string[] = [];
    const joined = rememberedPair((a: string, b: string) => {
      calls.push(`${a}|${b}`);
      return `${a}+${b}`;
    });
    expect(joined('anna', 'ann')).toBe('anna+ann');
    expect(joined('anna', 'ann')).toBe('anna+ann');
    expect(joined('ann', 'anna')).toBe('ann+anna');
    expect(joined('a b', 'c')).toBe('a b+c');
    expect(joined('a', 'b c')).toBe('a+b c');
    expect(calls).toEqual(['anna|ann', 'ann|anna', 'a b|c', 'a|b c']);
  });

  it('starts afresh past its limit instead of growing without bound', () => {
    let calls = 0;
    const length = rememberedPair((a: string, b: string) => ++calls + a.length + b.length, 2);
    length('a', 'b');
    length('a', 'c');
    length('a', 'd'); // the third entry: the memo was full and starts afresh
    expect(calls).toBe(3);
    length('a', 'b');
    expect(calls).toBe(4);
    length('a', 'd');
    expect(calls).toBe(4);
  });
});

describe('PairMemo', () => {
  it('answers undefined for a pair it was not given, and what it was given otherwise', () => {
    const memo = new PairMemo<number>(10);
    expect(memo.get('x', 'y')).toBeUndefined();
    memo.set('x', 'y', 0);
    expect(memo.get('x', 'y')).toBe(0);
    expect(memo.get('y', 'x')).toBeUndefined();
  });
});

describe('remembered', () => {
  it('computes a value once, and starts afresh past its limit', () => {
    const calls: string[] = [];
    const upper = remembered((value: string) => {
      calls.push(value);
      return value.toUpperCase();
    }, 2);
    expect([upper('a'), upper('a'), upper('b')]).toEqual(['A', 'A', 'B']);
    expect(calls).toEqual(['a', 'b']);
    upper('c'); // the third entry: the memo was full and starts afresh
    upper('c');
    upper('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
