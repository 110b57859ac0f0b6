import { App, type CustomRoute } from "@slack/bolt";
import type { Logger } from "pino";
import type { ApiClients } from "./api/index.js";
import { IdentityResolver } from "./auth/identity.js";
import type { Config } from "./config.js";
import { register as registerActions } from "./handlers/actions/index.js";
import { register as registerCommands } from "./handlers/commands/index.js";
import type { HandlerDeps } from "./handlers/deps.js";
import { Followers, type FollowTiming } from "./handlers/follow.js";
import { register as registerOptions } from "./handlers/options/index.js";
import { register as registerViews } from "./handlers/views/index.js";
import type { Catalogue } from "./ops/catalogue.js";
import { boltLogLevelOf, createBoltLogger } from "./slack/logger.js";

export interface Bot {
  readonly app: App;
  readonly deps: HandlerDeps;
  /** Starts the receiver; resolves to the HTTP port in HTTP mode. */
  start(port?: number, host?: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface BotOptions {
  readonly config: Config;
  readonly api: ApiClients;
  readonly catalogue: Catalogue;
  readonly logger: Logger;
  /** Known bot IDs spare a call to auth.test at start-up (tests and the demo pass them). */
  readonly botId?: string;
  readonly botUserId?: string;
  /** How long operations are polled; tests shorten it. */
  readonly followTiming?: Partial<FollowTiming>;
}

/** Builds the Bolt app: Socket Mode when an app token is set, otherwise the HTTP receiver. */
export function createBot(options: BotOptions): Bot {
  const { config, logger } = options;
  const slack = config.slack;
  const botToken = slack.botToken?.reveal();
  if (!botToken) throw new Error("SLACK_BOT_TOKEN is required");
  const socketMode = slack.appToken !== undefined;
  let ready = false;
  const customRoutes: CustomRoute[] = [
    { path: "/healthz", method: "GET", handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    { path: "/readyz", method: "GET", handler: (_req, res) => sendJson(res, ready ? 200 : 503, { ready }) },
  ];
  const app = new App({
    token: botToken,
    logger: createBoltLogger(logger.child({ module: "bolt" })),
    logLevel: boltLogLevelOf(logger),
    ...(options.botId ? { botId: options.botId } : {}),
    ...(options.botUserId ? { botUserId: options.botUserId } : {}),
    customRoutes,
    clientOptions: {
      ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
      retryConfig: { retries: 2, factor: 2 },
      timeout: 10_000,
    },
    ...(socketMode
      ? { socketMode: true, appToken: slack.appToken?.reveal() ?? "" }
      : { signingSecret: slack.signingSecret?.reveal() ?? "" }),
  });
  const identities = new IdentityResolver({
    overrides: config.identity.overrides,
    ttlMs: config.identity.cacheTtlMs,
    lookup: {
      email: async (userId) => {
        const info = await app.client.users.info({ user: userId });
        return info.user?.profile?.email;
      },
    },
  });
  const deps: HandlerDeps = {
    api: options.api,
    catalogue: options.catalogue,
    booleanFlags: options.catalogue.booleanFlags(),
    identities,
    logger,
    followers: new Followers(options.followTiming),
    defaults: {
      "orchestration.projectId": config.orchestration.projectId,
      "orchestration.allocationId": config.orchestration.allocationId,
    },
  };
  registerCommands(app, deps);
  registerViews(app, deps);
  registerOptions(app, deps);
  registerActions(app, deps);
  app.error(async (error) => {
    logger.error({ err: error }, "unhandled error in a Slack listener");
  });
  return {
    app,
    deps,
    async start(port = slack.port, host) {
      if (socketMode) {
        await app.start();
        ready = true;
        return undefined;
      }
      const server = (await app.start(host ? { port, host } : port)) as { address(): unknown };
      ready = true;
      const address = server.address();
      return typeof address === "object" && address && "port" in address ? Number(address.port) : undefined;
    },
    async stop() {
      ready = false;
      deps.followers.stopAll();
      await app.stop();
    },
  };
}

function sendJson(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
