import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../../devkit/sim/index.js";
import { type SlackStandIn, startSlackStandIn } from "../../../devkit/slack-standin/index.js";
import { createSlackFixtures, createSlackSender } from "../../../devkit/testing/index.js";

// `npm start` as its own process, stopped with SIGTERM while it handles a slow command: the command is
// answered, the process exits 0 on its own, and it says so in its log.

const SIGNING_SECRET = "sigterm-test-signing-secret";
let sims: RunningSimulators;
let slackApi: SlackStandIn;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  sims = await startSimulators(loadSimSettings({}));
  slackApi = await startSlackStandIn({
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
  });
  dir = mkdtempSync(join(tmpdir(), "opsbot-sigterm-"));
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await slackApi.close();
  await sims.close();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

async function waitUntilReady(port: number, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the bot did not become ready:\n${output()}`);
}

describe("SIGTERM", () => {
  it("lets the command in flight finish and exits 0", async () => {
    const port = await freePort();
    let output = "";
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: slackApi.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
        DEPLOY_API_URL: sims.deploy.url,
        OPSBOT_DB: join(dir, "opsbot.db"),
        PORT: String(port),
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    await waitUntilReady(port, () => output);

    sims.deploy.setFaults([{ kind: "latency", latencyMs: 800, path: "^/v1/list/namespaces" }]);
    const send = createSlackSender({
      url: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    const command = createSlackFixtures(slackApi).command({ text: "namespace list", user_id: "U0ALICE" });
    expect((await send.command(command)).status).toBe(200);
    child.kill("SIGTERM");

    expect(await exited).toBe(0);
    const reply = slackApi.responses().find((r) => r.url === command.response_url);
    expect(JSON.stringify(reply?.body)).toContain("analytics");
    const lines = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg?: string });
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain("shutting down");
    expect(messages.indexOf("stopped")).toBeGreaterThan(messages.indexOf("shutting down"));
  }, 30_000);
});
