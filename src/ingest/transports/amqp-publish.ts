import { randomUUID } from 'node:crypto';
import { connect, type Channel } from 'amqplib';
import { assertIngestTopology, DEFAULT_AMQP_PREFIX, ingestTopology } from './amqp-topology';

/** Waits until the channel's write buffer has room again (or fails when the channel closes first). */
function drained(channel: Channel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      channel.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      channel.off('drain', onDrain);
      reject(new Error('the channel closed while publishing'));
    };
    channel.once('drain', onDrain);
    channel.once('close', onClose);
  });
}

export interface PublishMessagesOptions {
  /** Name prefix of the exchange and queues (default `profile-hub`). */
  prefix?: string;
  /** `content-type` of every message; optional for the consumer. */
  contentType?: string;
  /** Extra headers on every message. */
  headers?: Record<string, unknown>;
}

export interface PublishRecordsOptions extends PublishMessagesOptions {
  /** Records per message (default 1): one is sent as a JSON object, more as a JSON array or NDJSON. */
  recordsPerMessage?: number;
  /** `json` (default) or `ndjson` for messages of several records. */
  format?: 'json' | 'ndjson';
}

/**
 * Publishes raw bodies to a source's ingest queue (through the `<prefix>.ingest` exchange, routing key
 * `<source>`) as persistent, mandatory messages with publisher confirms: it resolves only once the broker has
 * taken responsibility for every message, and throws when one was nacked or could not be routed. The
 * topology is declared first, so nothing published before the first consumer started is dropped.
 */
export async function publishMessages(
  url: string,
  source: string,
  bodies: (string | Buffer)[],
  options: PublishMessagesOptions = {},
): Promise<{ messages: number }> {
  const topology = ingestTopology(options.prefix ?? DEFAULT_AMQP_PREFIX);
  const connection = await connect(url, { clientProperties: { connection_name: `profile-hub publisher ${source}` } });
  connection.on('error', () => undefined); // the failure surfaces through the pending operation
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    let returned = 0;
    channel.on('return', () => void returned++);
    await assertIngestTopology(channel, topology, [source]);
    for (const body of bodies) {
      const fits = channel.publish(topology.exchange, source, Buffer.isBuffer(body) ? body : Buffer.from(body), {
        persistent: true,
        mandatory: true,
        contentType: options.contentType,
        headers: options.headers,
        messageId: randomUUID(),
        timestamp: Math.floor(Date.now() / 1000),
        appId: 'profile-hub',
      });
      if (!fits) await drained(channel);
    }
    await channel.waitForConfirms();
    if (returned > 0) throw new Error(`${returned} message(s) could not be routed to ${topology.queue(source)}`);
    await channel.close();
    return { messages: bodies.length };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * Publishes canonical records to a source's ingest queue, `recordsPerMessage` per message (default 1), with
 * publisher confirms. Used by tests, the demo and anyone feeding the hub from a script.
 */
export async function publishRecords(
  url: string,
  source: string,
  records: unknown[],
  options: PublishRecordsOptions = {},
): Promise<{ messages: number }> {
  const perMessage = Math.max(1, Math.floor(options.recordsPerMessage ?? 1));
  const ndjson = options.format === 'ndjson';
  const bodies: string[] = [];
  for (let i = 0; i < records.length; i += perMessage) {
    const chunk = records.slice(i, i + perMessage);
    if (ndjson) bodies.push(chunk.map((r) => JSON.stringify(r)).join('\n') + '\n');
    else bodies.push(JSON.stringify(perMessage === 1 ? chunk[0] : chunk));
  }
  return publishMessages(url, source, bodies, {
    ...options,
    contentType: options.contentType ?? (ndjson ? 'application/x-ndjson' : 'application/json'),
  });
}
