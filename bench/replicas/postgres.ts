import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The PostgreSQL server the replica benchmarks use: OPSBOT_BENCH_DATABASE_URL, else the tests' own
 * (OPSBOT_TEST_DATABASE_URL, default the local server `.ci/run` starts). Each run gets a fresh schema,
 * dropped at the end, so runs never see each other's rows.
 */
export const BENCH_DATABASE_URL =
  process.env.OPSBOT_BENCH_DATABASE_URL ??
  process.env.OPSBOT_TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

export interface BenchSchema {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A schema name nobody uses yet; the bots create it (and their tables) when they start. */
export function freshSchema(prefix: string): BenchSchema {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  return {
    url: BENCH_DATABASE_URL,
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Fails early, with the URL's host, when the server is not there. */
export async function checkDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const host = new URL(BENCH_DATABASE_URL).host;
    throw new Error(
      `no PostgreSQL at ${host} (OPSBOT_BENCH_DATABASE_URL): ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
