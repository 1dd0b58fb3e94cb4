import type { Socket } from 'node:net';
import type { Client, Pool } from 'pg';

/** Bytes sent to and received from PostgreSQL, summed over connections. */
export interface WireTotals {
  sent: number;
  received: number;
}

/**
 * Counts the bytes a `pg` pool's connections exchange with the server — statements and parameters out, rows
 * back — from their sockets' counters: a measure of the work each side does for the other that does not swing with
 * the machine's speed, as time and CPU do. Takes the connections the pool holds now and every one it opens later;
 * a connection closed in between still counts what it exchanged.
 */
export class WireBytes {
  private readonly sockets = new Set<Socket>();

  constructor(pool: Pool) {
    // pg-pool keeps no public list of its clients; `_clients` has held them since pg-pool 2.
    for (const client of (pool as unknown as { _clients?: Client[] })._clients ?? []) this.watch(client);
    pool.on('connect', (client) => this.watch(client));
  }

  /** Adds a connection the pool does not own (a client of its own). */
  watch(client: Client): void {
    const stream = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
    if (stream) this.sockets.add(stream);
  }

  totals(): WireTotals {
    let sent = 0;
    let received = 0;
    for (const socket of this.sockets) {
      sent += socket.bytesWritten;
      received += socket.bytesRead;
    }
    return { sent, received };
  }
}

/** What was exchanged between two readings of `totals`. */
export function wireBetween(before: WireTotals, after: WireTotals): WireTotals {
  return { sent: after.sent - before.sent, received: after.received - before.received };
}
