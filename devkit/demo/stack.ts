import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pino, { type DestinationStream } from "pino";
import { type ApiClients, createApiClients } from "../../src/api/index.js";
import { type Bot, createBot } from "../../src/app/bot.js";
import { loadConfig } from "../../src/app/config.js";
import { createLogger } from "../../src/app/logger.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../sim/index.js";
import { ORCHESTRATION_SEED } from "../sim/orchestration-world.js";
import { type SlackStandIn, startSlackStandIn } from "../slack-standin/index.js";
import { createSlackSender, type SlackSender } from "../testing/index.js";

/**
 * Everything the console demo runs, in-process and on loopback: the three backend simulators, the Slack
 * Web API stand-in, and the real bot on its HTTP receiver, configured the way `npm start` would be.
 */

export const DEMO_CHANNEL = { id: "C0DEMO", name: "ops-demo" } as const;

export const DEMO_USERS = [
  { id: "U0DEMO1", name: "alice", realName: "Alice Example", email: "alice@example.com" },
  { id: "U0DEMO2", name: "bob", realName: "Bob Example", email: "bob@example.com" },
] as const;

/** Bob leads the SRE group: the approver once approvals land. */
export const DEMO_GROUP = { id: "S0DEMOSRE", handle: "sre", users: ["U0DEMO2"] } as const;

/** A permissions file for the demo, when one is checked in next to this module. */
export const DEMO_CONFIG_FILE = fileURLToPath(new URL("./opsbot.demo.yml", import.meta.url));

const SIGNING_SECRET = "demo-signing-secret";
const DEFAULT_SIM_SPEED = "20";
/** Ten simulated minutes (30 s at the demo's speed): long enough to kill a run while it runs. */
const DEFAULT_PIPELINE_RUN_MS = "600000";

export interface DemoStack {
  readonly sims: RunningSimulators;
  readonly slack: SlackStandIn;
  readonly api: ApiClients;
  readonly bot: Bot;
  readonly send: SlackSender;
  close(): Promise<void>;
}

export interface DemoStackOptions {
  /** SIM_SPEED, LOG_LEVEL, OPSBOT_* are read from here (default: nothing, i.e. all defaults). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the bot's logs go; default stderr, so stdout stays the transcript (the console passes a file). */
  readonly logDestination?: DestinationStream;
}

/** The environment the bot is configured from: the demo's wiring plus the user's OPSBOT_* settings. */
export function demoConfigEnv(
  env: Readonly<Record<string, string | undefined>>,
  wiring: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const passed = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith("OPSBOT_")));
  const configFile = env.OPSBOT_CONFIG ?? (existsSync(DEMO_CONFIG_FILE) ? DEMO_CONFIG_FILE : undefined);
  return {
    ...passed,
    LOG_LEVEL: env.LOG_LEVEL ?? "warn",
    ...(configFile ? { OPSBOT_CONFIG: configFile } : {}),
    // The demo forgets its approvals and audit log when it ends, unless told where to keep them.
    OPSBOT_DB: env.OPSBOT_DB ?? ":memory:",
    ...wiring,
  };
}

export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const env = options.env ?? {};
  const settings = loadSimSettings({
    ...env,
    SIM_SPEED: env.SIM_SPEED ?? DEFAULT_SIM_SPEED,
    SIM_PIPELINE_RUN_MS: env.SIM_PIPELINE_RUN_MS ?? DEFAULT_PIPELINE_RUN_MS,
  });
  const sims = await startSimulators(settings);
  const slack = await startSlackStandIn({
    users: DEMO_USERS,
    channels: [{ ...DEMO_CHANNEL, isMember: true, members: DEMO_USERS.map((u) => u.id) }],
    userGroups: [DEMO_GROUP],
  });
  const config = loadConfig(
    demoConfigEnv(env, {
      CALYPTIA_API_URL: sims.calyptia.url,
      CALYPTIA_API_TOKEN: settings.calyptiaToken,
      DEPLOY_API_URL: sims.deploy.url,
      ORCHESTRATION_API_URL: sims.orchestration.url,
      ORCHESTRATION_TOKEN_URL: `${sims.orchestration.url}/auth/v1/token`,
      ORCHESTRATION_CLIENT_ID: settings.orchestrationClientId,
      ORCHESTRATION_CLIENT_SECRET: settings.orchestrationClientSecret,
      ORCHESTRATION_REFRESH_TOKEN: settings.orchestrationRefreshToken,
      ORCHESTRATION_PROJECT_ID: ORCHESTRATION_SEED.projectId,
      ORCHESTRATION_ALLOCATION_ID: ORCHESTRATION_SEED.allocationId,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
    }),
  );
  const logger = createLogger({
    level: config.logLevel,
    destination: options.logDestination ?? pino.destination({ dest: 2, sync: true }),
  });
  const api = createApiClients(config, { logger });
  const bot = createBot({
    config,
    api,
    catalogue: createCatalogue(),
    logger,
    botId: slack.identity.botId,
    botUserId: slack.identity.botUserId,
    // The simulators run SIM_SPEED times faster than real time, so long operations are polled faster too.
    followUpSettings: { firstPollMs: 200, intervalMs: 500, maxIntervalMs: 2_000 },
    // The demo's stand-in keeps no rate limits, and a console waiting a second per message is no demo.
    slackRates: { postsPerChannelPerSecond: 100, updatesPerMinute: 6_000 },
  });
  const port = await bot.start(0, "127.0.0.1");
  return {
    sims,
    slack,
    api,
    bot,
    send: createSlackSender({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET }),
    async close() {
      await bot.stop();
      await api.close();
      await slack.close();
      await sims.close();
    },
  };
}
