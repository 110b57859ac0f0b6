import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, StoreLocationError } from "../../src/store/index.js";
import { createFoldersFor } from "../../src/store/sqlite/location.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-location-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function locationError(run: () => unknown): StoreLocationError {
  try {
    run();
  } catch (error) {
    if (error instanceof StoreLocationError) return error;
    throw error;
  }
  throw new Error("expected a StoreLocationError");
}

describe("the SQLite file's folders", () => {
  it("are created level by level, and the store opens in them", async () => {
    const path = join(dir, "a", "b", "c", "opsbot.db");
    const store = openSqliteStore({ path });
    try {
      expect(statSync(join(dir, "a", "b", "c")).isDirectory()).toBe(true);
      expect(statSync(path).isFile()).toBe(true);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it("may already exist, wholly or in part", () => {
    mkdirSync(join(dir, "a"));
    createFoldersFor(join(dir, "a", "b", "opsbot.db"));
    createFoldersFor(join(dir, "a", "b", "opsbot.db"));
    expect(statSync(join(dir, "a", "b")).isDirectory()).toBe(true);
  });

  it("may be given relative to the working directory", () => {
    const path = relative(process.cwd(), join(dir, "rel", "opsbot.db"));
    expect(path.startsWith("/")).toBe(false);
    createFoldersFor(path);
    expect(statSync(join(dir, "rel")).isDirectory()).toBe(true);
  });

  it("names the file that stands where a folder should (EEXIST from a recursive mkdir)", () => {
    writeFileSync(join(dir, "taken"), "not a folder");
    const error = locationError(() => openSqliteStore({ path: join(dir, "taken", "deeper", "opsbot.db") }));
    expect(error.folder).toBe(join(dir, "taken"));
    expect(error.reason).toBe("is a file, not a folder");
    expect(error.code).toBe("ENOTDIR");
  });

  // Node's recursive mkdir loops for ever here: /proc refuses new entries with ENOENT.
  it.runIf(process.platform === "linux")("fails at once under /proc, naming the folder", () => {
    const error = locationError(() => createFoldersFor("/proc/nope/deeper/opsbot.db"));
    expect(error.folder).toBe("/proc/nope");
    expect(error.reason).toBe("cannot be created (ENOENT)");
  });
});
