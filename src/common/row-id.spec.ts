import { newRowId } from './row-id';

describe('newRowId', () => {
  it('makes version-7 uuids that sort in the order they were made, starting with the current time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => newRowId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const millis = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis(ids[0])).toBeGreaterThanOrEqual(before);
    expect(millis(ids[ids.length - 1])).toBeLessThanOrEqual(after);
  });

  it('keeps them in order and distinct when many are made in the same millisecond', () => {
    const ids = Array.from({ length: 200_000 }, () => newRowId());
    const millis = new Set(ids.map((id) => id.slice(0, 13)));
    expect(millis.size).toBeLessThan(ids.length / 10); // most share their millisecond with others
    for (let i = 1; i < ids.length; i++) if (!(ids[i - 1] < ids[i])) throw new Error(`${ids[i - 1]} ≥ ${ids[i]}`);
    for (const id of ids.slice(0, 1000))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
