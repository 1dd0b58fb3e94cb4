import type { DataSource, EntityManager } from 'typeorm';

/**
 * A page of rows and the total of its filter, read in one statement, so in one snapshot. Read in two statements,
 * a row that changed between them (a delivery that just died, a letter just replayed) was counted but not listed:
 * a page of one under a total of two. `page` is a whole SELECT with its ORDER BY and LIMIT whose rows have a
 * non-null `id`; `order` orders its rows again outside (`p.` names its columns); both share `params`.
 * @example pageWithTotal(ds, { total: 'SELECT count(*) FROM t WHERE s = $1', page: 'SELECT * FROM t WHERE s = $1 ORDER BY id LIMIT $2', order: 'p.id' }, ['open', 51])
 */
export async function pageWithTotal(
  db: DataSource | EntityManager,
  sql: { total: string; page: string; order: string },
  params: unknown[],
): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  const result: Record<string, unknown>[] = await db.query(
    `SELECT t.page_total_count, p.*
       FROM (${sql.total}) AS t(page_total_count)
       LEFT JOIN LATERAL (${sql.page}) AS p ON true
      ORDER BY ${sql.order}`,
    params,
  );
  return { total: Number(result[0].page_total_count), rows: result.filter((row) => row.id !== null) };
}
