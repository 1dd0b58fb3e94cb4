import { hash } from 'node:crypto';
import type { TxContext } from '../common/context';

/**
 * A stable signed 64-bit advisory-lock key for a string such as `email:ann@example.com`: the first 8 bytes of
 * its SHA-256 (UTF-8), big-endian. `lockNames` computes the same key inside PostgreSQL.
 */
export function lockKey(name: string): bigint {
  return hash('sha256', name, 'buffer').readBigInt64BE(0);
}

/** The same key as `lockKey`, computed by PostgreSQL from a text `n`. */
const SQL_LOCK_KEY = `('x' || left(encode(sha256(convert_to(n, 'UTF8')), 'hex'), 16))::bit(64)::bigint`;

/**
 * Takes transaction-scoped advisory locks on every name, in one ascending order of `lockKey` shared by all hub
 * processes, so concurrent writers on one database serialise per identifier and never deadlock on each other.
 * One statement: PostgreSQL hashes, deduplicates and sorts the names, so thousands of them per batch cost Node.js
 * only the parameter. (Names holding a NUL character, which PostgreSQL text cannot carry, are hashed here.)
 */
export async function lockNames(tx: TxContext, names: Iterable<string>): Promise<void> {
  const texts = new Set<string>();
  const keys = new Set<string>();
  for (const name of names) {
    if (name.includes('\u0000')) keys.add(String(lockKey(name)));
    else texts.add(name);
  }
  if (texts.size === 0 && keys.size === 0) return;
  // The sub-query's ORDER BY keeps it from being flattened: the locks are taken row by row in key order.
  await tx.manager.query(
    `SELECT count(pg_advisory_xact_lock(k))
       FROM (SELECT k FROM unnest($1::bigint[]) AS k
              UNION
             SELECT ${SQL_LOCK_KEY} FROM unnest($2::text[]) AS n
              ORDER BY 1) AS keys`,
    [[...keys], [...texts]],
  );
}
