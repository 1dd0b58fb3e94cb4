import { randomFillSync } from 'node:crypto';

/**
 * The id of a new golden profile, source record or change event: a UUIDv7 (RFC 9562), which begins with its
 * creation time in milliseconds. The rows a batch writes get ids close together, so the primary keys and the
 * indexes that lead with these ids (`blocking_key` and `identifier` by source record) take a batch's entries on a
 * few recent pages; with random (v4) ids every entry lands on a random page, and once those indexes outgrow
 * memory — around a million profiles — nearly every one is a page read. The creation time an id reveals is
 * already the profile's `createdAt`.
 *
 * Ids made by this process sort in the order they were made (RFC 9562, §6.2, method 1): within a millisecond a
 * 30-bit counter follows the time (the 12 bits of `rand_a` and the first 18 of `rand_b`), seeded at random below
 * its half at each new millisecond; should it run out, the time moves on by a millisecond. The other 44 bits are
 * random. Written here rather than taken from the `uuid` package because a bulk import makes ~3.5 ids a record:
 * drawn from a pool of random bytes and hex-encoded into one buffer, an id costs one string instead of a
 * concatenation of sixteen.
 */
export function newRowId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = randomBits(29);
  } else {
    ms = lastMs;
    counter++;
    if (counter > MAX_COUNTER) {
      ms = ++lastMs;
      counter = randomBits(29);
    }
  }
  const bytes = take(6); // the random bytes: 10–15 (44 bits: the low 4 of byte 10, bytes 11–15)
  // 48-bit big-endian milliseconds.
  const high = Math.floor(ms / 2 ** 16);
  hexByte(0, (high >>> 24) & 0xff);
  hexByte(2, (high >>> 16) & 0xff);
  hexByte(4, (high >>> 8) & 0xff);
  hexByte(6, high & 0xff);
  hexByte(9, (ms >>> 8) & 0xff);
  hexByte(11, ms & 0xff);
  // Version 7 and the counter's top 12 bits (rand_a).
  hexByte(14, 0x70 | (counter >>> 26));
  hexByte(16, (counter >>> 18) & 0xff);
  // Variant 10, the counter's low 18 bits, then random.
  hexByte(19, 0x80 | ((counter >>> 12) & 0x3f));
  hexByte(21, (counter >>> 4) & 0xff);
  hexByte(24, ((counter & 0x0f) << 4) | (pool[bytes] & 0x0f));
  hexByte(26, pool[bytes + 1]);
  hexByte(28, pool[bytes + 2]);
  hexByte(30, pool[bytes + 3]);
  hexByte(32, pool[bytes + 4]);
  hexByte(34, pool[bytes + 5]);
  return text.toString('latin1');
}

const MAX_COUNTER = 2 ** 30 - 1;
let lastMs = -1;
let counter = 0;

/** Random bytes drawn 4 KB at a time. */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

/** The offset in `pool` of `n` fresh random bytes. */
function take(n: number): number {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += n;
  return at;
}

function randomBits(bits: number): number {
  const at = take(4);
  return pool.readUInt32BE(at) >>> (32 - bits);
}

/** The id's text, hyphens in place; `hexByte` writes two hex digits at a position. */
const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

function hexByte(at: number, byte: number): void {
  text[at] = HEX_DIGITS[byte >>> 4];
  text[at + 1] = HEX_DIGITS[byte & 0x0f];
}
