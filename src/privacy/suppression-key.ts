import { createHmac, randomBytes } from 'node:crypto';
import type { TxContext } from '../common/context';

/** Committed generated keys by database, so a process reads `privacy_key` once. */
const generated = new WeakMap<object, string>();

/**
 * The key of the suppression list's HMACs: `PRIVACY_HMAC_KEY` (through `ctx.settings`) when set — always so in
 * production, where the configuration requires it. Otherwise (development, tests) a random key generated once
 * and kept in the database's `privacy_key` table, so every hub process on that database agrees on it. Changing
 * the key later makes the existing suppression entries unrecognisable. The key is never logged.
 *
 * Read in the caller's transaction (a second pool connection per batch could exhaust the pool); a key this
 * transaction generated is cached only once it is seen committed, since the transaction may still roll back.
 */
export async function suppressionKey(tx: TxContext): Promise<string> {
  const configured = tx.settings?.privacyHmacKey;
  if (configured) return configured;
  const cached = generated.get(tx.dataSource);
  if (cached) return cached;
  const [stored]: { hmac_key: string }[] = await tx.manager.query(`SELECT hmac_key FROM privacy_key WHERE id = 1`);
  if (stored) {
    generated.set(tx.dataSource, stored.hmac_key);
    return stored.hmac_key;
  }
  // Concurrent first uses race on the single row: the loser's insert waits for the winner's commit, does nothing,
  // and both read the winner's key.
  await tx.manager.query(`INSERT INTO privacy_key (id, hmac_key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
    randomBytes(32).toString('hex'),
  ]);
  const [row]: { hmac_key: string }[] = await tx.manager.query(`SELECT hmac_key FROM privacy_key WHERE id = 1`);
  return row.hmac_key;
}

/** Hex HMAC-SHA-256 of a normalised identifier value. */
export function identifierHmac(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
