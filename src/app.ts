import { App, type CustomRoute } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { ApiClients } from "./api/index.js";
import { GroupResolver } from "./auth/groups.js";
import { IdentityResolver } from "./auth/identity.js";
import { DEFAULT_POLICY, groupsReferenced, type Policy } from "./auth/policy.js";
import { conditionKeysOf, loadPolicyFile } from "./auth/policy-file.js";
import type { Config } from "./config.js";
import { FollowUpEngine, type FollowUpSettings, followUpSettingsOf } from "./followups/engine.js";
import { outboxSink } from "./followups/sink.js";
import { register as registerActions } from "./handlers/actions/index.js";
import { register as registerApprovals } from "./handlers/approvals/index.js";
import { register as registerCommands } from "./handlers/commands/index.js";
import type { HandlerDeps } from "./handlers/deps.js";
import { register as registerFollowUps } from "./handlers/followups/index.js";
import { register as registerHome } from "./handlers/home/index.js";
import { register as registerOptions } from "./handlers/options/index.js";
import { register as registerViews } from "./handlers/views/index.js";
import { Notifier } from "./notifications/notifier.js";
import type { Catalogue } from "./ops/catalogue.js";
import { BUILTINS } from "./ops/parse.js";
import { SlackOutbox, webClientCall } from "./outbox/index.js";
import { AccessControl } from "./safety/access.js";
import { ApprovalDesk } from "./safety/approvals.js";
import { Auditor } from "./safety/audit.js";
import { boltLogLevelOf, createBoltLogger } from "./slack/logger.js";
import { openSqliteStore, type Store } from "./store/index.js";

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
  /** How followed operations are polled; tests shorten it. */
  readonly followUpSettings?: Partial<FollowUpSettings>;
  /** The permissions (main.ts reads OPSBOT_CONFIG); without one, reads only. */
  readonly policy?: Policy;
  /** The store; without one, the SQLite file at OPSBOT_DB is opened (and closed by stop()). */
  readonly store?: Store;
  /** The clock for approvals, locks and the audit log. */
  readonly now?: () => number;
  /** The clock the Slack queue paces itself by (the benchmark runs Slack's limits in simulated time). */
  readonly slackClock?: { readonly now: () => number; readonly sleep: (ms: number) => Promise<void> };
  /** Overrides of Slack's rates the queue keeps to (tests without rate limits raise them). */
  readonly slackRates?: { readonly postsPerChannelPerSecond?: number; readonly updatesPerMinute?: number };
  /** How often expired approval requests are swept; 0 turns the sweep off (tests call it). */
  readonly sweepEveryMs?: number;
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
  // A broken permissions file stops the start-up here, with every problem listed (PolicyFileError).
  const policy =
    options.policy ??
    (config.policyFile
      ? loadPolicyFile(config.policyFile, {
          knownOperations: [...options.catalogue.operations.map((o) => o.id), ...BUILTINS],
          // So that a misspelled `when` key stops start-up instead of silently never matching.
          conditionKeys: conditionKeysOf(options.catalogue.operations),
        })
      : DEFAULT_POLICY);
  const store = options.store ?? openSqliteStore({ path: config.databasePath });
  const now = options.now ?? Date.now;
  const groups = new GroupResolver({
    groups: groupsReferenced(policy),
    listUsers: async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
    onError: (group, error) => logger.warn({ err: error, group }, "a user group could not be looked up"),
  });
  const approvals = new ApprovalDesk();
  // Its own client: 429s come back to the queue (which waits them out per channel) instead of being
  // slept on inside the client, and the queue does the retrying.
  const queueClient = new WebClient(botToken, {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger: createBoltLogger(logger.child({ module: "slack-queue" })),
    logLevel: boltLogLevelOf(logger),
  });
  const outbox = new SlackOutbox({
    call: webClientCall(queueClient),
    logger: logger.child({ module: "outbox" }),
    ...(options.slackClock ? { now: options.slackClock.now, sleep: options.slackClock.sleep } : {}),
    ...(options.slackRates?.postsPerChannelPerSecond
      ? { postPerChannelPerSecond: options.slackRates.postsPerChannelPerSecond }
      : {}),
    ...(options.slackRates?.updatesPerMinute
      ? { updatesPerMinute: options.slackRates.updatesPerMinute }
      : {}),
  });
  const sink = outboxSink(outbox, queueClient);
  const followUps = new FollowUpEngine(sink, app.client, {
    ...followUpSettingsOf(policy),
    ...options.followUpSettings,
  });
  const identities = new IdentityResolver({
    // The environment's overrides win over the file's: they are the quicker fix in an emergency.
    overrides: { ...policy.identityOverrides, ...config.identity.overrides },
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
    followUps,
    notifier: new Notifier(sink, policy, store.subscriptions, logger.child({ module: "notifications" })),
    access: new AccessControl(policy, groups),
    store,
    audit: new Auditor(store.audit, logger.child({ module: "audit" }), now),
    approvals,
    now,
    defaults: {
      "orchestration.projectId": config.orchestration.projectId,
      "orchestration.allocationId": config.orchestration.allocationId,
    },
  };
  registerCommands(app, deps);
  registerViews(app, deps);
  registerOptions(app, deps);
  registerActions(app, deps);
  registerApprovals(app, deps);
  registerFollowUps(app, deps);
  registerHome(app, deps);
  approvals.attach(deps);
  followUps.attach(deps);
  let sweeper: NodeJS.Timeout | undefined;
  const sweepEveryMs = options.sweepEveryMs ?? 15_000;
  app.error(async (error) => {
    logger.error({ err: error }, "unhandled error in a Slack listener");
  });
  return {
    app,
    deps,
    async start(port = slack.port, host) {
      if (sweepEveryMs > 0 && !sweeper) {
        const sweep = () =>
          void approvals
            .sweep(app.client)
            .catch((error: unknown) => logger.error({ err: error }, "sweeping approvals failed"));
        sweeper = setInterval(sweep, sweepEveryMs);
        sweeper.unref();
        sweep();
      }
      await followUps.start();
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
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      await followUps.stop();
      // What is queued for Slack goes out, unless Slack keeps refusing it for more than a few seconds.
      await Promise.race([outbox.stop(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await app.stop();
      if (!options.store) await store.close();
    },
  };
}

function sendJson(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
