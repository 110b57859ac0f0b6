import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import {
  type NewApprovalRequest,
  openSqliteStore,
  type SqliteStoreOptions,
  type Store,
} from "../../src/store/index.js";

export const T0 = Date.parse("2026-11-23T10:00:00Z");
export const MINUTE = 60_000;

/**
 * A fresh database file per test, in a folder that does not exist yet (the store creates it), and every
 * store a test opens closed afterwards.
 */
export function useTempStore() {
  const state = { dir: "", path: "" };
  const opened: Store[] = [];
  beforeEach(() => {
    state.dir = mkdtempSync(join(tmpdir(), "opsbot-store-"));
    state.path = join(state.dir, "nested", "opsbot.db");
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    rmSync(state.dir, { recursive: true, force: true });
  });
  return {
    get path() {
      return state.path;
    },
    open(options: Omit<SqliteStoreOptions, "path"> = {}): Store {
      const store = openSqliteStore({ path: state.path, ...options });
      opened.push(store);
      return store;
    },
  };
}

export function newRequest(over: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    id: "apr_1",
    correlationId: "corr-1",
    operationId: "job:delete",
    args: { namespace: "analytics", name: "nightly", labels: { a: "b" }, replicas: 3 },
    rawArgs: { namespace: "analytics", name: "nightly", label: ["a=b"] },
    target: { namespace: "analytics" },
    fingerprint: "f".repeat(64),
    requesterId: "U0ALICE",
    requesterIdentity: "alice@example.com",
    channelId: "C0OPS",
    rule: { index: 0, name: "deletes", required: 2, allowSelfApproval: false },
    createdAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    ...over,
  };
}

export const oneApprover = { index: 1, name: "one", required: 1, allowSelfApproval: false } as const;
