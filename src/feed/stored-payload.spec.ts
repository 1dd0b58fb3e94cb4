import { feedPayload, storedPayload } from './stored-payload';

const PROFILE = '0190a0a0-0000-7000-8000-0000000000aa';

describe("a golden change's payload as stored", () => {
  const payload = {
    profileId: PROFILE,
    version: 3,
    changedFields: ['address.city', 'email', 'phone'],
    values: { email: 'ann@x.io', phone: null, 'address.city': 'Kraków' },
    inConflict: ['email'],
  };

  it('leaves out the profile id and the changed fields, and the feed gets the same payload back', () => {
    const stored = storedPayload('profile.updated', PROFILE, payload);
    expect(stored).toEqual({ version: 3, values: payload.values, inConflict: ['email'] });
    // As jsonb gives it back: keys in another order.
    const fromDatabase = JSON.parse(JSON.stringify({ inConflict: ['email'], values: payload.values, version: 3 }));
    expect(feedPayload('profile.updated', PROFILE, fromDatabase)).toEqual(payload);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(payload).length - 60);
  });

  it('stores any other shape as it is', () => {
    const unsorted = { ...payload, changedFields: ['email', 'address.city', 'phone'] };
    const fewer = { ...payload, changedFields: ['address.city', 'email'] };
    const otherProfile = { ...payload, profileId: 'someone-else' };
    const merged = { profileId: PROFILE, mergedInto: 'x' };
    expect(storedPayload('profile.updated', PROFILE, unsorted)).toBe(unsorted);
    expect(storedPayload('profile.updated', PROFILE, fewer)).toBe(fewer);
    expect(storedPayload('profile.updated', PROFILE, otherProfile)).toBe(otherProfile);
    expect(storedPayload('profile.merged', PROFILE, merged)).toBe(merged);
    expect(storedPayload('profile.created', null, payload)).toBe(payload);
  });

  it('reads full payloads (written before), redacted ones and other events as they are', () => {
    const redacted = { redacted: true, reason: 'erasure' };
    expect(feedPayload('profile.updated', PROFILE, payload)).toBe(payload);
    expect(feedPayload('profile.created', PROFILE, redacted)).toBe(redacted);
    expect(feedPayload('segment.entered', PROFILE, { version: 1, values: {} })).toEqual({ version: 1, values: {} });
  });
});
