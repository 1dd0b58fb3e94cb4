import { createHash } from 'node:crypto';
import type { TxContext } from '../common/context';

/** A stable signed 64-bit advisory-lock key for a string such as `email:ann@example.com`. */
export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

/**
 * Takes transaction-scoped advisory locks on every name, in one ascending order shared by all hub processes,
 * so concurrent writers on one database serialise per identifier and never deadlock on each other.
 */
export async function lockNames(tx: TxContext, names: Iterable<string>): Promise<void> {
  const keys = [...new Set([...names].map(lockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return;
  // unnest yields the array in order, and the function runs row by row as it is scanned.
  await tx.manager.query('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys.map(String)]);
}
