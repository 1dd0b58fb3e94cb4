import fc from 'fast-check';
import { pgArray } from './pg-array';

describe('pgArray', () => {
  it('quotes every element, escapes quotes and backslashes and writes NULL for null', () => {
    expect(pgArray([])).toBe('{}');
    expect(pgArray(['a', 'b'])).toBe('{"a","b"}');
    expect(pgArray([1, 2n, true])).toBe('{"1","2","true"}');
    expect(pgArray(['a "b"', 'c\\d', null, 'NULL', ''])).toBe('{"a \\"b\\"","c\\\\d",NULL,"NULL",""}');
  });

  it('writes values without quotes or backslashes in one join, not element by element', () => {
    // The element-by-element path maps the array; plain values (the ids and keys of a batch) never need it.
    class Unmappable<T> extends Array<T> {
      override map<U>(): U[] {
        throw new Error('mapped element by element');
      }
    }
    const ids = Unmappable.from(['0b50c071-e71e-4c4f-9bd9-955fd84bce47', 'n:KFLSK:1980-03-05', 'Łódź']);
    expect(pgArray(ids)).toBe('{"0b50c071-e71e-4c4f-9bd9-955fd84bce47","n:KFLSK:1980-03-05","Łódź"}');
    expect(() => pgArray(Unmappable.from(['a "b"', 'c']))).toThrow('mapped element by element');
  });

  it('writes the literal of quoting every element and joining them, however many and whatever they hold', () => {
    // The literal as a plain reading of the format: braces around the elements, each quoted and escaped, or NULL.
    const reference = (values: readonly (string | number | null)[]) =>
      `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
    const value = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'ł', '"', '\\', ',', '{', ' ') }),
      fc.integer(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 8 }), (values) => {
        expect(pgArray(values)).toBe(reference(values));
      }),
      { numRuns: 2000 },
    );
  });
});
