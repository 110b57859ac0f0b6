import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Metrics } from "../../src/app/metrics/index.js";
import { Retention } from "../../src/core/retention.js";
import type { NewFollowUp, PrunedTable, RetentionStore, Store } from "../../src/store/index.js";
import { newRequest, oneApprover, storeKinds, useTempStore } from "../store/helpers.js";

// Retention against both databases with a simulated clock: what is older than its retention goes, in
// batches, and nothing that may still run or is still followed.

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-05T12:00:00Z");
const silent = pino({ level: "silent" });

const followUp = (id: string, at: number): NewFollowUp => ({
  id,
  correlationId: `corr-${id}`,
  operationId: "task:deploy",
  title: "task:deploy quick_start/job_python",
  poll: { operationId: "task:state", args: { id: "task-1" } },
  prefill: {},
  requesterId: "U0ALICE",
  channelId: "C0OPS",
  backend: "deploy",
  startedAt: at,
  nextPollAt: at + 2_000,
  timeoutAt: at + 30 * 60_000,
});

async function audit(store: Store, id: string, at: number) {
  await store.audit.append({ at, correlationId: id, kind: "command", userId: "U0ALICE", outcome: "allowed" });
}

/** An approval request created at `at` and left in `status` then. */
async function request(
  store: Store,
  id: string,
  at: number,
  status: "pending" | "approved" | "executing" | "denied" | "succeeded",
) {
  await store.approvals.create(
    newRequest({ id, rule: oneApprover, createdAt: at, expiresAt: at + 30 * 60_000 }),
  );
  if (status === "denied") await store.approvals.deny(id, "U0BOB", at + 1);
  if (status === "pending") return;
  if (status !== "denied") await store.approvals.approve(id, "U0BOB", at + 1);
  if (status === "executing" || status === "succeeded")
    await store.approvals.claimForExecution(id, at + 2, "proc-a");
  if (status === "succeeded") await store.approvals.finish(id, { ok: true, summary: "done" }, at + 3);
}

async function seed(store: Store) {
  for (const [id, daysAgo] of [
    ["a-100", 100],
    ["a-91", 91],
    ["a-89", 89],
    ["a-1", 1],
  ] as const)
    await audit(store, id, NOW - daysAgo * DAY);
  await request(store, "apr_denied_40", NOW - 40 * DAY, "denied");
  await request(store, "apr_done_35", NOW - 35 * DAY, "succeeded");
  await request(store, "apr_done_20", NOW - 20 * DAY, "succeeded");
  // Old, but not ended: a pending one not swept yet, one approved and not yet run, one running.
  await request(store, "apr_pending_40", NOW - 40 * DAY, "pending");
  await request(store, "apr_approved_40", NOW - 40 * DAY, "approved");
  await request(store, "apr_executing_40", NOW - 40 * DAY, "executing");
  for (const [id, daysAgo] of [
    ["fu_ended_45", 45],
    ["fu_active_45", 45],
    ["fu_ended_10", 10],
  ] as const) {
    const at = NOW - daysAgo * DAY;
    await store.followUps.create(followUp(id, at));
    if (id.includes("ended")) await store.followUps.end(id, "succeeded", "done", at + 1_000);
  }
  for (const [id, daysAgo] of [
    ["note_31", 31],
    ["note_29", 29],
  ] as const)
    await store.intake.open({
      id,
      userId: "U0ALICE",
      channelId: "C0OPS",
      text: "task list",
      responseUrl: `https://hooks.slack.test/${id}`,
      receivedAt: NOW - daysAgo * DAY,
      owner: "proc-a",
    });
}

async function remaining(store: Store) {
  const approvals = await store.approvals.listByRequester("U0ALICE", 100);
  const followUps = await store.followUps.listByRequester("U0ALICE", 100);
  return {
    audit: (await store.audit.query({ limit: 100 })).map((e) => e.correlationId).sort(),
    approvals: approvals.map((r) => r.id).sort(),
    followups: followUps.map((f) => f.id).sort(),
    intake: (await store.intake.unsettled()).map((e) => e.id).sort(),
  };
}

describe.each(storeKinds)("retention (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("deletes what is older than its retention, in batches, and never what may still run or is followed", async () => {
    const store = await tmp.open();
    await seed(store);
    let clock = NOW;
    const batches: { table: PrunedTable; count: number }[] = [];
    const metrics = new Metrics({ processMetrics: false });
    const retention = new Retention({
      store: store.retention,
      now: () => clock,
      logger: silent,
      onPruned: (table, count) => {
        batches.push({ table, count });
        metrics.observePruned(table, count);
      },
      settings: { auditDays: 90, otherDays: 30, batchSize: 1 },
    });

    expect(await retention.pruneOnce()).toEqual({ audit: 2, approvals: 2, followups: 1, intake: 1 });
    expect(await remaining(store)).toEqual({
      audit: ["a-1", "a-89"],
      approvals: ["apr_approved_40", "apr_done_20", "apr_executing_40", "apr_pending_40"],
      followups: ["fu_active_45", "fu_ended_10"],
      intake: ["note_29"],
    });
    // A batch of one row at a time: as many batches as rows.
    expect(batches.every((b) => b.count === 1)).toBe(true);
    expect(batches).toHaveLength(6);
    const scraped = await metrics.render();
    expect(scraped).toContain('opsbot_retention_pruned_total{table="audit"} 2');
    expect(scraped).toContain('opsbot_retention_pruned_total{table="approvals"} 2');
    expect(scraped).toContain('opsbot_retention_pruned_total{table="intake"} 1');

    // Nothing more today; three weeks on, the next ones have aged out.
    expect(await retention.pruneOnce()).toEqual({ audit: 0, approvals: 0, followups: 0, intake: 0 });
    clock = NOW + 21 * DAY;
    expect(await retention.pruneOnce()).toEqual({ audit: 1, approvals: 1, followups: 1, intake: 1 });
    expect(await remaining(store)).toEqual({
      audit: ["a-1"],
      approvals: ["apr_approved_40", "apr_executing_40", "apr_pending_40"],
      followups: ["fu_active_45"],
      intake: [],
    });
  });

  it("keeps a table for ever when its retention is 0 days", async () => {
    const store = await tmp.open();
    await seed(store);
    const retention = new Retention({
      store: store.retention,
      now: () => NOW + 1_000 * DAY,
      logger: silent,
      settings: { auditDays: 0, otherDays: 0 },
    });
    expect(await retention.pruneOnce()).toEqual({ audit: 0, approvals: 0, followups: 0, intake: 0 });
    expect((await remaining(store)).audit).toHaveLength(4);
  });

  it("takes the votes of a deleted request and the transitions of a deleted follow-up with them", async () => {
    const store = await tmp.open();
    await seed(store);
    await store.followUps.transition(
      "fu_ended_45",
      { expectedSeq: 0, state: "done", terminal: "succeeded", nextPollAt: NOW },
      NOW - 45 * DAY,
    );
    await new Retention({ store: store.retention, now: () => NOW, logger: silent }).pruneOnce();
    expect(await tmp.exec("SELECT * FROM approval_votes WHERE request_id = 'apr_done_35'")).toEqual([]);
    expect(await tmp.exec("SELECT * FROM followup_transitions WHERE followup_id = 'fu_ended_45'")).toEqual(
      [],
    );
    expect(await tmp.exec("SELECT * FROM approval_votes WHERE request_id = 'apr_done_20'")).toHaveLength(1);
  });
});

describe("the retention schedule", () => {
  afterEach(() => vi.useRealTimers());

  it("runs a minute after start, then hourly, and not after stop", async () => {
    vi.useFakeTimers();
    const cutoffs: number[] = [];
    const store: RetentionStore = {
      async prune(table, before) {
        if (table === "audit") cutoffs.push(before);
        return 0;
      },
    };
    const retention = new Retention({ store, now: () => NOW, logger: silent });
    retention.start();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(cutoffs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(cutoffs).toEqual([NOW - 90 * DAY]);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cutoffs).toHaveLength(2);
    await retention.stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(cutoffs).toHaveLength(2);
  });
});
