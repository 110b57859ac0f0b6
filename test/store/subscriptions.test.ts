import { describe, expect, it } from "vitest";
import { storeKinds, T0, useTempStore } from "./helpers.js";

describe.each(storeKinds)("subscriptions (%s)", (kind) => {
  const store = useTempStore(kind);

  it("add once, list per event, remove once, and survive a reopen", async () => {
    const s = await store.open();
    expect(
      await s.subscriptions.add({
        event: "operation.failed",
        channelId: "C0A",
        createdBy: "U0BOB",
        createdAt: T0,
      }),
    ).toBe(true);
    expect(
      await s.subscriptions.add({
        event: "operation.failed",
        channelId: "C0A",
        createdBy: "U0BOB",
        createdAt: T0 + 1,
      }),
    ).toBe(false);
    await s.subscriptions.add({
      event: "operation.failed",
      channelId: "C0B",
      createdBy: "U0BOB",
      createdAt: T0 + 2,
    });
    await s.subscriptions.add({
      event: "approval.requested",
      channelId: "C0A",
      createdBy: "U0BOB",
      createdAt: T0 + 3,
    });
    expect(await s.subscriptions.channelsFor("operation.failed")).toEqual(["C0A", "C0B"]);
    await s.close();
    const again = await store.open();
    expect(await again.subscriptions.remove("operation.failed", "C0A")).toBe(true);
    expect(await again.subscriptions.remove("operation.failed", "C0A")).toBe(false);
    expect((await again.subscriptions.list()).map((x) => `${x.event}>${x.channelId}`)).toEqual([
      "approval.requested>C0A",
      "operation.failed>C0B",
    ]);
  });
});
