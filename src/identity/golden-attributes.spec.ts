import { ADDRESS_KEYS, ADDRESS_PARTS, CORE_ATTRIBUTES } from './golden-attributes';

describe('ADDRESS_KEYS', () => {
  it('names each address part by its flat path, the one the core attributes use', () => {
    for (const part of ADDRESS_PARTS) {
      expect(ADDRESS_KEYS[part]).toBe(`address.${part}`);
      expect(CORE_ATTRIBUTES).toContain(ADDRESS_KEYS[part]);
    }
    expect(Object.keys(ADDRESS_KEYS).sort()).toEqual([...ADDRESS_PARTS].sort());
  });
});
