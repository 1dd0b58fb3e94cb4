import 'reflect-metadata';
import { DataSource, type LoggerOptions } from 'typeorm';
import { entities } from './entities';
import { migrations } from '../../migrations';
import { SnakeNamingStrategy } from './naming-strategy';

export interface DataSourceOptions {
  url: string;
  /** Pool size per process; default 10. */
  poolSize?: number;
  logging?: LoggerOptions;
  applicationName?: string;
  /** PostgreSQL cancels a statement of this pool that runs longer (`statement_timeout`); 0 or unset: never. */
  statementTimeoutMs?: number;
}

/**
 * The one way the hub builds its TypeORM DataSource: the app, the CLI (`ormconfig.ts`) and the tests all go
 * through here, so that all of them see the same entities, migrations and settings.
 * `synchronize` is never on: the schema comes only from the hand-read migrations in `migrations/`.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'profile-hub',
    extra: {
      connectionTimeoutMillis: 5000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
}
