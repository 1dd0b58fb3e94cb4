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

  it('lends a row to read and fill, counted against the limit; a row held across a fresh start keeps its answers', () => {
    const memo = new PairMemo<string, number>(2);
    const row = memo.row(1);
    memo.setIn(row, 2, 'a');
    memo.setIn(row, 3, 'b');
    expect(memo.get(1, 2)).toBe('a');
    expect(memo.row(1)).toBe(row);
    memo.setIn(row, 4, 'c'); // the third entry: the memo was full and starts afresh
    expect(memo.get(1, 2)).toBeUndefined();
    expect(memo.row(1)).not.toBe(row);
    expect([row.get(2), row.get(3), row.get(4)]).toEqual(['a', 'b', 'c']);
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
