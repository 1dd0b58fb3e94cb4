/** The consent purposes and channels a deployment works with (rules file section `consent`). */
export interface ConsentSettings {
  purposes: string[];
  channels: string[];
}

export const DEFAULT_CONSENT: ConsentSettings = Object.freeze({
  purposes: ['email_marketing', 'sms_marketing', 'phone_marketing', 'profiling', 'third_party_sharing'],
  channels: ['email', 'sms', 'phone', 'post', 'web', 'any'],
}) as ConsentSettings;

const KEY = /^[a-z][a-z0-9_.:-]{0,63}$/;

/**
 * Reads the rules file's `consent` section over the defaults; errors name the setting.
 * @example { "purposes": ["email_marketing", "newsletter_weekly"], "channels": ["email", "sms"] }
 */
export function consentSettingsFrom(raw: unknown, path = 'consent'): ConsentSettings {
  if (raw === undefined) return DEFAULT_CONSENT;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${path} must be an object with "purposes" and "channels"`);
  }
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (key !== 'purposes' && key !== 'channels') {
      throw new Error(`${path}.${key} is not a known setting (expected one of: purposes, channels)`);
    }
  }
  const list = (name: 'purposes' | 'channels'): string[] => {
    const value = section[name];
    if (value === undefined) return DEFAULT_CONSENT[name];
    if (!Array.isArray(value) || value.length === 0) throw new Error(`${path}.${name} must be a non-empty list`);
    value.forEach((item, i) => {
      if (typeof item !== 'string' || !KEY.test(item)) {
        throw new Error(`${path}.${name}[${i}] must be a lower-case key (letters, digits, _ . : -)`);
      }
    });
    return [...new Set(value as string[])];
  };
  return { purposes: list('purposes'), channels: list('channels') };
}
