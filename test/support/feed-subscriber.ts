import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { testToken } from './test-auth';

/** A graphql-ws client with one subscription that collects what it receives. */
export interface FeedSubscriber<T> {
  received: T[];
  errors: unknown[];
  client: Client;
  /** Resolves once `n` items have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  /** Ends the subscription and closes the connection. */
  close(): Promise<void>;
}

/** Subscribes with `query`; each message's `data[field]` lands in `received` (with its arrival time in `at`). */
export function subscribeFeed<T = Record<string, any>>(
  wsUrl: string,
  query: string,
  variables: Record<string, unknown>,
  field: string,
  onItem?: (item: T) => void,
): FeedSubscriber<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: async () => ({ authorization: `Bearer ${await testToken()}` }),
  });
  const stop = client.subscribe(
    { query, variables },
    {
      next: (message) => {
        if (message.errors) errors.push(...message.errors);
        const item = (message.data as Record<string, T> | undefined)?.[field];
        if (item) {
          received.push(item);
          onItem?.(item);
        }
      },
      error: (error) => void errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    received,
    errors,
    client,
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n && errors.length === 0) {
        if (Date.now() > deadline) throw new Error(`received ${received.length} of ${n} in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      return received;
    },
    async close() {
      stop();
      await client.dispose();
    },
  };
}
