import type { HubConfig } from '../config/config';
import { openDatabase, type Database } from '../db/database';
import { createHubPubSub } from '../feed/change-notifier';
import type { Logger } from '../logging/logger';
import { createHubServer, type HubServer } from './app';

export interface RunningHub {
  url: string;
  port: number;
  database: Database;
  server: HubServer;
  /** Graceful stop: stop accepting, drain requests, close WebSockets (1001), close the pool, stop the database. */
  stop(): Promise<void>;
}

/** Starts a whole hub: database (embedded or `DATABASE_URL`), migrations, HTTP + WebSocket server. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const database = await openDatabase(config, logger);
  let server: HubServer;
  let address: { url: string; port: number };
  try {
    server = await createHubServer({ config, logger, dataSource: database.dataSource, pubSub: createHubPubSub() });
    address = await server.listen();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    ...address,
    database,
    server,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await database.close();
      })()),
  };
}
