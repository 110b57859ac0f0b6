import { describe, expect, it } from "vitest";
import type { NewFollowUp } from "../../src/store/index.js";
import { storeKinds, T0, useTempStore } from "./helpers.js";

function followUp(id: string, over: Partial<NewFollowUp> = {}): NewFollowUp {
  return {
    id,
    correlationId: `corr-${id}`,
    operationId: "task:deploy",
    title: "task:deploy quick_start/job_python",
    poll: { operationId: "task:state", args: { id } },
    prefill: {},
    requesterId: "U0ALICE",
    channelId: "C0OPS",
    backend: "deploy",
    startedAt: T0,
    nextPollAt: T0 + 2_000,
    timeoutAt: T0 + 30 * 60_000,
    ...over,
  };
}

const A = { owner: "replica-a", leaseMs: 60_000 };
const B = { owner: "replica-b", leaseMs: 60_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (leased: readonly { followUp: { id: string } }[]) => leased.map((l) => l.followUp.id).sort();

describe.each(storeKinds)("follow-up leases (%s)", (kind) => {
  const store = useTempStore(kind);

  it("two owners claim disjoint sets of due follow-ups; a held one is nobody else's until released", async () => {
    const s = await store.open();
    for (let i = 0; i < 6; i++) await s.followUps.create(followUp(`fu_${i}`, { nextPollAt: T0 + i }));
    await s.followUps.create(followUp("fu_later", { nextPollAt: T0 + 60_000 }));
    const a = await s.followUps.claimDue(T0 + 10, 4, A);
    const b = await s.followUps.claimDue(T0 + 10, 4, B);
    // Soonest first.
    expect(a.map((l) => l.followUp.id)).toEqual(["fu_0", "fu_1", "fu_2", "fu_3"]);
    expect(ids(b)).toEqual(["fu_4", "fu_5"]);
    expect(a.every((l) => l.lapsedFrom === undefined && l.followUp.leaseOwner === "replica-a")).toBe(true);
    expect(await s.followUps.claimDue(T0 + 10, 10, A)).toEqual([]);
    expect(await s.followUps.claim("fu_0", B)).toBeUndefined();
    // Its own lease too: a claim means "nobody is working on it".
    expect(await s.followUps.claim("fu_0", A)).toBeUndefined();
    await s.followUps.release("fu_0", "replica-b"); // not B's: nothing happens
    expect(await s.followUps.claim("fu_0", B)).toBeUndefined();
    await s.followUps.release("fu_0", "replica-a");
    const taken = await s.followUps.claim("fu_0", B);
    expect(taken?.followUp.leaseOwner).toBe("replica-b");
    expect(taken?.lapsedFrom).toBeUndefined();
  });

  it("filter by backend, and a row born leased is not claimed", async () => {
    const s = await store.open();
    await s.followUps.create(followUp("fu_d"));
    await s.followUps.create(followUp("fu_c", { backend: "calyptia" }));
    await s.followUps.create(followUp("fu_new"), A);
    expect(ids(await s.followUps.claimDue(T0 + 10_000, 10, B, "calyptia"))).toEqual(["fu_c"]);
    expect(ids(await s.followUps.claimDue(T0 + 10_000, 10, B, "deploy"))).toEqual(["fu_d"]);
    expect((await s.followUps.get("fu_new"))?.leaseOwner).toBe("replica-a");
  });

  it("a lapsed lease is claimed again, naming the holder that let it lapse; extension keeps it", async () => {
    const s = await store.open();
    await s.followUps.create(followUp("fu_1"));
    await s.followUps.create(followUp("fu_2"));
    const short = { owner: "replica-a", leaseMs: 150 };
    expect(await s.followUps.claimDue(T0 + 2_000, 10, short)).toHaveLength(2);
    await sleep(80);
    expect(await s.followUps.extend(["fu_1", "fu_missing"], { owner: "replica-a", leaseMs: 5_000 })).toEqual([
      "fu_1",
    ]);
    expect(await s.followUps.extend(["fu_2"], B)).toEqual([]);
    await sleep(120);
    const taken = await s.followUps.claimDue(T0 + 2_000, 10, B);
    expect(taken.map((l) => [l.followUp.id, l.lapsedFrom])).toEqual([["fu_2", "replica-a"]]);
    // The extended one is still A's.
    expect((await s.followUps.get("fu_1"))?.leaseOwner).toBe("replica-a");
  });

  it("an ended follow-up comes back only when its holder's lease lapsed (a final state maybe unposted)", async () => {
    const s = await store.open();
    await s.followUps.create(followUp("fu_released"));
    await s.followUps.create(followUp("fu_lapsed"));
    const short = { owner: "replica-a", leaseMs: 100 };
    await s.followUps.claimDue(T0 + 2_000, 10, short);
    for (const id of ["fu_released", "fu_lapsed"])
      await s.followUps.transition(
        id,
        { expectedSeq: 0, state: "succeeded", terminal: "succeeded", nextPollAt: T0 + 9_000 },
        T0 + 2_000,
      );
    await s.followUps.release("fu_released", "replica-a");
    await sleep(150);
    const taken = await s.followUps.claimDue(T0 + 2_000, 10, B);
    expect(taken.map((l) => [l.followUp.id, l.followUp.status, l.lapsedFrom])).toEqual([
      ["fu_lapsed", "succeeded", "replica-a"],
    ]);
    await s.followUps.release("fu_lapsed", "replica-b");
    expect(await s.followUps.claimDue(T0 + 2_000, 10, B)).toEqual([]);
  });

  it("many claimers at once get each due follow-up exactly once", async () => {
    const s = await store.open();
    for (let i = 0; i < 60; i++) await s.followUps.create(followUp(`fu_${i}`, { nextPollAt: T0 + i }));
    // Several stores (pools) on one database, as replicas have.
    const others = await Promise.all([store.open(), store.open()]);
    const stores = [s, ...others];
    const claims = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        stores[i % stores.length]?.followUps.claimDue(T0 + 1_000, 4, { owner: `r${i}`, leaseMs: 60_000 }),
      ),
    );
    const all = claims.flatMap((leased) => leased ?? []).map((l) => l.followUp.id);
    expect(new Set(all).size).toBe(all.length);
    // Every row went to someone: skipping a locked row never leaves the claimer empty-handed while
    // others are free (24 claimers of 4 for 60 rows).
    expect(all.length).toBe(60);
    const owners = await store.exec("SELECT count(DISTINCT lease_owner) AS n FROM followups");
    expect(Number((owners[0] as { n: number }).n)).toBeGreaterThan(1);
  });

  it("share one poll budget per backend, whoever takes from it", async () => {
    const s = await store.open();
    const other = await store.open();
    const started = Date.now();
    // A fresh bucket holds a second's worth.
    expect(await s.followUps.takePolls("deploy", 3, 5)).toBe(3);
    const second = await other.followUps.takePolls("deploy", 3, 5);
    const third = await s.followUps.takePolls("deploy", 3, 5);
    // Five between them, plus what refilled meanwhile (a loaded machine may take a while between calls).
    const refill = Math.ceil(((Date.now() - started) / 1000) * 5);
    expect(3 + second + third).toBeGreaterThanOrEqual(5);
    expect(3 + second + third).toBeLessThanOrEqual(5 + refill);
    expect(await other.followUps.takePolls("calyptia", 10, 2)).toBe(2);
    await sleep(450);
    // At least 2 more after 0.45 s at 5 a second, never more than a second's worth.
    const refilled = await other.followUps.takePolls("deploy", 10, 5);
    expect(refilled).toBeGreaterThanOrEqual(2);
    expect(refilled).toBeLessThanOrEqual(5);
  });
});
