import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClients, createApiClients } from "../../src/api/index.js";
import { type Bot, createBot } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createCatalogue } from "../../src/ops/index.js";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../src/sim/index.js";
import { ORCHESTRATION_SEED } from "../../src/sim/orchestration-world.js";
import { type SlackStandIn, startSlackStandIn } from "../../src/slack/standin/index.js";
import { createSlackFixtures, createSlackSender } from "../../src/slack/testing/index.js";

// The real catalogue behind the real receiver: what `npm start` runs, against the simulators.
const SIGNING_SECRET = "catalogue-e2e-secret";
let sims: RunningSimulators;
let slackApi: SlackStandIn;
let api: ApiClients;
let bot: Bot;
let send: ReturnType<typeof createSlackSender>;
let fx: ReturnType<typeof createSlackFixtures>;

beforeAll(async () => {
  const settings = loadSimSettings({});
  sims = await startSimulators(settings);
  slackApi = await startSlackStandIn({
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
  });
  const config = loadConfig({
    DEPLOY_API_URL: sims.deploy.url,
    ORCHESTRATION_API_URL: sims.orchestration.url,
    ORCHESTRATION_API_TOKEN: settings.orchestrationToken,
    ORCHESTRATION_PROJECT_ID: ORCHESTRATION_SEED.projectId,
    ORCHESTRATION_ALLOCATION_ID: ORCHESTRATION_SEED.allocationId,
    SLACK_BOT_TOKEN: slackApi.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
  });
  api = createApiClients(config, {});
  bot = createBot({
    config,
    api,
    catalogue: createCatalogue(),
    logger: pino({ level: "silent" }),
    botId: slackApi.identity.botId,
    botUserId: slackApi.identity.botUserId,
  });
  const port = await bot.start(0, "127.0.0.1");
  send = createSlackSender({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET });
  fx = createSlackFixtures(slackApi);
});
afterAll(async () => {
  await bot.stop();
  await api.close();
  await slackApi.close();
  await sims.close();
});

async function responseFor(responseUrl: string) {
  for (let i = 0; i < 100; i++) {
    const found = slackApi.responses().find((r) => r.url === responseUrl);
    if (found) return found.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no response posted to ${responseUrl}`);
}

describe("the full catalogue over the HTTP receiver", () => {
  it("lists every resource in help", async () => {
    const res = await send.command(fx.command({ text: "help" }));
    const text = JSON.stringify(res.json());
    for (const resource of ["task", "pipeline", "port", "check", "log", "payload", "allocation", "artefact"])
      expect(text).toContain(resource);
  });

  it("fills project and allocation from configuration and accepts a bare boolean flag", async () => {
    const command = fx.command({
      text: `payload delete ${ORCHESTRATION_SEED.payloads.rankedHarbor} --force`,
    });
    await send.command(command);
    const body = await responseFor(command.response_url);
    expect(body.response_type).toBe("in_channel");
    const sent = sims.orchestration.requests.at(-1);
    expect(sent?.method).toBe("DELETE");
    expect(sent?.url).toBe(
      `/v0/projects/${ORCHESTRATION_SEED.projectId}/allocations/${ORCHESTRATION_SEED.allocationId}/payloads/${ORCHESTRATION_SEED.payloads.rankedHarbor}?force_delete=true`,
    );
  });

  it("answers a read privately with the backend's data", async () => {
    const command = fx.command({ text: "payload list" });
    await send.command(command);
    const body = await responseFor(command.response_url);
    expect(body.response_type).toBe("ephemeral");
    expect(JSON.stringify(body.blocks)).toContain(ORCHESTRATION_SEED.payloads.casualHarbor);
  });
});
