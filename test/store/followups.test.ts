import { describe, expect, it } from "vitest";
import type { NewFollowUp } from "../../src/store/index.js";
import { storeKinds, T0, useTempStore } from "./helpers.js";

function followUp(over: Partial<NewFollowUp> = {}): NewFollowUp {
  return {
    id: "fu_1",
    correlationId: "corr-1",
    operationId: "task:deploy",
    title: "task:deploy quick_start/job_python",
    poll: { operationId: "task:state", args: { id: "task-1" } },
    prefill: {},
    requesterId: "U0ALICE",
    identity: "alice@example.com",
    channelId: "C0OPS",
    backend: "deploy",
    startedAt: T0,
    nextPollAt: T0 + 2_000,
    timeoutAt: T0 + 30 * 60_000,
    ...over,
  };
}

describe.each(storeKinds)("follow-ups (%s)", (kind) => {
  const store = useTempStore(kind);

  it("are due by their next poll, and a quiet poll moves it on", async () => {
    const s = await store.open();
    await s.followUps.create(followUp());
    await s.followUps.create(followUp({ id: "fu_2", nextPollAt: T0 + 5_000 }));
    expect((await s.followUps.due(T0 + 2_000, 10)).map((f) => f.id)).toEqual(["fu_1"]);
    expect((await s.followUps.due(T0 + 5_000, 1)).map((f) => f.id)).toEqual(["fu_1"]);
    const after = await s.followUps.polled(
      "fu_1",
      { nextPollAt: T0 + 9_000, error: "Deploy API: down" },
      T0 + 2_000,
    );
    expect(after).toMatchObject({
      polls: 1,
      failures: 1,
      lastError: "Deploy API: down",
      nextPollAt: T0 + 9_000,
    });
    expect((await s.followUps.polled("fu_1", { nextPollAt: T0 + 12_000 }, T0 + 9_000)).failures).toBe(0);
  });

  it("record each new state once: a stale sequence loses, a terminal state ends it", async () => {
    const s = await store.open();
    await s.followUps.create(followUp());
    const first = await s.followUps.transition(
      "fu_1",
      { expectedSeq: 0, state: "running", nextPollAt: T0 + 4_000 },
      T0 + 2_000,
    );
    expect(first?.transition).toMatchObject({ seq: 1, state: "running", terminal: false });
    expect(
      await s.followUps.transition(
        "fu_1",
        { expectedSeq: 0, state: "running", nextPollAt: T0 + 4_000 },
        T0 + 2_001,
      ),
    ).toBeUndefined();
    const done = await s.followUps.transition(
      "fu_1",
      { expectedSeq: 1, state: "succeeded", terminal: "succeeded", nextPollAt: T0 + 4_000 },
      T0 + 4_000,
    );
    expect(done?.followUp).toMatchObject({ status: "succeeded", seq: 2, state: "succeeded" });
    expect(await s.followUps.due(T0 + 60_000, 10)).toEqual([]);
    expect((await s.followUps.unposted("fu_1")).map((t) => t.seq)).toEqual([1, 2]);
    await s.followUps.markPosted("fu_1", 1, "1700.0001");
    expect((await s.followUps.unposted("fu_1")).map((t) => t.seq)).toEqual([2]);
    expect((await s.followUps.transitions("fu_1")).map((t) => t.postedTs ?? null)).toEqual([
      "1700.0001",
      null,
    ]);
  });

  it("keep what they know across a restart", async () => {
    const before = await store.open();
    await before.followUps.create(followUp());
    await before.followUps.setParent("fu_1", "1700.0000");
    await before.followUps.transition(
      "fu_1",
      { expectedSeq: 0, state: "running", nextPollAt: T0 + 4_000 },
      T0 + 2_000,
    );
    await before.close();
    const after = await store.open();
    expect(await after.followUps.active()).toEqual([
      expect.objectContaining({ id: "fu_1", parentTs: "1700.0000", state: "running", seq: 1 }),
    ]);
    expect((await after.followUps.unposted("fu_1")).map((t) => t.state)).toEqual(["running"]);
  });

  it("end once, with a note", async () => {
    const s = await store.open();
    await s.followUps.create(followUp());
    expect(await s.followUps.end("fu_1", "unknown", "no answer for 30 min", T0 + 1)).toMatchObject({
      status: "unknown",
      lastError: "no answer for 30 min",
    });
    expect(await s.followUps.end("fu_1", "cancelled", "again", T0 + 2)).toBeUndefined();
    expect(await s.followUps.listByRequester("U0ALICE", 5)).toHaveLength(1);
  });
});
