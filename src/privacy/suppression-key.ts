import { createHmac, randomBytes } from 'node:crypto';
import type { ServiceContext } from '../common/context';

/** Generated keys by database, so one process reads `privacy_key` once. */
const generated = new WeakMap<object, Promise<string>>();

/**
 * The key of the suppression list's HMACs: `PRIVACY_HMAC_KEY` (through `ctx.settings`) when set — always so in
 * production, where the configuration requires it. Otherwise (development, tests) a random key generated once
 * and kept in the database's `privacy_key` table, so every hub process on that database agrees on it. Changing
 * the key later makes the existing suppression entries unrecognisable. The key is never logged.
 */
export async function suppressionKey(ctx: ServiceContext): Promise<string> {
  const configured = ctx.settings?.privacyHmacKey;
  if (configured) return configured;
  let key = generated.get(ctx.dataSource);
  if (!key) {
    // Outside the caller's transaction: a key cached here must be committed even if that transaction rolls back.
    key = readOrCreateKey(ctx);
    generated.set(ctx.dataSource, key);
    key.catch(() => generated.delete(ctx.dataSource));
  }
  return key;
}

async function readOrCreateKey({ dataSource: db }: ServiceContext): Promise<string> {
  // Concurrent first uses race on the single row; the loser's insert does nothing and both read the winner's key.
  await db.query(`INSERT INTO privacy_key (id, hmac_key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
    randomBytes(32).toString('hex'),
  ]);
  const [row]: { hmac_key: string }[] = await db.query(`SELECT hmac_key FROM privacy_key WHERE id = 1`);
  return row.hmac_key;
}

/** Hex HMAC-SHA-256 of a normalised identifier value. */
export function identifierHmac(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
