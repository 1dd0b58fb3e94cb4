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

/**
 * Most names one ingest batch locks one by one. PostgreSQL keeps advisory locks in its shared lock table, sized
 * `max_locks_per_transaction` × `max_connections` (6,400 on a default server, shared by every connection and
 * also holding each statement's table locks): a batch of a few thousand records names tens of thousands of
 * identifiers and blocking keys, which ran out of it ("out of shared memory"). A batch with more names takes
 * the ingest lock exclusively instead (`lockIngest`).
 */
export const MAX_INGEST_LOCK_NAMES = 2000;

/** The lock every ingest batch holds: shared while it locks its names one by one, exclusive when it has too many. */
const INGEST_LOCK = String(lockKey('ingest'));

/**
 * The first lock of an ingest batch, before any of its names: the ingest lock in shared mode when the batch will
 * lock its names one by one (`lockNames`, at most about `MAX_INGEST_LOCK_NAMES`), or in exclusive mode for a
 * batch that has more — it then excludes every other ingest batch for its duration (they all hold the lock
 * shared while they hold their names) and needs no name locks at all. Two modes of one lock taken first, so
 * batches of either kind never deadlock on each other. Returns whether the batch holds it exclusively.
 */
export async function lockIngest(tx: TxContext, names: number): Promise<boolean> {
  const exclusive = names > MAX_INGEST_LOCK_NAMES;
  await tx.manager.query(
    exclusive ? 'SELECT pg_advisory_xact_lock($1::bigint)' : 'SELECT pg_advisory_xact_lock_shared($1::bigint)',
    [INGEST_LOCK],
  );
  return exclusive;
}
