import type { TxContext } from '../common/context';

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
export class StatementChain {
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

  /** Waits for the last statement sent; throws if it (or one before it) failed. */
  async idle(): Promise<void> {
    await this.last;
  }

  /** Waits for the last statement sent, whatever its outcome: for cleanup paths that must not send over it. */
  async settle(): Promise<void> {
    await this.last.catch(() => undefined);
  }
}
