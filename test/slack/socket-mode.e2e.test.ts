import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import { createSlackFixtures } from "../../devkit/testing/index.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { simulatorBackendsEnv } from "../helpers/app-stack.js";
import {
  type BotProcess,
  freePort,
  killAllBots,
  runBotUntilExit,
  startBotProcess,
  until,
} from "../restart/bot-process.js";

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

  it("logs a message it received by its envelope only, never a sensitive argument in it", async () => {
    const secret = "pw-5be1c0-socket";
    const envelopeId = slackApi.socketMode.deliver({
      type: "slash_commands",
      payload: {
        ...fx.command({
          text: `task deploy-config --namespace analytics --configuration '{"name":"j","type":"job","env":{"PW":"${secret}"}}'`,
        }),
      },
    });
    await slackApi.socketMode.ackOf(envelopeId, 3000);
    await until(
      () => (bot.output().includes(`envelope ${envelopeId}; its payload is not logged`) ? true : undefined),
      "the envelope's debug line",
    );
    expect(bot.output()).not.toContain(secret);
  }, 30_000);

  it("never writes the bot token or the app-level token to its log", () => {
    expect(bot.output()).toContain("Socket Mode connection to Slack restored");
    expect(bot.output()).not.toContain(slackApi.appToken);
    expect(bot.output()).not.toContain(slackApi.token);
  });
});

describe("a token Slack refuses", () => {
  it("stops start-up at once on a refused bot token, with one line that names SLACK_BOT_TOKEN and not the token", async () => {
    const token = "xoxb-refused-by-slack-0001";
    const exit = await runBotUntilExit({
      ...baseEnv,
      SLACK_BOT_TOKEN: token,
      OPSBOT_DB: join(dir, "refused.db"),
      PORT: String(await freePort()),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      "opsbot cannot start: the Slack bot token: Slack refused it (auth.test: invalid_auth). Check SLACK_BOT_TOKEN: it must be the Bot User OAuth Token (xoxb-…) of the app installed in the workspace\n",
    );
    expect(exit.stdout).not.toContain("opsbot is running");
    expect(exit.stdout + exit.stderr).not.toContain(token);
  }, 60_000);

  it("stops start-up on a refused app-level token, with one line that names SLACK_APP_TOKEN", async () => {
    const appToken = "xapp-1-refused-by-slack-0002";
    const exit = await runBotUntilExit({
      ...baseEnv,
      SLACK_APP_TOKEN: appToken,
      SLACK_BOT_TOKEN: slackApi.token,
      OPSBOT_DB: join(dir, "refused-app.db"),
      PORT: String(await freePort()),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      "opsbot cannot start: the Slack app-level token: Slack refused it (apps.connections.open: invalid_auth). Check SLACK_APP_TOKEN: it must be an app-level token (xapp-…) with connections:write, of the same app as SLACK_BOT_TOKEN\n",
    );
    expect(exit.stdout).not.toContain("opsbot is running");
    expect(exit.stdout + exit.stderr).not.toContain(appToken);
  }, 60_000);
});
