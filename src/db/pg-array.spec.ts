import { pgArray } from './pg-array';

describe('pgArray', () => {
  it('quotes every element, escapes quotes and backslashes and writes NULL for null', () => {
    expect(pgArray([])).toBe('{}');
    expect(pgArray(['a', 'b'])).toBe('{"a","b"}');
    expect(pgArray([1, 2n, true])).toBe('{"1","2","true"}');
    expect(pgArray(['a "b"', 'c\\d', null, 'NULL', ''])).toBe('{"a \\"b\\"","c\\\\d",NULL,"NULL",""}');
  });
});
