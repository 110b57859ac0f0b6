import { describe, expect, it } from "vitest";
import type { Lock } from "../../src/store/index.js";
import { MINUTE, storeKinds, T0, useTempStore } from "./helpers.js";

const prod = { kind: "namespace", name: "prod-eu" } as const;
const alloc = { kind: "allocation", name: "prod-eu" } as const;

describe.each(storeKinds)("locks (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("holds until `until` (exclusive), then is gone", async () => {
    const store = await tmp.open();
    const lock: Lock = {
      target: prod,
      reason: "freeze",
      lockedBy: "U0SRE",
      lockedAt: T0,
      until: T0 + MINUTE,
    };
    expect(await store.locks.lock(lock)).toEqual(lock);
    expect(await store.locks.active(prod, T0 + MINUTE - 1)).toEqual(lock);
    expect(await store.locks.active(alloc, T0)).toBeUndefined(); // same name, other kind
    expect(await store.locks.active(prod, T0 + MINUTE)).toBeUndefined();
    // The expired lock was deleted, not merely hidden: an earlier `now` does not bring it back.
    expect(await store.locks.active(prod, T0)).toBeUndefined();
  });

  it("replaces a lock on the same target, including dropping its end", async () => {
    const store = await tmp.open();
    await store.locks.lock({
      target: prod,
      reason: "freeze",
      lockedBy: "U0SRE",
      lockedAt: T0,
      until: T0 + MINUTE,
    });
    const forever: Lock = { target: prod, reason: "incident", lockedBy: "U0SRE2", lockedAt: T0 + 1 };
    expect(await store.locks.lock(forever)).toEqual(forever);
    expect(await store.locks.active(prod, T0 + 100 * MINUTE)).toEqual(forever);
    expect(await store.locks.list(T0 + 100 * MINUTE)).toEqual([forever]);
  });

  it("lists the locks in force, newest first", async () => {
    const store = await tmp.open();
    await store.locks.lock({ target: prod, reason: "a", lockedBy: "U0SRE", lockedAt: T0 });
    await store.locks.lock({
      target: alloc,
      reason: "b",
      lockedBy: "U0SRE",
      lockedAt: T0 + 1,
      until: T0 + 10,
    });
    await store.locks.lock({
      target: { kind: "namespace", name: "dev" },
      reason: "c",
      lockedBy: "U0",
      lockedAt: T0 + 2,
    });
    expect((await store.locks.list(T0 + 5)).map((l) => l.reason)).toEqual(["c", "b", "a"]);
    expect((await store.locks.list(T0 + 10)).map((l) => l.reason)).toEqual(["c", "a"]);
  });

  it("unlocks, answering what was there", async () => {
    const store = await tmp.open();
    await store.locks.lock({ target: prod, reason: "freeze", lockedBy: "U0SRE", lockedAt: T0 });
    expect(await store.locks.unlock(prod)).toEqual({
      target: prod,
      reason: "freeze",
      lockedBy: "U0SRE",
      lockedAt: T0,
    });
    expect(await store.locks.unlock(prod)).toBeUndefined();
    expect(await store.locks.active(prod, T0)).toBeUndefined();
  });

  it("keeps locks across a restart", async () => {
    const first = await tmp.open();
    await first.locks.lock({ target: prod, reason: "freeze", lockedBy: "U0SRE", lockedAt: T0 });
    await first.close();
    expect(await (await tmp.open()).locks.active(prod, T0 + 1)).toMatchObject({ reason: "freeze" });
  });
});
