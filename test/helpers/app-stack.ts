import pino, { type Logger } from "pino";
import {
  loadSimSettings,
  type RunningSimulators,
  type SimSettings,
  startSimulators,
} from "../../devkit/sim/index.js";
import { ORCHESTRATION_SEED } from "../../devkit/sim/orchestration-world.js";
import { type SlackStandIn, startSlackStandIn } from "../../devkit/slack-standin/index.js";
import type { StandInUser, StandInUserGroup } from "../../devkit/slack-standin/types.js";
import { createSlackFixtures, createSlackSender } from "../../devkit/testing/index.js";
import { type ApiClients, createApiClients } from "../../src/api/index.js";
import { type Bot, createBot } from "../../src/app/bot.js";
import { loadConfig } from "../../src/app/config.js";
import type { Catalogue } from "../../src/catalogue/catalogue.js";
import type { FollowUpSettings } from "../../src/core/followups/engine.js";
import type { OptionsSettings } from "../../src/core/options.js";
import { DEFAULT_POLICY, type Policy } from "../../src/core/policy/policy.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";

const SIGNING_SECRET = "app-stack-signing-secret";

/** The whole bot for end-to-end tests: simulators, the Slack stand-in, and the app on its HTTP receiver. */
export interface AppStack {
  readonly sims: RunningSimulators;
  readonly slackApi: SlackStandIn;
  readonly api: ApiClients;
  /** The current app (a new one after restartBot). */
  readonly bot: Bot;
  readonly port: number | undefined;
  readonly send: ReturnType<typeof createSlackSender>;
  readonly fx: ReturnType<typeof createSlackFixtures>;
  /**
   * A new app on the same store, simulators and Slack stand-in: what a restart of the bot process is;
   * given a policy, the restarted app reads that one (an edited permissions file).
   */
  restartBot(policy?: Policy): Promise<void>;
  /** One more app on the same store, simulators and Slack stand-in: another replica (stopped by close). */
  startReplica(): Promise<Bot>;
  /** Waits for what the bot posted to a response URL. */
  responseFor(responseUrl: string): Promise<Readonly<Record<string, unknown>>>;
  /** Waits until `count` posts reached a response URL and returns them in order. */
  responsesFor(responseUrl: string, count: number): Promise<readonly Readonly<Record<string, unknown>>[]>;
  close(): Promise<void>;
}

/** The Calyptia and Orchestration settings pointing at the simulators (the Deploy API always is). */
export function simulatorBackendsEnv(sims: RunningSimulators, settings: SimSettings): Record<string, string> {
  return {
    CALYPTIA_API_URL: sims.calyptia.url,
    CALYPTIA_API_TOKEN: settings.calyptiaToken,
    ORCHESTRATION_API_URL: sims.orchestration.url,
    ORCHESTRATION_API_TOKEN: settings.orchestrationToken,
    ORCHESTRATION_PROJECT_ID: ORCHESTRATION_SEED.projectId,
    ORCHESTRATION_ALLOCATION_ID: ORCHESTRATION_SEED.allocationId,
  };
}

/** Everyone may do everything, and nothing needs an approval: for tests of everything but the safety layer. */
export const ALLOW_ALL: Policy = {
  ...DEFAULT_POLICY,
  source: "test: everyone is an admin",
  roles: new Map([["admin", ["*"]]]),
  grants: [{ role: "admin", everyone: true, users: [], usergroups: [] }],
};

export async function startAppStack(options: {
  readonly catalogue: Catalogue;
  readonly users: readonly StandInUser[];
  /** Extra environment, given the simulators' URLs and credentials. */
  readonly env?: (sims: RunningSimulators, settings: SimSettings) => Record<string, string>;
  readonly followUpSettings?: Partial<FollowUpSettings>;
  /** Default: everyone may do everything, without approvals (tests of the safety layer pass their own). */
  readonly policy?: Policy;
  /** Default: a fresh in-memory store. */
  readonly store?: Store;
  readonly userGroups?: readonly StandInUserGroup[];
  readonly now?: () => number;
  /** Where the bot logs; default silent (TEST_LOG_LEVEL to see it). */
  readonly logger?: Logger;
  /** Dropdown options' per-person limit and cache. */
  readonly dropdowns?: Partial<OptionsSettings>;
  /** Extra settings (OPSBOT_ALLOWED_TEAMS, …). */
  readonly settings?: Record<string, string>;
}): Promise<AppStack> {
  const settings = loadSimSettings({});
  const sims = await startSimulators(settings);
  const slackApi = await startSlackStandIn({
    users: options.users,
    ...(options.userGroups ? { userGroups: options.userGroups } : {}),
  });
  const store = options.store ?? openSqliteStore({ path: ":memory:" });
  const config = loadConfig({
    DEPLOY_API_URL: sims.deploy.url,
    ...options.env?.(sims, settings),
    ...options.settings,
    SLACK_BOT_TOKEN: slackApi.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
  });
  // Backend calls are reported to the current bot's metrics, as main.ts wires them.
  const api = createApiClients(config, {
    ...(options.logger ? { logger: options.logger } : {}),
    onCall: (info) => bot.metrics.observeApiCall(info),
  });
  let policy = options.policy ?? ALLOW_ALL;
  const makeBot = () =>
    createBot({
      config,
      api,
      catalogue: options.catalogue,
      logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      botId: slackApi.identity.botId,
      botUserId: slackApi.identity.botUserId,
      // Fast polls unless a test says otherwise: the simulators' states move in seconds.
      followUpSettings: {
        firstPollMs: 20,
        intervalMs: 40,
        maxIntervalMs: 100,
        tickMs: 10,
        ...options.followUpSettings,
      },
      policy,
      // The stand-in enforces no rate limits here; the queue's pacing has its own tests and benchmark.
      slackRates: { postsPerChannelPerSecond: 1_000, updatesPerMinute: 60_000 },
      store,
      sweepEveryMs: 0,
      ...(options.dropdowns ? { dropdowns: options.dropdowns } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  let bot = makeBot();
  let port = await bot.start(0, "127.0.0.1");
  const replicas: Bot[] = [];
  const stack: AppStack = {
    sims,
    slackApi,
    api,
    get bot() {
      return bot;
    },
    get port() {
      return port;
    },
    get send() {
      return createSlackSender({
        url: `http://127.0.0.1:${port}/slack/events`,
        signingSecret: SIGNING_SECRET,
      });
    },
    async restartBot(edited) {
      await bot.stop();
      if (edited) policy = edited;
      bot = makeBot();
      port = await bot.start(0, "127.0.0.1");
    },
    async startReplica() {
      const replica = makeBot();
      replicas.push(replica);
      await replica.start(0, "127.0.0.1");
      return replica;
    },
    fx: createSlackFixtures(slackApi),
    async responseFor(responseUrl) {
      for (let i = 0; i < 100; i++) {
        const found = slackApi.responses().find((r) => r.url === responseUrl);
        if (found) return found.body;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no response posted to ${responseUrl}`);
    },
    async responsesFor(responseUrl, count) {
      for (let i = 0; i < 250; i++) {
        const found = slackApi.responses().filter((r) => r.url === responseUrl);
        if (found.length >= count) return found.map((r) => r.body);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`fewer than ${count} responses posted to ${responseUrl}`);
    },
    async close() {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await bot.stop();
      if (!options.store) await store.close();
      await api.close();
      await slackApi.close();
      await sims.close();
    },
  };
  return stack;
}
