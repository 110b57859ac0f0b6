import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOCK } from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { SKIPPED_TS } from "../../../src/core/followups/engine.js";
import { openSqliteStore, type Store } from "../../../src/store/index.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// A flood of follow-up progress into one channel whose Slack queue holds 2 writes: the real app over
// signed requests, the Slack stand-in answering each post slowly over HTTP.

const CHANNEL = "C0OPS0001";
const FOLLOWED = 6;
let store: Store;
let stack: AppStack;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    store,
    settings: { OPSBOT_SLACK_QUEUE_MAX_PER_CHANNEL: "2" },
  });
});
afterAll(async () => {
  await stack.close();
  await store.close();
});

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 1_000; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const text = (m: unknown) => JSON.stringify(m);

describe("a full Slack queue", () => {
  it("skips progress, never a final state, and says in the final state how many were skipped", async () => {
    for (let n = 0; n < FOLLOWED; n++) {
      const cmd = stack.fx.command({
        text: `task deploy analytics job_python --name flood-${n} --namespace analytics`,
      });
      expect((await stack.send.command(cmd)).status).toBe(200);
      await stack.responseFor(cmd.response_url);
    }
    const rows = await until(async () => {
      const all = await store.followUps.listByRequester("U0ALICE", 50);
      return all.length === FOLLOWED && all.every((f) => f.parentTs) ? all : undefined;
    }, "every parent posted");
    // From here each post takes Slack 0.8 s: the channel's states pile up behind one another.
    stack.slackApi.inject("chat.postMessage", { kind: "delay", ms: 800 }, 1_000);
    // Every task on its way (running), seen by every follow-up before any of them ends: the states on
    // the way are then certain to meet the full queue, however slowly this machine polls.
    stack.sims.clock.advance(1_200);
    await until(async () => {
      const seen = await Promise.all(rows.map((r) => store.followUps.transitions(r.id)));
      return seen.every((list) => list.some((t) => t.state === "running")) ? seen : undefined;
    }, "every follow-up to see its task running");
    stack.sims.clock.advance(60_000);
    const ended = await until(async () => {
      const now = await Promise.all(rows.map((r) => store.followUps.get(r.id)));
      return now.every((f) => f?.status === "succeeded") ? now : undefined;
    }, "every follow-up to succeed");
    expect(ended).toHaveLength(FOLLOWED);

    const transitions = await Promise.all(rows.map((r) => store.followUps.transitions(r.id)));
    const skipped = transitions.map((list) => list.filter((t) => t.postedTs === SKIPPED_TS).length);
    expect(skipped.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Only states on the way were skipped; every final state is in its thread.
    for (const list of transitions)
      expect(list.filter((t) => t.terminal && t.postedTs === SKIPPED_TS)).toEqual([]);
    const finals = await until(() => {
      const found = rows.map((row) =>
        stack.slackApi
          .thread(CHANNEL, row.parentTs ?? "")
          .find((m) => /`succeeded` at .* · (succeeded )?after/.test(text(m))),
      );
      return found.every(Boolean) ? found : undefined;
    }, "every final state in its thread");
    rows.forEach((_, i) => {
      const count = skipped[i] ?? 0;
      if (count === 0) expect(text(finals[i])).not.toContain("skipped");
      else
        expect(text(finals[i])).toContain(
          count === 1 ? "1 progress update was skipped" : `${count} progress updates were skipped`,
        );
    });
    expect(await stack.bot.metrics.render()).toMatch(
      /opsbot_slack_queue_shed_total\{kind="progress"\} [1-9]/,
    );
    // The parents end with their final state too (a critical edit, never shed).
    const done = await until(() => {
      const parents = stack.slackApi
        .messages(CHANNEL)
        .filter((m) => text(m).includes(BLOCK.followUpStatus) && text(m.blocks?.[0]).includes("✅"));
      return parents.length === FOLLOWED ? parents : undefined;
    }, "every parent to show its final state");
    expect(done).toHaveLength(FOLLOWED);
    stack.slackApi.clearFaults();
  }, 40_000);
});
