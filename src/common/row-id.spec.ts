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
});
