import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../src/store/postgres/db.js";
import { TEST_DATABASE_URL } from "./helpers.js";

describe("the PostgreSQL connection wrapper", () => {
  let pool: pg.Pool;
  let db: Db;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    db = new Db(pool, undefined);
  });
  afterAll(() => pool.end());

  const setting = async (run: Db["query"]) =>
    (await run("SELECT current_setting('synchronous_commit') AS value")).rows[0];

  it("runs an unflushed statement with synchronous_commit off, and only that statement", async () => {
    expect(await setting(db.query)).toEqual({ value: "on" });
    expect(await setting(db.queryUnflushed)).toEqual({ value: "off" });
    // The same (single) pooled connection is back to the server's default afterwards.
    expect(await setting(db.query)).toEqual({ value: "on" });
  });

  it("commits what an unflushed statement writes, and rolls it back when it fails", async () => {
    await db.query("CREATE TEMP TABLE unflushed_probe (id int PRIMARY KEY)");
    await db.queryUnflushed("INSERT INTO unflushed_probe VALUES ($1)", [1]);
    await expect(db.queryUnflushed("INSERT INTO unflushed_probe VALUES ($1)", [1])).rejects.toThrow(
      /duplicate/,
    );
    expect((await db.query("SELECT id FROM unflushed_probe")).rows).toEqual([{ id: 1 }]);
    // The failed one left no transaction open on the connection.
    expect(await setting(db.query)).toEqual({ value: "on" });
  });
});
