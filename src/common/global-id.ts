import { ErrorCode, HubError } from './hub-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Relay global id: base64url of `Type:localId`, e.g. `toGlobalId('Profile', uuid)`. */
export function toGlobalId(type: string, localId: string): string {
  return Buffer.from(`${type}:${localId}`, 'utf8').toString('base64url');
}

/**
 * Reads a global id of the expected type and returns its UUID. A bare UUID is accepted too, so ids copied
 * from logs, exports or the CRM's own fields work as well.
 */
export function fromGlobalId(expectedType: string, id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const type = decoded.slice(0, separator);
  const local = decoded.slice(separator + 1);
  if (separator < 0 || type !== expectedType || !UUID.test(local)) {
    throw new HubError(ErrorCode.InvalidId, `"${id.slice(0, 80)}" is not a ${expectedType} id`);
  }
  return local.toLowerCase();
}
