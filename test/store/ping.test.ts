import { describe, expect, it } from "vitest";
import { storeKinds, useTempStore } from "./helpers.js";

describe.each(storeKinds)("ping (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("answers while the database does, and fails once the store is closed", async () => {
    const store = await tmp.open();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});
