import { createDataSource } from './src/db/data-source';

/**
 * The DataSource for the TypeORM CLI (`npx typeorm -d dist/ormconfig.js migration:show`) and any tool that
 * expects an `ormconfig`. The hub itself builds the same DataSource through `createDataSource`, and runs
 * migrations with `profile-hub migrate`.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL must be set to use the TypeORM CLI (profile-hub migrate starts the embedded database itself)',
  );
}

export default createDataSource({ url });
