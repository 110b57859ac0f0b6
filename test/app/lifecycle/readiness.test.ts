import { describe, expect, it } from "vitest";
import { Readiness, type ReadinessOptions } from "../../../src/app/lifecycle/readiness.js";

/** A readiness whose checks the test sets, counting the store pings and moving its own clock. */
function harness(over: Partial<ReadinessOptions> & { readonly httpMode?: boolean } = {}) {
  const state = { storeUp: true, slack: true, socket: true, pings: 0, now: 0 };
  const readiness = new Readiness({
    pingStore: async () => {
      state.pings += 1;
      if (!state.storeUp) throw new Error("connection refused");
    },
    slackAccepted: () => state.slack,
    ...(over.httpMode ? {} : { socketOpen: () => state.socket }),
    now: () => state.now,
    ...over,
  });
  return { state, readiness };
}

describe("readiness", () => {
  it("is not ready while starting, nor once stopping, and asks the store nothing then", async () => {
    const { state, readiness } = harness();
    expect(await readiness.report()).toEqual({ ready: false, failing: ["starting"] });
    readiness.serving();
    expect(await readiness.report()).toEqual({ ready: true, failing: [] });
    readiness.stopping();
    readiness.serving(); // a late start-up step cannot make a stopping bot ready again
    expect(await readiness.report()).toEqual({ ready: false, failing: ["stopping"] });
    expect(state.pings).toBe(1);
  });

  it("names every failing check: the store, Slack's answer to the token, the socket", async () => {
    const { state, readiness } = harness();
    readiness.serving();
    state.storeUp = false;
    expect(await readiness.report()).toEqual({ ready: false, failing: ["store"] });
    state.now += 2000;
    state.slack = false;
    state.socket = false;
    expect(await readiness.report()).toEqual({ ready: false, failing: ["store", "slack", "socket"] });
    state.now += 2000;
    state.storeUp = true;
    state.slack = true;
    expect(await readiness.report()).toEqual({ ready: false, failing: ["socket"] });
    state.socket = true;
    expect(await readiness.report()).toEqual({ ready: true, failing: [] });
  });

  it("has no socket check in HTTP mode", async () => {
    const { readiness } = harness({ httpMode: true });
    readiness.serving();
    expect(await readiness.report()).toEqual({ ready: true, failing: [] });
  });

  it("pings the store once for a storm of probes, and again once the answer is 1.5 s old", async () => {
    const { state, readiness } = harness();
    readiness.serving();
    await Promise.all(Array.from({ length: 50 }, () => readiness.report()));
    expect(state.pings).toBe(1);
    state.storeUp = false;
    state.now += 1499;
    expect((await readiness.report()).ready).toBe(true);
    expect(state.pings).toBe(1);
    state.now += 1;
    expect(await readiness.report()).toEqual({ ready: false, failing: ["store"] });
    expect(state.pings).toBe(2);
  });

  it("counts a ping that does not answer in time as failed", async () => {
    const { readiness } = harness({ pingStore: () => new Promise(() => {}), storeTimeoutMs: 30 });
    readiness.serving();
    const started = Date.now();
    expect(await readiness.report()).toEqual({ ready: false, failing: ["store"] });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
