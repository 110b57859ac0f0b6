import { rmSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StoredMessage } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { BLOCK } from "../../src/blocks/ids.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "../restart/bot-process.js";
import { onSchema, TEST_DATABASE_URL } from "../store/helpers.js";
import { replicaEnvironment } from "./replica-env.js";

// Two bot processes on one PostgreSQL schema behind a Slack stand-in that enforces Slack's published
// rates (chat.postMessage: about 1 a second per channel, a burst of 3). Both follow deploys in one
// channel, so both post into it: the outbox's slots are booked in the store, so together they keep to
// one channel's rate. With a pacer per process they would post twice as fast and meet 429s.

const SIGNING_SECRET = "pacing-test-signing-secret";
const CHANNEL = "C0PACING";
const DEPLOYS = 8;
const POLICY = `
roles:
  operator: ["task:deploy"]
grants:
  - { role: operator, to: { users: [U0ALICE] } }
followups:
  poll_interval: 1s
`;

let sims: RunningSimulators;
let slackApi: SlackStandIn;
let fx: ReturnType<typeof createSlackFixtures>;
let dir: string;
let schema: string;
let bots: BotProcess[] = [];

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  slackApi = await startSlackStandIn({
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    rateLimits: true,
  });
  fx = createSlackFixtures(slackApi);
  const deployment = replicaEnvironment({
    name: "pacing",
    policy: POLICY,
    sims,
    settings,
    slack: slackApi,
    signingSecret: SIGNING_SECRET,
  });
  ({ dir, schema } = deployment);
  const env = deployment.env;
  bots = await Promise.all(
    [0, 1].map(async () => startBotProcess({ port: await freePort(), env, readyTimeoutMs: 90_000 })),
  );
}, 120_000);

afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const text = (value: unknown) => JSON.stringify(value);

function parents(): StoredMessage[] {
  return slackApi.messages(CHANNEL).filter((m) => text(m.blocks).includes(BLOCK.followUpStatus));
}

/** Whether a follow-up's thread has its final state. */
function settled(parent: StoredMessage): boolean {
  return slackApi.thread(CHANNEL, parent.ts).some((m) => (m.text ?? "").includes("`succeeded`"));
}

describe("two replicas posting into one channel", () => {
  it("keep to Slack's per-channel rate together: no 429, every message delivered", async () => {
    const commands = Array.from({ length: DEPLOYS }, (_, i) =>
      fx.command({
        text: `task deploy analytics job_python --name pace-${i} --namespace analytics`,
        user_id: "U0ALICE",
        channel_id: CHANNEL,
      }),
    );
    // Alternately to each replica, as a load balancer spreads them: each follows the deploys it started.
    await Promise.all(
      commands.map(async (command, i) => {
        const bot = bots[i % bots.length];
        if (!bot) throw new Error("no bot");
        const sender = createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET });
        expect((await sender.command(command)).status).toBe(200);
      }),
    );
    await until(
      () => (parents().length === DEPLOYS && parents().every(settled) ? true : undefined),
      `${DEPLOYS} follow-ups to show their final state`,
      60_000,
    );

    const posts = slackApi.callsTo("chat.postMessage").filter((call) => call.args.channel === CHANNEL);
    // Both replicas followed deploys, so both posted: parents, then each state in the threads.
    expect(posts.length).toBeGreaterThanOrEqual(DEPLOYS * 2);
    expect(slackApi.calls.filter((call) => call.status === 429).map((call) => call.method)).toEqual([]);
    expect(posts.every((call) => call.response.ok === true)).toBe(true);
    // Every state either replica recorded is in Slack, each posted once.
    const transitions = await onSchema(
      schema,
      "SELECT followup_id, seq, posted_ts FROM followup_transitions ORDER BY followup_id, seq",
    );
    expect(transitions.length).toBeGreaterThanOrEqual(DEPLOYS);
    const postedTs = transitions.map((row) => (row as { posted_ts: string | null }).posted_ts);
    expect(postedTs.every((ts) => ts !== null)).toBe(true);
    const threadReplies = parents().flatMap((parent) => slackApi.thread(CHANNEL, parent.ts));
    for (const ts of postedTs) expect(threadReplies.filter((m) => m.ts === ts)).toHaveLength(1);
  }, 90_000);
});
