import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would run to make the connected database match the entities — empty when the migrated schema
 * and the entities agree. Nothing is executed: the schema builder only logs what it would do.
 *
 * Indexes TypeORM cannot express (expression indexes such as `lower(email)`) are declared in the entities with
 * `@Index(name, { synchronize: false })`, which the schema builder skips; so that dropping one is still noticed,
 * each such index that is missing from its table is reported as a `-- missing index …` line.
 */
export async function schemaDrift(ds: DataSource): Promise<string[]> {
  const sqlInMemory = await ds.driver.createSchemaBuilder().log();
  const drift = sqlInMemory.upQueries.map((query) => query.query.trim());

  const manualIndexes = ds.entityMetadatas.flatMap((metadata) =>
    metadata.indices
      .filter((index) => index.synchronize === false && index.name)
      .map((index) => ({ table: metadata.tableName, name: index.name! })),
  );
  if (manualIndexes.length > 0) {
    const present: { tablename: string; indexname: string }[] = await ds.query(
      `SELECT tablename, indexname FROM pg_indexes
        WHERE schemaname = current_schema() AND indexname = ANY ($1)`,
      [manualIndexes.map((index) => index.name)],
    );
    for (const index of manualIndexes) {
      if (!present.some((row) => row.tablename === index.table && row.indexname === index.name)) {
        drift.push(`-- missing index "${index.name}" on "${index.table}" (declared with synchronize: false)`);
      }
    }
  }
  return drift;
}
