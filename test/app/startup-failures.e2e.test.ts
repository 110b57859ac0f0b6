import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import { type BotExit, freePort, killAllBots, runBotUntilExit } from "../restart/bot-process.js";

// `npm start` as its own process, given one bad setting at a time: each start-up fails with exactly one
// line on stderr (what, why, what to do), exit code 1, and nothing logged as running; none hangs.

let slackApi: SlackStandIn;
let dir: string;
const servers: Server[] = [];
const held: Socket[] = [];

beforeAll(async () => {
  slackApi = await startSlackStandIn({});
  dir = mkdtempSync(join(tmpdir(), "opsbot-startup-"));
});

afterAll(async () => {
  await killAllBots();
  for (const socket of held) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await slackApi?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function env(overrides: Record<string, string>): Promise<Record<string, string>> {
  return {
    SLACK_BOT_TOKEN: slackApi.token,
    SLACK_SIGNING_SECRET: "startup-signing-secret",
    SLACK_API_URL: slackApi.url,
    OPSBOT_DB: join(dir, `${Math.random().toString(36).slice(2)}.db`),
    PORT: String(await freePort()),
    ...overrides,
  };
}

/** The one line, the exit code 1, and no "running" before it. */
function expectFailedWith(exit: BotExit, line: string | RegExp): void {
  expect(exit.code, `stdout: ${exit.stdout}\nstderr: ${exit.stderr}`).toBe(1);
  const lines = exit.stderr.split("\n");
  expect(lines, exit.stderr).toHaveLength(2);
  expect(lines[1]).toBe("");
  if (typeof line === "string") expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  expect(exit.stdout).not.toContain("opsbot is running");
  expect(exit.stdout).not.toContain('"level":50');
}

/** A TCP server that accepts connections and never says a word: a database behind a black hole. */
async function silentServer(): Promise<number> {
  const server = createServer((socket) => {
    held.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

describe.concurrent("start-up failures, each one line and exit 1", () => {
  it("a bot token Slack refuses (invalid_auth): at once, naming SLACK_BOT_TOKEN and not the token", async () => {
    const token = "xoxb-not-this-workspaces-0042";
    const exit = await runBotUntilExit(await env({ SLACK_BOT_TOKEN: token }));
    expectFailedWith(
      exit,
      "opsbot cannot start: the Slack bot token: Slack refused it (auth.test: invalid_auth). Check SLACK_BOT_TOKEN: it must be the Bot User OAuth Token (xoxb-…) of the app installed in the workspace",
    );
    expect(exit.stdout + exit.stderr).not.toContain(token);
    expect(slackApi.callsTo("auth.test").some((call) => call.response.error === "invalid_auth")).toBe(true);
  }, 60_000);

  it("a Slack host that does not resolve (ENOTFOUND): tried for 10 s, then one line", async () => {
    const exit = await runBotUntilExit(await env({ SLACK_API_URL: "http://slack.nonexistent.invalid/api/" }));
    expectFailedWith(
      exit,
      /^opsbot cannot start: Slack: slack\.nonexistent\.invalid could not be reached to check the bot token \((ENOTFOUND|EAI_AGAIN), \d+ tries over 10 s\)\. Check this host's network, DNS and proxy, and SLACK_API_URL$/,
    );
    expect(exit.ms).toBeGreaterThanOrEqual(9_000);
    expect(exit.ms).toBeLessThan(40_000);
  }, 60_000);

  it("a Slack that refuses connections (ECONNREFUSED): the same, with its code", async () => {
    const closed = await freePort();
    const exit = await runBotUntilExit(await env({ SLACK_API_URL: `http://127.0.0.1:${closed}/api/` }));
    expectFailedWith(
      exit,
      new RegExp(
        `^opsbot cannot start: Slack: 127\\.0\\.0\\.1:${closed} could not be reached to check the bot token \\(ECONNREFUSED, \\d+ tries over 10 s\\)\\.`,
      ),
    );
  }, 60_000);

  it("OPSBOT_DB under a file where a folder should be (EEXIST … mkdir before)", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a folder");
    const path = join(file, "data", "opsbot.db");
    const exit = await runBotUntilExit(await env({ OPSBOT_DB: path }));
    expectFailedWith(
      exit,
      `opsbot cannot start: the SQLite store (OPSBOT_DB=${path}): its folder ${file} is a file, not a folder. Point OPSBOT_DB at a file in a folder opsbot can create and write to`,
    );
  }, 60_000);

  it.runIf(process.platform === "linux")(
    "OPSBOT_DB=/proc/nope/opsbot.db: fails within seconds instead of hanging",
    async () => {
      const exit = await runBotUntilExit(await env({ OPSBOT_DB: "/proc/nope/opsbot.db" }), 45_000);
      expectFailedWith(
        exit,
        "opsbot cannot start: the SQLite store (OPSBOT_DB=/proc/nope/opsbot.db): its folder /proc/nope cannot be created (ENOENT). Point OPSBOT_DB at a file in a folder opsbot can create and write to",
      );
      // Start-up itself, on a loaded machine; the hang it replaces never ended.
      expect(exit.ms).toBeLessThan(40_000);
    },
    60_000,
  );

  it("a PORT another process listens on (EADDRINUSE), checked before the bot starts", async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    const exit = await runBotUntilExit(await env({ PORT: String(port) }));
    expectFailedWith(
      exit,
      `opsbot cannot start: PORT ${port}: another process is already listening on it (EADDRINUSE). Stop that process (perhaps another opsbot), or set PORT to a free port`,
    );
  }, 60_000);

  it("a busy PORT in Socket Mode too (where Bolt's server would throw an unhandled error)", async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    const exit = await runBotUntilExit(
      await env({ PORT: String(port), SLACK_APP_TOKEN: slackApi.appToken, SLACK_SIGNING_SECRET: "" }),
    );
    expectFailedWith(
      exit,
      `opsbot cannot start: PORT ${port}: another process is already listening on it (EADDRINUSE). Stop that process (perhaps another opsbot), or set PORT to a free port`,
    );
  }, 60_000);

  it("PORT=99999: the range, not 'must be a number'", async () => {
    const exit = await runBotUntilExit(await env({ PORT: "99999" }));
    expectFailedWith(exit, "opsbot cannot start: PORT: must be a whole number between 1 and 65535");
  }, 60_000);

  it("a PostgreSQL URL whose server never answers: bounded by the connect timeout, then one line", async () => {
    const port = await silentServer();
    const exit = await runBotUntilExit(
      await env({
        OPSBOT_DB: "",
        OPSBOT_DATABASE_URL: `postgres://opsbot:pw-never-shown@127.0.0.1:${port}/opsbot`,
      }),
      60_000,
    );
    expectFailedWith(
      exit,
      "opsbot cannot start: the PostgreSQL store (OPSBOT_DATABASE_URL): the server did not answer within 10 s. Check that the URL's host and port are right and reachable from here (a firewall may be dropping the connection)",
    );
    expect(exit.stdout + exit.stderr).not.toContain("pw-never-shown");
    expect(exit.ms).toBeGreaterThanOrEqual(9_000);
  }, 70_000);
});
