import type { TxContext } from '../common/context';

/** What reads need of a connection: `tx.manager`, or a `StatementChain` that queues them back to back. */
export interface Queries {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as TypeORM's `EntityManager.query`
  query<T = any>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * Statements of one transaction run one after another, each built while the one before runs: `send` waits for
 * the statement before to finish, hands the new one to the connection and returns as soon as it is on its way,
 * so the caller's Node.js work for the next statement (parameters of thousands of rows) overlaps PostgreSQL's
 * work on this one. Never more than one statement is on the connection (node-postgres's own queueing is
 * deprecated), and they run in the order sent, so the transaction's effect is that of plain awaits.
 *
 * A statement's failure (or its `check`'s) is thrown by the next `send` or by `idle` — the transaction is
 * aborted by then, and the statements after it are never sent. Plain queries on the transaction wait for
 * `idle()` first.
 * @example
 * const chain = new StatementChain(tx);
 * await chain.send('DELETE FROM blocking_key WHERE source_record_id = ANY($1::uuid[])', [ids]);
 * const rows = buildRows(); // runs while the DELETE does
 * await chain.send('INSERT INTO blocking_key …', rows);
 * await chain.idle();
 */
export class StatementChain implements Queries {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly tx: TxContext) {}

  /**
   * Sends `sql` once the statement before has finished (throwing its failure), and returns once it is sent;
   * `check` reads its rows when it answers (a throw fails the chain).
   */
  async send<T = unknown>(sql: string, parameters: unknown[], check?: (rows: T) => void): Promise<void> {
    await this.last;
    const query = this.tx.manager.query(sql, parameters) as Promise<T>;
    const done = check ? query.then(check) : query;
    done.catch(() => undefined); // reported by the next send or by idle()
    this.last = done;
    // TypeORM hands the statement to the connection a few promise jobs after the call; a setImmediate callback
    // runs after all of them, so the statement is on its way before the caller's next synchronous work starts.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Queues a statement whose rows the caller wants (a look-up) after those before it, and returns its rows. It
   * goes out the moment the one before answers, so a batch's independent look-ups run back to back on PostgreSQL
   * while Node.js reads the rows of the one before: the rows are handed over a turn after they arrive, once the
   * statement queued after (if any) is on its way. A failure before it is its failure too.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as TypeORM's `EntityManager.query`
  query<T = any>(sql: string, parameters: unknown[] = []): Promise<T> {
    const rows = this.last.then(() => this.tx.manager.query(sql, parameters) as Promise<T>);
    this.last = rows;
    rows.catch(() => undefined); // reported by the next send or by idle()
    const handed = rows.then((r) => new Promise<T>((resolve) => setImmediate(() => resolve(r))));
    handed.catch(() => undefined); // a caller that stopped at an earlier look-up's failure never awaits this one
    return handed;
  }

  /** Waits for the last statement sent; throws if it (or one before it) failed. */
  async idle(): Promise<void> {
    await this.last;
  }

  /** Waits for the last statement sent, whatever its outcome: for cleanup paths that must not send over it. */
  async settle(): Promise<void> {
    await this.last.catch(() => undefined);
  }
}
