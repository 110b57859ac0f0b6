import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { openSqliteStore, type Store } from "../../../src/store/index.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// One process leases at most `maxLeased` follow-ups; the rest wait in the store and are followed later.

const FOLLOWED = 8;
const CAP = 2;
let store: Store;
let stack: AppStack;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    store,
    followUpSettings: { maxLeased: CAP },
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

describe("the lease cap", () => {
  it("never holds more than maxLeased follow-ups from the ticks, and still follows every one to its end", async () => {
    for (let n = 0; n < FOLLOWED; n++) {
      const cmd = stack.fx.command({
        text: `task deploy analytics job_python --name capped-${n} --namespace analytics`,
      });
      expect((await stack.send.command(cmd)).status).toBe(200);
      await stack.responseFor(cmd.response_url);
    }
    const engine = stack.bot.core.followUps;
    // Each command's own follow-up is born leased; once they are all announced, only the ticks lease.
    for (let i = 0; i < 500 && engine.leased > CAP; i++) await new Promise((r) => setTimeout(r, 10));
    // Slow posts keep each lease held while its state is on its way to Slack: leases pile up unless capped.
    stack.slackApi.inject("chat.postMessage", { kind: "delay", ms: 300 }, 1_000);
    const seen: number[] = [];
    const sampler = setInterval(() => seen.push(engine.leased), 2);
    stack.sims.clock.advance(60_000);
    try {
      for (let i = 0; i < 1_500; i++) {
        const rows = await store.followUps.listByRequester("U0ALICE", 50);
        if (rows.length === FOLLOWED && rows.every((f) => f.status === "succeeded")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      clearInterval(sampler);
    }
    stack.slackApi.clearFaults();
    const rows = await store.followUps.listByRequester("U0ALICE", 50);
    expect(rows.map((f) => f.status)).toEqual(Array(FOLLOWED).fill("succeeded"));
    expect(seen.length).toBeGreaterThan(10);
    expect(Math.max(...seen)).toBeLessThanOrEqual(CAP);
    expect(Math.max(...seen)).toBe(CAP);
  }, 40_000);
});
