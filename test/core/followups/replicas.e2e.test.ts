import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { openSqliteStore, type Store } from "../../../src/store/index.js";
import { type AppStack, simulatorBackendsEnv, startAppStack } from "../../helpers/app-stack.js";

// Two bots (two follow-up engines, each its own process id) on one store, one Slack stand-in and one set
// of simulators: each follow-up is leased to one of them at a time, so every state reaches its thread
// once, whichever engine saw it.

const TRANSITION = "opsbot_followup_transition";
let store: Store;
let stack: AppStack;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    store,
    env: (sims, settings) => simulatorBackendsEnv(sims, settings),
  });
  await stack.startReplica();
});
afterAll(async () => {
  await stack?.close();
  await store?.close();
});

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("two follow-up engines on one store", () => {
  it("poll every follow-up between them and post each state, the final one included, exactly once", async () => {
    // Who claimed what: both engines call the one store.
    const owners = new Set<string>();
    const claimDue = store.followUps.claimDue.bind(store.followUps);
    store.followUps.claimDue = async (...args) => {
      const leased = await claimDue(...args);
      if (leased.length > 0) owners.add(args[2].owner);
      return leased;
    };
    const count = 12;
    for (let i = 0; i < count; i++) {
      const command = stack.fx.command({
        text: `task deploy analytics job_python --name two-${i} --namespace analytics`,
        channel_id: i % 2 === 0 ? "C0TWO0001" : "C0TWO0002",
      });
      expect((await stack.send.command(command)).status).toBe(200);
    }
    const started = await until(async () => {
      const rows = (await store.followUps.listByRequester("U0ALICE", 100)).filter((f) =>
        f.poll.args.id?.startsWith("task-"),
      );
      return rows.length >= count && rows.every((f) => f.parentTs) ? rows : undefined;
    }, "every follow-up with its parent message");
    // Let both engines poll the running states for a while, then let every task end.
    stack.sims.clock.advance(1_100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stack.sims.clock.advance(60_000);
    const ended = await until(async () => {
      const rows = await Promise.all(started.map((f) => store.followUps.get(f.id)));
      if (!rows.every((f) => f && f.status !== "active")) return undefined;
      const transitions = await Promise.all(started.map((f) => store.followUps.transitions(f.id)));
      return transitions.every((list) => list.every((t) => t.postedTs)) ? transitions : undefined;
    }, "every follow-up to end with its states posted");

    for (const [i, followUp] of started.entries()) {
      const replies = stack.slackApi
        .thread(followUp.channelId, followUp.parentTs ?? "")
        .filter(
          (m) => m.metadata?.event_type === TRANSITION && m.metadata.event_payload?.followup === followUp.id,
        );
      const seqs = replies.map((m) => Number(m.metadata?.event_payload?.seq));
      const recorded = ended[i] ?? [];
      expect(seqs, followUp.id).toEqual(recorded.map((t) => t.seq));
      expect(recorded.at(-1)?.terminal, followUp.id).toBe(true);
    }
    // Both engines took leases: the work was shared, not done twice.
    expect(owners.size).toBe(2);
  }, 40_000);
});
