import { describe, expect, it } from "vitest";
import { storeKinds, T0, useTempStore } from "./helpers.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(storeKinds)("slack pacing (%s)", (kind) => {
  const store = useTempStore(kind);

  it("books a lane's first slot now and the next one an interval later; lanes are apart", async () => {
    const s = await store.open();
    expect(await s.pacing.reserve("chat.postMessage:C0A", 10_000)).toBe(0);
    const second = await s.pacing.reserve("chat.postMessage:C0A", 10_000);
    expect(second).toBeGreaterThan(9_000);
    expect(second).toBeLessThanOrEqual(10_000);
    expect(await s.pacing.reserve("chat.postMessage:C0B", 10_000)).toBe(0);
  });

  it("two stores on one database book distinct slots an interval apart, however they interleave", async () => {
    const a = await store.open();
    const b = await store.open();
    const interval = 10_000;
    const started = Date.now();
    const waits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).pacing.reserve("chat.update", interval)),
    );
    const spread = Date.now() - started;
    const sorted = [...waits].sort((x, y) => x - y);
    expect(sorted[0]).toBe(0);
    for (let i = 1; i < sorted.length; i++) {
      const gap = (sorted[i] ?? 0) - (sorted[i - 1] ?? 0);
      // Each wait is measured from its own statement's moment, which the batch spreads over `spread`.
      expect(gap).toBeGreaterThanOrEqual(interval - spread - 1);
      expect(gap).toBeLessThanOrEqual(interval + spread + 1);
    }
  });

  it("a hold (Retry-After) delays the lane's next slot, and never shortens a later booking", async () => {
    const s = await store.open();
    await s.pacing.hold("chat.postMessage:C0A", 5_000);
    const wait = await s.pacing.reserve("chat.postMessage:C0A", 1_000);
    expect(wait).toBeGreaterThan(4_500);
    expect(wait).toBeLessThanOrEqual(5_000);
    await s.pacing.hold("chat.postMessage:C0A", 10);
    expect(await s.pacing.reserve("chat.postMessage:C0A", 1_000)).toBeGreaterThan(5_000);
  });

  it("prunes lanes idle for longer than asked, and keeps the others", async () => {
    const s = await store.open();
    await s.pacing.reserve("idle", 0);
    await s.pacing.reserve("busy", 60_000);
    await sleep(20);
    expect(await s.pacing.prune(5)).toBe(1);
    expect(await s.pacing.reserve("idle", 1_000)).toBe(0);
    expect(await s.pacing.reserve("busy", 60_000)).toBeGreaterThan(50_000);
  });
});

describe.each(storeKinds)("service state (%s)", (kind) => {
  const store = useTempStore(kind);

  it("sets a key only over the value the writer expects, and keeps it across a reopen", async () => {
    const s = await store.open();
    expect(await s.state.get("k")).toBeUndefined();
    expect(await s.state.compareAndSet("k", undefined, "one", T0)).toBe(true);
    expect(await s.state.compareAndSet("k", undefined, "other", T0)).toBe(false);
    expect(await s.state.compareAndSet("k", "zero", "other", T0)).toBe(false);
    expect(await s.state.compareAndSet("k", "one", "two", T0 + 1)).toBe(true);
    await s.close();
    const again = await store.open();
    expect(await again.state.get("k")).toBe("two");
  });

  it("of two writers expecting the same value, exactly one wins", async () => {
    const a = await store.open();
    const b = await store.open();
    await a.state.compareAndSet("k", undefined, "start", T0);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).state.compareAndSet("k", "start", `next-${i}`, T0 + 1),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await b.state.get("k")).toBe(`next-${winner}`);
  });
});
