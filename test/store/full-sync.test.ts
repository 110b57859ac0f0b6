import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { withFullSync } from "../../src/store/sqlite/full-sync.js";

const FULL = 2;
const NORMAL = 1;

describe("the SQLite claim's full sync", () => {
  const dir = mkdtempSync(join(tmpdir(), "opsbot-sync-"));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs its body with synchronous = FULL, and puts NORMAL back afterwards, even when the body throws", () => {
    const db = new Database(join(dir, "sync.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    expect(withFullSync(db, () => db.pragma("synchronous", { simple: true }))).toBe(FULL);
    expect(db.pragma("synchronous", { simple: true })).toBe(NORMAL);
    expect(() =>
      withFullSync(db, () => {
        throw new Error("the transaction failed");
      }),
    ).toThrow("the transaction failed");
    expect(db.pragma("synchronous", { simple: true })).toBe(NORMAL);
    db.close();
  });
});
