import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StandInEvent, StoredMessage } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { decodeApprovalValue } from "../../src/blocks/approval.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { simulatorBackendsEnv } from "../helpers/app-stack.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "./bot-process.js";

// kill -9 of the bot process, then a start on the same SQLite file. The bot runs as production runs it
// (src/main.ts, configured from the environment); the Slack Web API stand-in and the backend simulators
// live here, in the test process, as Slack's servers and the SaaS APIs outlive a crash of the bot.
// Every kill waits on something observable (a message Slack stored, a request a backend received, a
// row in the store), never on a sleep.

const SIGNING_SECRET = "restart-test-signing-secret";
const NOTIFY = "C0NOTIFY1";
const USERS = [
  { id: "U0ALICE", name: "alice", email: "alice@example.com" },
  { id: "U0BOB", name: "bob", email: "bob@example.com" },
];
// alice changes things, bob approves job deletes; every approval decision is announced in NOTIFY.
// Follow-ups poll every second (the first poll, about 2 s after the start, is main.ts's default).
const POLICY = `
roles:
  viewer: ["*:list", "*:get", "*:state", "help", "whoami"]
  operator: ["task:deploy", "job:delete"]
  admin: ["*"]
grants:
  - { role: viewer, to: { everyone: true } }
  - { role: operator, to: { users: [U0ALICE] } }
  - { role: admin, to: { users: [U0BOB] } }
approvals:
  - name: job deletes
    match: ["job:delete"]
    approvers: { users: [U0BOB] }
    required: 1
notifications:
  - { channel: ${NOTIFY}, events: [approval.decided] }
followups:
  poll_interval: 1s
`;

let sims: RunningSimulators;
let slackApi: SlackStandIn;
let fx: ReturnType<typeof createSlackFixtures>;
let dir: string;
let port: number;
let bot: BotProcess | undefined;
let env: Record<string, string>;
let channelSeq = 0;

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  // Backend time moves only when a test moves it: a deploy's states change exactly when asked.
  sims.clock.setSpeed(0);
  slackApi = await startSlackStandIn({ users: USERS });
  fx = createSlackFixtures(slackApi);
  env = {
    SLACK_BOT_TOKEN: slackApi.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    DEPLOY_API_URL: sims.deploy.url,
    ...simulatorBackendsEnv(sims, settings),
    // A killed process's follow-up leases lapse before the restarted one may take them over: short here.
    OPSBOT_FOLLOWUP_LEASE_MS: "1000",
    LOG_LEVEL: "info",
    // The killed process's work is taken over once its heartbeat is this old (30 s in production).
    OPSBOT_HEARTBEAT_STALE_MS: "1000",
  };
});
afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-restart-"));
  writeFileSync(join(dir, "opsbot.yml"), POLICY);
  port = await freePort();
  sims.deploy.faults.clear();
});
afterEach(async () => {
  await killAllBots();
  bot = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Starts (or starts again) the bot on this test's database file and port. */
async function boot(): Promise<BotProcess> {
  bot = await startBotProcess({
    port,
    env: { ...env, OPSBOT_DB: join(dir, "opsbot.db"), OPSBOT_CONFIG: join(dir, "opsbot.yml") },
  });
  return bot;
}

function sender() {
  if (!bot) throw new Error("no bot");
  return createSlackSender({ url: bot.url, signingSecret: SIGNING_SECRET });
}

/** A channel of its own per use: the tests share one Slack workspace, and Slack paces posts per channel. */
function newChannel(): string {
  channelSeq += 1;
  return `C0RST${String(channelSeq).padStart(4, "0")}`;
}

/** Reads the store the bot left behind (or is using: WAL lets a reader in beside it). */
async function withStore<T>(read: (store: Store) => Promise<T>): Promise<T> {
  const store = openSqliteStore({ path: join(dir, "opsbot.db") });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** Kills the bot synchronously the moment the stand-in sees `event`: before the bot can hear Slack's answer. */
function killWhen(match: (event: StandInEvent) => boolean, timeoutMs = 10_000): Promise<void> {
  const target = bot;
  if (!target) throw new Error("no bot");
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`the moment to kill the bot did not come within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = slackApi.subscribe((event) => {
      if (!match(event)) return;
      process.kill(target.pid, "SIGKILL");
      unsubscribe();
      clearTimeout(timer);
      resolve();
    });
  }).then(() => target.kill());
}

const text = (value: unknown) => JSON.stringify(value);

async function responsesTo(
  url: string,
  count: number,
): Promise<readonly Readonly<Record<string, unknown>>[]> {
  return until(() => {
    const found = slackApi.responses().filter((r) => r.url === url);
    return found.length >= count ? found.map((r) => r.body) : undefined;
  }, `${count} response(s) to ${url}`);
}

/** A job for a delete to find, made straight in the Deploy simulator. */
async function makeJob(name: string): Promise<void> {
  const res = await fetch(`${sims.deploy.url}/v1/task/deployas/analytics/job_python/${name}`, {
    headers: { identity: "seed@example.com" },
  });
  expect(res.status).toBe(200);
}

/** The Deploy API delete calls for one job: what must happen exactly once. */
function deletesOf(name: string) {
  return sims.deploy.requests.filter((r) => r.url === `/v1/delete/job/analytics/${name}`);
}

/** The approval request message in `channel`, as Slack shows it now, with its buttons' value. */
function approvalIn(channel: string): { message: StoredMessage; value: string } | undefined {
  const message = slackApi.messages(channel).find((m) => text(m.blocks).includes("Approval"));
  if (!message) return undefined;
  const blocks = (message.blocks ?? []) as { block_id?: string; elements?: { value?: string }[] }[];
  const value = blocks.find((b) => b.block_id === BLOCK.approvalButtons)?.elements?.[0]?.value;
  return value ? { message, value } : { message, value: "" };
}

/** Asks for a job delete (needs bob's approval) and waits for the request message with its buttons. */
async function requestDelete(name: string, channel: string) {
  await makeJob(name);
  const command = fx.command({
    text: `job delete analytics ${name}`,
    user_id: "U0ALICE",
    channel_id: channel,
  });
  expect((await sender().command(command)).status).toBe(200);
  const [note] = await responsesTo(command.response_url, 1);
  expect(text(note)).toContain("needs 1 approval");
  const request = await until(() => {
    const found = approvalIn(channel);
    return found?.value ? found : undefined;
  }, "the approval request with its buttons");
  const decoded = decodeApprovalValue(request.value);
  if (!decoded) throw new Error("the Approve button carries no request");
  return { ...request, requestId: decoded.requestId };
}

/** A click on Approve, as Slack sends it: the message's own button, from the message it is on. */
function approveClick(request: { message: StoredMessage; value: string }, channel: string, user = "U0BOB") {
  return fx.blockActions(
    {
      type: "button" as const,
      action_id: ACTION.approve,
      block_id: BLOCK.approvalButtons,
      text: { type: "plain_text" as const, text: "Approve" },
      value: request.value,
      action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    },
    { user, channel, message: { ts: request.message.ts } },
  );
}

async function statusOf(requestId: string): Promise<string | undefined> {
  return withStore(async (store) => (await store.approvals.get(requestId))?.status);
}

describe("kill -9 during an approval", () => {
  it("a request pending at the kill is approved after the restart and runs once; later clicks run nothing", async () => {
    const channel = newChannel();
    await boot();
    const request = await requestDelete("rst-pending", channel);
    await bot?.kill();
    expect(await statusOf(request.requestId)).toBe("pending");

    await boot();
    const click = approveClick(request, channel);
    expect((await sender().interaction(click)).status).toBe(200);
    await until(
      async () => ((await statusOf(request.requestId)) === "succeeded" ? true : undefined),
      "the approved request to succeed",
    );
    expect(deletesOf("rst-pending")).toHaveLength(1);
    await until(
      () => (text(approvalIn(channel)?.message).includes("and done") ? true : undefined),
      "the request message to say it is done",
    );
    expect(approvalIn(channel)?.value).toBe("");

    // Approve again (a new click on the stale button), then the very same click replayed.
    const again = approveClick(request, channel);
    expect((await sender().interaction(again)).status).toBe(200);
    expect(text(await responsesTo(again.response_url, 1))).toContain("already succeeded");
    expect((await sender().interaction(click)).status).toBe(200);
    expect(text(await responsesTo(click.response_url, 1))).toContain("already succeeded");
    expect(deletesOf("rst-pending")).toHaveLength(1);
  }, 30_000);

  it("a kill between the last approval and the run: the approved request runs once after the restart", async () => {
    const channel = newChannel();
    await boot();
    const request = await requestDelete("rst-decided", channel);
    // The decision is announced before the run starts: Slack storing that announcement is the moment
    // the store says "approved" and nothing has run yet.
    const killed = killWhen(
      (e) =>
        e.type === "message" && e.message.channel === NOTIFY && text(e.message).includes(`<#${channel}>`),
    );
    expect((await sender().interaction(approveClick(request, channel))).status).toBe(200);
    await killed;
    expect(await statusOf(request.requestId)).toBe("approved");
    expect(deletesOf("rst-decided")).toHaveLength(0);

    await boot();
    await until(
      async () => ((await statusOf(request.requestId)) === "succeeded" ? true : undefined),
      "the approved request to run after the restart",
    );
    await until(
      () => (text(approvalIn(channel)?.message).includes("and done") ? true : undefined),
      "the request message to say it is done",
    );
    const again = approveClick(request, channel);
    expect((await sender().interaction(again)).status).toBe(200);
    expect(text(await responsesTo(again.response_url, 1))).toContain("already succeeded");
    expect(deletesOf("rst-decided")).toHaveLength(1);
  }, 30_000);

  it("a kill while the approved call is at the backend: it ran once, the restart says its outcome is unknown, clicks run nothing", async () => {
    const channel = newChannel();
    await boot();
    const request = await requestDelete("rst-running", channel);
    // The kill lands the moment the Deploy API receives the delete; the API carries it out regardless.
    const target = bot;
    const take = sims.deploy.faults.take.bind(sims.deploy.faults);
    let arrived = false;
    sims.deploy.faults.take = (method, path) => {
      if (!arrived && path === "/v1/delete/job/analytics/rst-running" && target) {
        arrived = true;
        process.kill(target.pid, "SIGKILL");
      }
      return take(method, path);
    };
    try {
      expect((await sender().interaction(approveClick(request, channel))).status).toBe(200);
      await until(() => (target?.running ? undefined : true), "the bot to be killed");
    } finally {
      sims.deploy.faults.take = take;
    }
    await until(() => (deletesOf("rst-running").length === 1 ? true : undefined), "the delete to be done");
    expect(await statusOf(request.requestId)).toBe("executing");

    await boot();
    // Cut off mid-run: ended as failed once the dead process's heartbeat is stale, saying the outcome is
    // unknown; never run again.
    await until(
      async () => ((await statusOf(request.requestId)) === "failed" ? true : undefined),
      "the cut-off request to be ended as failed",
    );
    await until(
      () => (text(approvalIn(channel)?.message).includes("unknown") ? true : undefined),
      "the request message to say the outcome is unknown",
    );
    const again = approveClick(request, channel);
    expect((await sender().interaction(again)).status).toBe(200);
    expect(text(await responsesTo(again.response_url, 1))).toContain("already failed");
    expect(deletesOf("rst-running")).toHaveLength(1);
    // Nobody is asked to approve it again.
    expect(approvalIn(channel)?.value).toBe("");
  }, 30_000);
});

const TRANSITION = "opsbot_followup_transition";

/** The follow-up parent message of a deploy in `channel`. */
function parentsIn(channel: string): StoredMessage[] {
  return slackApi.messages(channel).filter((m) => text(m.blocks).includes(BLOCK.followUpStatus));
}

/** The state replies in a parent's thread, by state name, in order. */
function statesIn(channel: string, parent: StoredMessage): string[] {
  return slackApi
    .thread(channel, parent.ts)
    .filter((m) => m.metadata?.event_type === TRANSITION)
    .map((m) => /`([a-z]+)`/.exec(m.text ?? "")?.[1] ?? "?");
}

/** A deploy that opsbot follows; resolves with its parent message once it is in the channel. */
async function followedDeploy(name: string, channel: string): Promise<StoredMessage> {
  const command = fx.command({
    text: `task deploy analytics job_python --name ${name} --namespace analytics`,
    user_id: "U0ALICE",
    channel_id: channel,
  });
  expect((await sender().command(command)).status).toBe(200);
  expect(text(await responsesTo(command.response_url, 1))).toContain("Task deployed");
  return until(() => parentsIn(channel)[0], "the follow-up's parent message");
}

async function stateShown(channel: string, parent: StoredMessage, state: string): Promise<void> {
  await until(
    () => (statesIn(channel, parent).includes(state) ? true : undefined),
    `\`${state}\` in the thread`,
  );
}

/** Waits for the follow-up to end in the store with every state confirmed in Slack. */
async function followUpSettled(channel: string) {
  return until(
    () =>
      withStore(async (store) => {
        const [f] = (await store.followUps.listByRequester("U0ALICE", 50)).filter(
          (x) => x.channelId === channel,
        );
        if (!f || f.status === "active") return undefined;
        const transitions = await store.followUps.transitions(f.id);
        return transitions.every((t) => t.postedTs) ? { followUp: f, transitions } : undefined;
      }),
    "the follow-up to end with every state posted",
  );
}

describe("kill -9 during a follow-up", () => {
  // The Deploy simulator's task: pending, running after 1 s, succeeded after 3 s of (frozen) backend time.

  it("resumes from the store: the remaining states once each, the final one broadcast, the parent at the end", async () => {
    const channel = newChannel();
    await boot();
    const parent = await followedDeploy("rst-follow", channel);
    await stateShown(channel, parent, "pending");
    sims.clock.advance(1_100);
    await stateShown(channel, parent, "running");
    await bot?.kill();
    sims.clock.advance(3_000);

    await boot();
    await stateShown(channel, parent, "succeeded");
    const { followUp, transitions } = await followUpSettled(channel);
    expect(followUp.status).toBe("succeeded");
    expect(transitions.map((t) => t.state)).toEqual(["pending", "running", "succeeded"]);
    expect(statesIn(channel, parent)).toEqual(["pending", "running", "succeeded"]);
    const final = slackApi.thread(channel, parent.ts).find((m) => m.text?.includes("`succeeded`"));
    expect(final?.replyBroadcast).toBe(true);
    await until(
      () => (/✅ succeeded/.test(text(parentsIn(channel)[0]?.blocks)) ? true : undefined),
      "the parent's status line to reach the final state",
    );
    expect(parentsIn(channel)).toHaveLength(1);
    expect(sims.deploy.requests.filter((r) => r.url.includes("/rst-follow"))).toHaveLength(1);
  }, 30_000);

  it("a kill as Slack stores a state, before the bot hears back: after the restart it is not posted again", async () => {
    const channel = newChannel();
    await boot();
    const parent = await followedDeploy("rst-follow-2", channel);
    await stateShown(channel, parent, "pending");
    const killed = killWhen(
      (e) =>
        e.type === "message" &&
        e.message.channel === channel &&
        e.message.metadata?.event_type === TRANSITION &&
        (e.message.text ?? "").includes("`running`"),
    );
    sims.clock.advance(1_100);
    await killed;
    sims.clock.advance(3_000);

    await boot();
    await stateShown(channel, parent, "succeeded");
    const { transitions } = await followUpSettled(channel);
    expect(transitions.map((t) => t.state)).toEqual(["pending", "running", "succeeded"]);
    expect(statesIn(channel, parent)).toEqual(["pending", "running", "succeeded"]);
    expect(parentsIn(channel)).toHaveLength(1);
  }, 30_000);

  it("a kill as Slack takes the deploy's reply, before the parent message: followed after the restart", async () => {
    const channel = newChannel();
    await boot();
    const command = fx.command({
      text: "task deploy analytics job_python --name rst-follow-4 --namespace analytics",
      user_id: "U0ALICE",
      channel_id: channel,
    });
    const killed = killWhen((e) => e.type === "response" && e.response.url === command.response_url);
    expect((await sender().command(command)).status).toBe(200);
    await killed;
    expect(text(await responsesTo(command.response_url, 1))).toContain("Task deployed");
    expect(parentsIn(channel)).toHaveLength(0);

    await boot();
    const parent = await until(() => parentsIn(channel)[0], "the parent message, posted after the restart");
    sims.clock.advance(4_000);
    await stateShown(channel, parent, "succeeded");
    const { followUp } = await followUpSettled(channel);
    expect(followUp.status).toBe("succeeded");
    expect(parentsIn(channel)).toHaveLength(1);
    expect(sims.deploy.requests.filter((r) => r.url.includes("/rst-follow-4"))).toHaveLength(1);
  }, 30_000);

  // The parent is posted before its ts is in the store; killed in between, the next start finds it in
  // the channel by its metadata (conversations.history) instead of posting a second one.
  it("a kill as Slack stores the parent message, before the bot hears back: one parent after the restart", async () => {
    const channel = newChannel();
    await boot();
    const killed = killWhen(
      (e) =>
        e.type === "message" &&
        e.message.channel === channel &&
        text(e.message.blocks).includes(BLOCK.followUpStatus),
    );
    const command = fx.command({
      text: "task deploy analytics job_python --name rst-follow-3 --namespace analytics",
      user_id: "U0ALICE",
      channel_id: channel,
    });
    expect((await sender().command(command)).status).toBe(200);
    await killed;

    await boot();
    sims.clock.advance(4_000);
    const { followUp } = await followUpSettled(channel);
    expect(followUp.status).toBe("succeeded");
    expect(parentsIn(channel)).toHaveLength(1);
  }, 30_000);
});

/**
 * Counts the requests a simulator has received but not yet answered (its log records a request once it
 * is answered), so that a test can wait for the backend to finish what a dead bot sent it.
 */
function countArrivals(sim: RunningSimulators["deploy"], path: RegExp) {
  const take = sim.faults.take.bind(sim.faults);
  const before = sim.requests.filter((r) => path.test(r.url.split("?")[0] ?? "")).length;
  let arrived = 0;
  sim.faults.take = (method, p) => {
    if (path.test(p)) arrived++;
    return take(method, p);
  };
  return {
    settled: () =>
      until(
        () =>
          sim.requests.filter((r) => path.test(r.url.split("?")[0] ?? "")).length - before >= arrived
            ? true
            : undefined,
        "the backend to answer every request it received",
      ),
    stop: () => {
      sim.faults.take = take;
    },
  };
}

interface Sent {
  readonly i: number;
  readonly kind: "deploy" | "fast read" | "slow read";
  readonly channel: string;
  readonly responseUrl: string;
  /** The HTTP status Slack got back, or the network error it saw instead. */
  readonly answer: number | "connection failed";
  /** When its answer (or error) came, by performance.now(). */
  readonly at: number;
}

describe("kill -9 during a burst of commands", () => {
  // What "nothing lost" means for a slash command. Slack delivers a command once (it never retries
  // one) and counts it delivered when the bot answers 200 within 3 s; opsbot notes the command in its
  // store, answers 200, then does the work. So, after the restart:
  //  - acknowledged (200): the command got exactly one answer: its reply, or (cut off by the kill) a
  //    notice that opsbot restarted while handling it, sent by the next start to its response URL. A
  //    change cut off was made at most once: nothing replays it on restart.
  //  - not acknowledged (connection refused or reset): Slack tells the person the command failed. The
  //    bot did nothing for it: no reply, no audit entry, no backend call. They may simply run it again.
  // A follow-up under way before the burst is resumed from the store after the restart.

  it("every acknowledged command was answered, by its reply or a restart notice; none ran twice; the others did nothing", async () => {
    await boot();
    // A deploy followed since before the burst: it must carry on after the restart.
    const followed = newChannel();
    const parent = await followedDeploy("rst-burst-followed", followed);
    await stateShown(followed, parent, "pending");

    // Deploys and some reads take 1.5 s at the Deploy API: in flight when the bot dies.
    sims.deploy.setFaults([
      { kind: "latency", latencyMs: 1_500, path: "^/v1/task/deployinas/.*/rst-burst-\\d+$" },
      { kind: "latency", latencyMs: 1_500, path: "^/v1/list/tasks/analytics$" },
    ]);
    const arrivals = countArrivals(sims.deploy, /\/rst-burst-\d+$|^\/v1\/list\//);
    const send = sender();
    const target = bot;
    const sent: Sent[] = [];
    const burstUrls = new Set<string>();
    let acked = 0;
    let replied = 0;
    let killedAt = Number.POSITIVE_INFINITY;
    let onKilled: () => void = () => {};
    const killed = new Promise<void>((resolve) => {
      onKilled = resolve;
    });
    // The kill comes once 10 commands were acknowledged and one was answered, whichever comes last:
    // right after Slack got an acknowledgement, or right as Slack stores a reply.
    const killIfDue = () => {
      if (acked < 10 || replied < 1 || killedAt !== Number.POSITIVE_INFINITY || !target) return;
      process.kill(target.pid, "SIGKILL");
      killedAt = performance.now();
      onKilled();
    };
    const unsubscribe = slackApi.subscribe((e) => {
      if (e.type === "response" && burstUrls.has(e.response.url)) {
        replied++;
        killIfDue();
      }
    });
    const burst = Array.from({ length: 30 }, async (_, i) => {
      // A stream of commands 5 ms apart; the last ten go out after the kill, to a bot that is gone.
      await (i < 20 ? new Promise((resolve) => setTimeout(resolve, i * 5)) : killed);
      const kind = i % 3 === 0 ? "deploy" : i % 3 === 1 ? "fast read" : "slow read";
      const channel = newChannel();
      const command = fx.command({
        text:
          kind === "deploy"
            ? `task deploy analytics job_python --name rst-burst-${i} --namespace analytics`
            : kind === "fast read"
              ? "namespace list"
              : "task list --namespace analytics",
        user_id: "U0ALICE",
        channel_id: channel,
      });
      burstUrls.add(command.response_url);
      const answer = await send.command(command).then(
        (res) => res.status,
        () => "connection failed" as const,
      );
      const at = performance.now();
      if (answer === 200) {
        acked++;
        killIfDue();
      }
      sent.push({ i, kind, channel, responseUrl: command.response_url, answer, at });
    });
    await Promise.all(burst);
    unsubscribe();
    await target?.kill();
    const ackedOnes = sent.filter((s) => s.answer === 200);
    const failed = sent.filter((s) => s.answer !== 200);
    expect(ackedOnes.length).toBeGreaterThanOrEqual(10);
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.every((s) => s.answer === "connection failed")).toBe(true);
    // The Deploy API finishes what it was sent, whether or not the bot is there for the answer.
    await arrivals.settled();
    arrivals.stop();

    await boot();
    sims.clock.advance(4_000);
    // The follow-up from before the burst reaches its end, each state once.
    await stateShown(followed, parent, "succeeded");
    expect(statesIn(followed, parent)).toEqual(["pending", "succeeded"]);
    await until(
      () => (/✅ succeeded/.test(text(parentsIn(followed)[0]?.blocks)) ? true : undefined),
      "the followed deploy's parent to show the end",
    );
    sims.deploy.faults.clear();

    const audit = await withStore((store) => store.audit.query({ limit: 1_000 }));
    const ackedUrls = new Set(ackedOnes.map((s) => s.responseUrl));
    await until(
      () =>
        [...ackedUrls].every((url) => slackApi.responses().some((r) => r.url === url)) ? true : undefined,
      "an answer to every acknowledged command",
    );
    const report = { answered: 0, interrupted: 0 };
    const isNotice = (r: { body: unknown }) =>
      text(r.body).includes("opsbot restarted while it was handling");
    for (const s of sent) {
      const replies = slackApi.responses().filter((r) => r.url === s.responseUrl);
      const results = replies.filter((r) => !isNotice(r));
      const notices = replies.filter(isNotice);
      const entries = audit.filter((e) => e.channelId === s.channel);
      const deploys = sims.deploy.requests.filter((r) => r.url.endsWith(`/rst-burst-${s.i}`));
      const where = `command ${s.i} (${s.kind}, ${s.answer})`;
      expect(deploys.length, `${where}: deploys`).toBeLessThanOrEqual(1);
      expect(results.length, `${where}: results`).toBeLessThanOrEqual(1);
      expect(notices.length, `${where}: notices`).toBeLessThanOrEqual(1);
      for (const n of notices) expect(n.body.response_type, where).toBe("ephemeral");
      if (s.answer !== 200) {
        // Noted in the instant between the note and the 200 that never reached Slack: at most the
        // notice, and nothing done.
        expect(results, `${where}: results`).toEqual([]);
        expect(entries, `${where}: audit`).toEqual([]);
        expect(deploys, `${where}: deploys`).toEqual([]);
        continue;
      }
      // Answered: by its result, or by the notice when the kill cut it off (both when the kill fell
      // between the result reaching Slack and the note being cleared).
      expect(replies.length, `${where}: replies`).toBeGreaterThan(0);
      if (results.length === 1) report.answered++;
      else report.interrupted++;
      const result = results[0];
      if (s.kind === "deploy" && result && text(result.body).includes("Task deployed"))
        expect(deploys).toHaveLength(1);
    }
    expect(report.answered + report.interrupted).toBe(ackedOnes.length);
    // Both kinds happened: replies sent before the kill, and work cut off by it (the slow deploys).
    expect(report.answered, JSON.stringify(report)).toBeGreaterThan(0);
    expect(report.interrupted, JSON.stringify(report)).toBeGreaterThan(0);
    // Told once: a second restart says nothing more.
    const answers = slackApi.responses().length;
    await bot?.kill();
    await boot();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slackApi.responses().length).toBe(answers);
  }, 40_000);
});
