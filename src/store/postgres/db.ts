import pg from "pg";

/** Runs one statement and hands back its rows, left `unknown` for the zod schemas to check. */
export type Sql = (text: string, params?: readonly unknown[]) => Promise<QueryResult>;

export interface QueryResult {
  readonly rows: unknown[];
  readonly rowCount: number;
}

const INT8 = 20;

/**
 * bigint columns (epoch milliseconds, ids, count(*)) come back as text by default. They are read as
 * numbers here, and a value a number cannot hold exactly fails the query instead of being rounded.
 */
export function int8ToNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`bigint ${text} does not fit in a JavaScript number`);
  return value;
}

// Per query rather than pg's global registry, so that other users of pg in the process are not changed.
const types = new pg.TypeOverrides();
types.setTypeParser(INT8, int8ToNumber);

/** The schema's name as SQL: quoted, so that any name is one identifier and nothing more. */
export function quoteIdentifier(name: string): string {
  return pg.escapeIdentifier(name);
}

/**
 * The pool as the store uses it: every connection it checks out has the store's search_path, every
 * statement reads bigint as numbers, and a transaction is rolled back whatever its body throws.
 */
export class Db {
  readonly #pool: pg.Pool;
  readonly #setup: string | undefined;
  // Connections already given the search_path; a pool handed in may hold some made before the store.
  readonly #ready = new WeakSet<pg.PoolClient>();

  constructor(pool: pg.Pool, schema: string | undefined) {
    this.#pool = pool;
    this.#setup = schema === undefined ? undefined : `SET search_path TO ${quoteIdentifier(schema)}`;
  }

  /** One statement outside a transaction. */
  readonly query: Sql = (text, params = []) => this.#with((client) => run(client, text, params));

  /** `body` inside BEGIN … COMMIT on one connection (READ COMMITTED, PostgreSQL's default). */
  async transaction<T>(body: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#with(async (client, drop) => {
      await client.query("BEGIN");
      try {
        const result = await body((text, params = []) => run(client, text, params));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool, whatever state it is in.
        await client.query("ROLLBACK").catch(drop);
        throw error;
      }
    });
  }

  /**
   * One statement whose commit does not wait for its WAL record to reach the disk. For rows that only
   * help recovery after a crash of opsbot (the intake notes written before every ack): PostgreSQL keeps
   * them through a killed opsbot, and loses at most the last few hundred milliseconds of them if the
   * database server itself crashes, the same guarantee SQLite's WAL gives with synchronous=NORMAL.
   * Waiting for the flush would put a disk sync (milliseconds) in front of every ack.
   */
  readonly queryUnflushed: Sql = (text, params = []) =>
    this.#with(async (client, drop) => {
      // BEGIN and the setting in one round trip; SET LOCAL ends with the transaction.
      await client.query("BEGIN; SET LOCAL synchronous_commit TO OFF");
      try {
        const result = await run(client, text, params);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(drop);
        throw error;
      }
    });

  async #with<T>(body: (client: pg.PoolClient, drop: (error: Error) => void) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // A checked-out connection that breaks between two statements emits `error`: with no listener that
    // would end the process. The statement in flight fails on its own, and the connection is dropped.
    let broken: Error | undefined;
    const drop = (error: Error) => {
      broken ??= error;
    };
    client.on("error", drop);
    try {
      if (this.#setup !== undefined && !this.#ready.has(client)) {
        await client.query(this.#setup);
        this.#ready.add(client);
      }
      return await body(client, drop);
    } finally {
      client.off("error", drop);
      client.release(broken);
    }
  }
}

async function run(client: pg.PoolClient, text: string, params: readonly unknown[]): Promise<QueryResult> {
  const result = await client.query({ text, values: [...params], types });
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}
