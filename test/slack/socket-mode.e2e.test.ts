import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import { createSlackFixtures } from "../../devkit/testing/index.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { simulatorBackendsEnv } from "../helpers/app-stack.js";
import { type BotProcess, freePort, killAllBots, startBotProcess, until } from "../restart/bot-process.js";

// `npm start` in Socket Mode, as its own process: it opens the WebSocket through apps.connections.open
// on the Slack stand-in, takes a command and a click over it, acknowledges both within Slack's 3 s, and
// its /readyz follows the connection as the stand-in drops it and the client reconnects.

const USERS = [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }];
let sims: RunningSimulators;
let slackApi: SlackStandIn;
let fx: ReturnType<typeof createSlackFixtures>;
let dir: string;
let baseEnv: Record<string, string>;

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  slackApi = await startSlackStandIn({ users: USERS });
  fx = createSlackFixtures(slackApi);
  dir = mkdtempSync(join(tmpdir(), "opsbot-socket-mode-"));
  baseEnv = {
    SLACK_APP_TOKEN: slackApi.appToken,
    SLACK_API_URL: slackApi.url,
    DEPLOY_API_URL: sims.deploy.url,
    ...simulatorBackendsEnv(sims, settings),
    // Debug, so that the test sees every line the Socket Mode client writes, and that no token is in them.
    LOG_LEVEL: "debug",
  };
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${sims.deploy.url}/v1/task/deployas/analytics/job_python/bulk-${i}`, {
      headers: { identity: "seed@example.com" },
    });
    expect(res.status).toBe(200);
  }
}, 30_000);

afterAll(async () => {
  await killAllBots();
  await slackApi?.close();
  await sims?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readyz(port: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function responsesTo(url: string, count: number) {
  return until(() => {
    const found = slackApi.responses().filter((r) => r.url === url);
    return found.length >= count ? found.map((r) => r.body) : undefined;
  }, `${count} response(s) to ${url}`);
}

interface Button {
  action_id: string;
  value: string;
  text: { text: string };
}

function pagerOf(message: Readonly<Record<string, unknown>>): Button[] {
  const blocks = (message.blocks ?? []) as { block_id?: string; elements?: Button[] }[];
  return blocks.find((b) => b.block_id === BLOCK.pager)?.elements ?? [];
}

describe("Socket Mode, end to end", () => {
  let bot: BotProcess;

  beforeAll(async () => {
    bot = await startBotProcess({
      port: await freePort(),
      env: { ...baseEnv, SLACK_BOT_TOKEN: slackApi.token, OPSBOT_DB: join(dir, "socket.db") },
      // A loaded CI machine takes its time to compile and start the process.
      readyTimeoutMs: 60_000,
    });
  }, 70_000);

  it("is ready once connected, and uses only the app-level token to connect", async () => {
    expect(await readyz(bot.port)).toEqual({ status: 200, body: { ready: true } });
    expect(slackApi.socketMode.connections).toBe(1);
    expect(slackApi.callsTo("apps.connections.open").map((c) => c.response.ok)).toEqual([true]);
    await until(() => (bot.output().includes('"mode":"socket"') ? true : undefined), "the start-up line");
  });

  it("acknowledges /ops help within 3 s, with the help as the ack's payload", async () => {
    const envelopeId = slackApi.socketMode.deliver({
      type: "slash_commands",
      payload: { ...fx.command({ text: "help" }) },
    });
    const ack = await slackApi.socketMode.ackOf(envelopeId, 3000);
    expect(ack.payload).toMatchObject({ response_type: "ephemeral", text: "opsbot help" });
    expect(JSON.stringify(ack.payload)).toContain("*task*");
  });

  it("acknowledges a list at once, answers it through its response URL, then pages it on a button click", async () => {
    const command = fx.command({ text: "task list" });
    const commandEnvelope = slackApi.socketMode.deliver({ type: "slash_commands", payload: { ...command } });
    await slackApi.socketMode.ackOf(commandEnvelope, 3000);
    const [first] = await responsesTo(command.response_url, 1);
    expect(JSON.stringify(first)).toMatch(/Showing 1–15 of 2\d/);
    const [next] = pagerOf(first ?? {});
    expect(next?.action_id).toBe(ACTION.pageNext);
    if (!next) throw new Error("no Next button");

    const click = fx.blockActions({
      type: "button" as const,
      action_id: next.action_id,
      block_id: BLOCK.pager,
      text: { type: "plain_text" as const, text: next.text.text },
      value: next.value,
      action_ts: "1700000000.000001",
    });
    const clickEnvelope = slackApi.socketMode.deliver({ type: "interactive", payload: { ...click } });
    const clickAck = await slackApi.socketMode.ackOf(clickEnvelope, 3000);
    expect(clickAck.payload ?? {}).toEqual({});
    const [second] = await responsesTo(click.response_url, 1);
    expect(second?.replace_original).toBe(true);
    expect(JSON.stringify(second)).toMatch(/Showing 16–2\d of 2\d/);
    expect(slackApi.socketMode.errors).toEqual([]);
  });

  it("is not ready while the connection is down (socket), and ready again once the client has reconnected", async () => {
    expect(slackApi.socketMode.drop()).toBe(1);
    const down = await until(async () => {
      const answer = await readyz(bot.port);
      return answer.status === 503 ? answer : undefined;
    }, "/readyz 503");
    expect(down.body).toEqual({ ready: false, failing: ["socket"] });
    // The client waits its back-off (5 s) before it asks apps.connections.open for a new URL.
    await slackApi.socketMode.waitForConnections(2, 20_000);
    await until(
      async () => ((await readyz(bot.port)).status === 200 ? true : undefined),
      "/readyz 200",
      5000,
    );

    const envelopeId = slackApi.socketMode.deliver({
      type: "slash_commands",
      payload: { ...fx.command({ text: "help" }) },
    });
    expect((await slackApi.socketMode.ackOf(envelopeId, 3000)).connection).toBe(2);
    expect(slackApi.socketMode.errors).toEqual([]);
  }, 30_000);

  it("never writes the bot token or the app-level token to its log", () => {
    expect(bot.output()).toContain("Socket Mode connection to Slack restored");
    expect(bot.output()).not.toContain(slackApi.appToken);
    expect(bot.output()).not.toContain(slackApi.token);
  });
});

describe("a bot token Slack refuses", () => {
  it("keeps /readyz at 503 naming slack, and says why in the log without the token", async () => {
    const token = "xoxb-refused-by-slack-0001";
    const bot = await startBotProcess({
      port: await freePort(),
      env: { ...baseEnv, SLACK_BOT_TOKEN: token, OPSBOT_DB: join(dir, "refused.db") },
      waitFor: "serving",
      readyTimeoutMs: 60_000,
    });
    // Serving means started: the token was checked before the port answered, and the socket is up.
    await slackApi.socketMode.waitForConnections(3, 10_000);
    const answer = await until(async () => {
      const probe = await readyz(bot.port);
      return JSON.stringify(probe.body).includes("starting") ? undefined : probe;
    }, "start-up finished");
    expect(answer).toEqual({ status: 503, body: { ready: false, failing: ["slack"] } });
    expect(bot.running).toBe(true);
    expect(bot.output()).toContain("Slack refused the bot token (auth.test: invalid_auth)");
    expect(bot.output()).not.toContain(token);
    await bot.kill();
  }, 90_000);
});
