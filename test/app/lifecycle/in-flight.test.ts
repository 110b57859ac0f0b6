import { describe, expect, it } from "vitest";
import { InFlight } from "../../../src/app/lifecycle/in-flight.js";

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe("InFlight", () => {
  it("is idle at once when nothing runs", async () => {
    expect(await new InFlight().idle(10)).toBe(true);
  });

  it("waits for every tracked piece of work, failed ones included", async () => {
    const inFlight = new InFlight();
    const first = gate();
    const second = gate();
    const a = inFlight.track(() => first.opened);
    const b = inFlight.track(async () => {
      await second.opened;
      throw new Error("boom");
    });
    expect(inFlight.count).toBe(2);
    let idle: boolean | undefined;
    const waiting = inFlight.idle(5_000).then((v) => {
      idle = v;
    });
    first.open();
    await a;
    await Promise.resolve();
    expect(idle).toBeUndefined();
    second.open();
    await expect(b).rejects.toThrow("boom");
    await waiting;
    expect(idle).toBe(true);
    expect(inFlight.count).toBe(0);
  });

  it("gives up after the timeout, saying so", async () => {
    const inFlight = new InFlight();
    const never = gate();
    void inFlight.track(() => never.opened);
    expect(await inFlight.idle(20)).toBe(false);
    expect(inFlight.count).toBe(1);
    never.open();
  });
});
