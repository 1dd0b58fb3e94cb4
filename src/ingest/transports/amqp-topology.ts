import type { Channel } from 'amqplib';

/** Prefix of every exchange and queue name the hub declares on the broker (tests use a unique one). */
export const DEFAULT_AMQP_PREFIX = 'profile-hub';

/**
 * Message headers the ingest transport reads and writes. `x-attempts` counts failed processing attempts so
 * far; a message in a `.dead` queue also says why it is there and what the last error was.
 */
export const AmqpHeader = {
  Attempts: 'x-attempts',
  DeadReason: 'x-dead-reason',
  LastError: 'x-last-error',
  DeadAt: 'x-dead-at',
} as const;

/** `x-dead-reason` of a message that failed `amqpMaxAttempts` times. */
export const DEAD_REASON_MAX_ATTEMPTS = 'max-attempts-exceeded';

export interface IngestTopology {
  /** Direct exchange publishers send to, with the source key as routing key. */
  exchange: string;
  /** The queue of one source, bound to the exchange with routing key `<source>`. */
  queue(source: string): string;
  /** Where a source's messages go after failing `amqpMaxAttempts` times (nothing consumes it). */
  deadQueue(source: string): string;
}

/** The names: `<prefix>.ingest`, `<prefix>.ingest.<source>`, `<prefix>.ingest.<source>.dead`. */
export function ingestTopology(prefix = DEFAULT_AMQP_PREFIX): IngestTopology {
  return {
    exchange: `${prefix}.ingest`,
    queue: (source) => `${prefix}.ingest.${source}`,
    deadQueue: (source) => `${prefix}.ingest.${source}.dead`,
  };
}

/**
 * Declares the exchange and each source's queue, binding and dead-letter queue, all durable. Idempotent: the
 * consumer does it on every (re)connect and publishers before they publish, so a message published before
 * any consumer ever ran is kept, not dropped as unroutable. The declarations carry no arguments on purpose,
 * so that every party declares them identically.
 */
export async function assertIngestTopology(channel: Channel, topology: IngestTopology, sources: string[]) {
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  for (const source of sources) {
    await channel.assertQueue(topology.queue(source), { durable: true });
    await channel.bindQueue(topology.queue(source), topology.exchange, source);
    await channel.assertQueue(topology.deadQueue(source), { durable: true });
  }
}
