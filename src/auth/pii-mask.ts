import { createHmac } from 'node:crypto';
import type { MiddlewareFn } from 'type-graphql';
import { UseMiddleware } from 'type-graphql';
import type { ServiceContext } from '../common/context';
import { suppressionKey } from '../privacy/suppression-key';
import { hasScope, Scope } from './principal';

/**
 * Personal data a reader sees only with `pii:read`: the golden and source fields below (flat paths), and the same
 * keys inside JSON (source attributes, event payloads, evidence, timeline properties). Region and country of an
 * address stay visible (too coarse to identify anyone, and what analytics groups by).
 */
const PII_FIELDS = new Set([
  'email',
  'phone',
  'firstName',
  'lastName',
  'birthDate',
  'address.line1',
  'address.line2',
  'address.city',
  'address.postalCode',
]);
/** The same inside nested JSON objects (an `address` object's parts, a consent's contact point …). */
const PII_KEYS = new Set([
  'email',
  'phone',
  'firstName',
  'lastName',
  'birthDate',
  'line1',
  'line2',
  'city',
  'postalCode',
  'contactPoint',
  'newEmail',
  'oldEmail',
  'ip',
  'ipAddress',
]);
/** Identifier objects `{ type, value }` whose value is personal. */
const PII_IDENTIFIER_TYPES = new Set(['email', 'phone']);

/**
 * A masked value: `masked:` and 16 hex characters of a keyed HMAC of the field and the value. The same value of
 * the same field always masks the same way (analytics can still count distinct values and join on them), and
 * without the hub's key the original cannot be recovered or guessed by hashing candidates.
 */
export function maskValue(key: Buffer, field: string, value: string): string {
  return `masked:${createHmac('sha256', key).update(field).update('\0').update(value).digest('hex').slice(0, 16)}`;
}

/** Masks personal values inside any JSON value (objects, arrays), by key name; other values pass through. */
export function maskJson(key: Buffer, value: unknown, field = ''): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => maskJson(key, item, field));
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const identifier =
      typeof object.type === 'string' && PII_IDENTIFIER_TYPES.has(object.type) && 'value' in object
        ? object.type
        : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(object)) {
      if (identifier && k === 'value') out[k] = maskDeep(key, identifier, v);
      else if (PII_FIELDS.has(k) || PII_KEYS.has(k)) out[k] = maskDeep(key, k, v);
      else out[k] = maskJson(key, v, k);
    }
    return out;
  }
  return value;
}

/**
 * Masks a personal value whole: a scalar, or every part of an object under a personal key (an address, the
 * `{ from, to }` of a change) — except an address's region and country, which stay.
 */
function maskDeep(key: Buffer, field: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(key, field, v));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        // An address object under `address`: its coarse parts stay.
        k === 'region' || k === 'country' ? v : maskDeep(key, PII_KEYS.has(k) ? k : field, v),
      ]),
    );
  }
  return maskValue(key, field, String(value));
}

/** Masks a golden field's value by the field's flat name (`address` as a whole keeps region and country). */
export function maskFieldValue(key: Buffer, name: string, value: unknown): unknown {
  return name === 'address' || PII_FIELDS.has(name) ? maskDeep(key, name, value) : value;
}

const keys = new WeakMap<object, Promise<Buffer>>();

/** The masking key, derived from the privacy key (so masked values are stable across processes and restarts). */
export function maskingKey(ctx: ServiceContext): Promise<Buffer> {
  let key = keys.get(ctx.dataSource);
  if (!key) {
    key = suppressionKey({ ...ctx, manager: ctx.dataSource.manager, afterCommit: () => undefined }).then((secret) =>
      createHmac('sha256', secret).update('profile-hub:pii-mask:v1').digest(),
    );
    key.catch(() => keys.delete(ctx.dataSource));
    keys.set(ctx.dataSource, key);
  }
  return key;
}

/** What the masking middleware needs of a GraphQL context. */
export interface PiiContext extends ServiceContext {
  /** Profiles whose personal data this request showed unmasked (the audit trail records them). */
  piiReads?: Set<string>;
}

/** How a field's value is masked and which profile it belongs to. */
type Masking = {
  mask: (key: Buffer, value: unknown, root: Record<string, unknown>) => unknown;
  /** The profile the value belongs to, for the audit of unmasked reads. */
  profileOf?: (root: Record<string, unknown>) => unknown;
};

function piiMiddleware(masking: Masking): MiddlewareFn<PiiContext> {
  return async ({ root, context }, next) => {
    const value: unknown = await next();
    if (value === null || value === undefined) return value;
    if (!context.principal || hasScope(context.principal, Scope.PiiRead)) {
      const profile = masking.profileOf?.(root as Record<string, unknown>);
      if (context.principal && typeof profile === 'string') context.piiReads?.add(profile);
      return value;
    }
    return masking.mask(await maskingKey(context), value, root as Record<string, unknown>);
  };
}

/** A personal field of a profile-like object (`id` or `profileId` names the profile); masked whatever its name. */
export function PiiField(field: string) {
  return UseMiddleware(
    piiMiddleware({
      mask: (key, value) => maskDeep(key, field, value),
      profileOf: (root) => root.profileId ?? root.id,
    }),
  );
}

/** A value whose field is named by a property of its object (`GoldenField.name`, a conflict's `field`). */
export function PiiValueOf(nameProperty: string) {
  return UseMiddleware(
    piiMiddleware({
      mask: (key, value, root) => maskFieldValue(key, String(root[nameProperty]), value),
      profileOf: (root) => root.profileId,
    }),
  );
}

/** JSON holding personal values by key (attributes, payloads, evidence, properties). */
export function PiiJson() {
  return UseMiddleware(
    piiMiddleware({ mask: (key, value) => maskJson(key, value), profileOf: (root) => root.profileId }),
  );
}

/** A conflict's resolution: the chosen `value` is masked by the conflict's field; the rest (note, outcome) stays. */
export function PiiResolution() {
  return UseMiddleware(
    piiMiddleware({
      mask: (key, value, root) => {
        if (typeof value !== 'object' || value === null || !('value' in value)) return value;
        const resolution = value as Record<string, unknown>;
        return { ...resolution, value: maskFieldValue(key, String(root.field), resolution.value) };
      },
      profileOf: (root) => root.profileId,
    }),
  );
}

/** Raw text that may hold anything (a dead letter's payload): masked as a whole. */
export function PiiText() {
  return UseMiddleware(piiMiddleware({ mask: (key, value) => maskValue(key, 'raw', String(value)) }));
}
