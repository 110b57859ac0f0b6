import { rmSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StoredMessage } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { BLOCK } from "../../src/blocks/ids.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "../restart/bot-process.js";
import { TEST_DATABASE_URL } from "../store/helpers.js";
import { replicaEnvironment } from "./replica-env.js";

// Three bot processes (src/main.ts) on one PostgreSQL schema follow 20 deploys between them; the one
// holding the most follow-up leases is killed with SIGKILL while its final states are on their way to
// Slack. The other two take its follow-ups over once its leases lapse, and every final state reaches its
// thread exactly once.

const SIGNING_SECRET = "followup-leases-signing-secret";
const LEASE_MS = 3_000;
const POLL_INTERVAL_MS = 1_000;
/** How long Slack takes to store each final state here: the window in which the kill lands. */
const SLACK_DELAY_MS = 2_000;
const COUNT = 20;
const TRANSITION = "opsbot_followup_transition";
const POLICY = `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["task:deploy"]
grants:
  - { role: viewer, to: { everyone: true } }
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
  // Backend time moves only when the test moves it: every deploy changes state at the same moment.
  sims.clock.setSpeed(0);
  slackApi = await startSlackStandIn({
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
  });
  fx = createSlackFixtures(slackApi);
  const deployment = replicaEnvironment({
    name: "leases",
    policy: POLICY,
    sims,
    settings,
    slack: slackApi,
    signingSecret: SIGNING_SECRET,
    extra: { OPSBOT_FOLLOWUP_LEASE_MS: String(LEASE_MS) },
  });
  ({ dir, schema } = deployment);
  const env = deployment.env;
  bots = await Promise.all(
    [0, 1, 2].map(async () => startBotProcess({ port: await freePort(), env, readyTimeoutMs: 90_000 })),
  );
}, 120_000);

afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
  rmSync(dir, { recursive: true, force: true });
  await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

async function query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const text = (value: unknown) => JSON.stringify(value);
const channelOf = (i: number) => `C0LEASE${String(i).padStart(2, "0")}`;

function parentIn(channel: string): StoredMessage | undefined {
  return slackApi.messages(channel).find((m) => text(m.blocks).includes(BLOCK.followUpStatus));
}

/** The state replies in a parent's thread: [follow-up id, seq, state] each. */
function transitionsIn(channel: string, parent: StoredMessage): [string, number, string][] {
  return slackApi
    .thread(channel, parent.ts)
    .filter((m) => m.metadata?.event_type === TRANSITION)
    .map((m) => [
      String(m.metadata?.event_payload?.followup),
      Number(m.metadata?.event_payload?.seq),
      /`([a-z]+)`/.exec(m.text ?? "")?.[1] ?? "?",
    ]);
}

async function allShow(state: string): Promise<void> {
  await until(
    () =>
      Array.from({ length: COUNT }, (_, i) => channelOf(i)).every((channel) => {
        const parent = parentIn(channel);
        return parent && transitionsIn(channel, parent).some(([, , s]) => s === state);
      })
        ? true
        : undefined,
    `\`${state}\` in every thread`,
    30_000,
  );
}

describe("follow-ups shared by three replicas on PostgreSQL", () => {
  it("kill -9 of the replica holding the most leases: the others finish every follow-up, each final state posted once", async () => {
    for (let i = 0; i < COUNT; i++) {
      const bot = bots[i % bots.length];
      if (!bot) throw new Error("no bot");
      const command = fx.command({
        text: `task deploy analytics job_python --name lease-${i} --namespace analytics`,
        user_id: "U0ALICE",
        channel_id: channelOf(i),
      });
      const sender = createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET });
      expect((await sender.command(command)).status).toBe(200);
    }
    await allShow("pending");
    sims.clock.advance(1_100);
    await allShow("running");

    // Every final state now takes Slack a while to store, so that the replicas hold leases while it does.
    slackApi.inject("chat.postMessage", { kind: "delay", ms: SLACK_DELAY_MS }, COUNT);
    const finalAt = new Map<string, number>();
    const unsubscribe = slackApi.subscribe((event) => {
      if (event.type !== "message" || event.message.metadata?.event_type !== TRANSITION) return;
      if (!(event.message.text ?? "").includes("`succeeded`")) return;
      const id = String(event.message.metadata.event_payload?.followup);
      if (!finalAt.has(id)) finalAt.set(id, Date.now());
    });
    sims.clock.advance(3_000);
    // Every deploy has its final state recorded: the posts are under way, each under its poller's lease.
    await until(
      async () => {
        const [row] = await query(
          `SELECT count(*)::int AS n FROM ${schema}.followups WHERE status <> 'active'`,
        );
        return Number(row?.n) === COUNT ? true : undefined;
      },
      "every final state recorded",
      20_000,
    );
    const held = await query(
      `SELECT lease_owner, array_agg(id) AS ids FROM ${schema}.followups WHERE lease_owner IS NOT NULL
       GROUP BY lease_owner ORDER BY count(*) DESC`,
    );
    const [most] = held;
    expect(most, "a replica holding leases").toBeDefined();
    // A process id is host:pid:random.
    const pid = Number(String(most?.lease_owner).split(":").at(-2));
    const victim = bots.find((bot) => bot.pid === pid);
    expect(victim, `the bot with pid ${pid}`).toBeDefined();
    const taken = (most?.ids as string[]) ?? [];
    process.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    await victim?.kill();

    // The survivors finish: every final state posted and marked, whoever posted it.
    await until(
      async () => {
        const rows = await query(
          `SELECT count(*)::int AS n FROM ${schema}.followup_transitions WHERE posted_ts IS NULL`,
        );
        return Number(rows[0]?.n) === 0 && finalAt.size === COUNT ? true : undefined;
      },
      "every final state in Slack",
      30_000,
    );
    unsubscribe();

    for (let i = 0; i < COUNT; i++) {
      const channel = channelOf(i);
      const parents = slackApi.messages(channel).filter((m) => text(m.blocks).includes(BLOCK.followUpStatus));
      expect(parents, channel).toHaveLength(1);
      const parent = parents[0] as StoredMessage;
      const posted = transitionsIn(channel, parent);
      const seqs = posted.map(([, seq]) => seq);
      expect(new Set(seqs).size, `${channel}: no state twice`).toBe(seqs.length);
      expect(
        posted.map(([, , state]) => state),
        channel,
      ).toEqual(["pending", "running", "succeeded"]);
    }
    // The victim's follow-ups were taken over within a lease and one poll interval, plus Slack's time
    // to store the post (and the tick that notices the lapse).
    const bound = LEASE_MS + POLL_INTERVAL_MS + SLACK_DELAY_MS + 500;
    for (const id of taken) {
      const at = finalAt.get(id);
      expect(at, id).toBeDefined();
      expect((at ?? 0) - killedAt, id).toBeLessThanOrEqual(bound);
    }
  }, 120_000);
});
