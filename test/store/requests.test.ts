import { describe, expect, it } from "vitest";
import { MINUTE, storeKinds, T0, useTempStore } from "./helpers.js";

describe.each(storeKinds)("the request ledger (%s)", (kind) => {
  const store = useTempStore(kind);

  it("sees a key first once while it is kept, and again once it has expired", async () => {
    const s = await store.open();
    expect(await s.requests.firstSighting("v0=abc", T0, T0 + 10 * MINUTE)).toBe(true);
    expect(await s.requests.firstSighting("v0=abc", T0 + MINUTE, T0 + 11 * MINUTE)).toBe(false);
    expect(await s.requests.firstSighting("v0=other", T0 + MINUTE, T0 + 11 * MINUTE)).toBe(true);
    // Kept until T0 + 10 min: at that moment it is gone, and the key is new again.
    expect(await s.requests.firstSighting("v0=abc", T0 + 10 * MINUTE, T0 + 20 * MINUTE)).toBe(true);
    expect(await s.requests.firstSighting("v0=abc", T0 + 10 * MINUTE + 1, T0 + 20 * MINUTE)).toBe(false);
  });

  it("is shared by every connection to the store (replicas), and survives a reopen", async () => {
    const first = await store.open();
    const second = await store.open();
    expect(await first.requests.firstSighting("v0=shared", T0, T0 + 10 * MINUTE)).toBe(true);
    expect(await second.requests.firstSighting("v0=shared", T0, T0 + 10 * MINUTE)).toBe(false);
    await first.close();
    const again = await store.open();
    expect(await again.requests.firstSighting("v0=shared", T0 + MINUTE, T0 + 10 * MINUTE)).toBe(false);
  });

  it("lets exactly one of many concurrent sightings of one key be the first", async () => {
    const stores = await Promise.all([store.open(), store.open(), store.open()]);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (stores[i % stores.length] ?? stores[0])?.requests.firstSighting("v0=race", T0, T0 + MINUTE),
      ),
    );
    expect(results.filter((r) => r === true)).toHaveLength(1);
  });

  it("forgets expired keys as it goes, so the table stays small", async () => {
    const s = await store.open();
    for (let i = 0; i < 450; i++) await s.requests.firstSighting(`v0=${i}`, T0 + i, T0 + i + 10);
    // Each key expires 10 ms after its sighting: the sweeps (every 200 sightings) removed the old ones.
    expect((await store.exec("SELECT key FROM seen_requests")).length).toBeLessThan(100);
    expect(await s.requests.firstSighting("v0=449", T0 + 449, T0 + 500)).toBe(false);
    expect(await s.requests.firstSighting("v0=0", T0 + 450, T0 + 500)).toBe(true);
  });
});
