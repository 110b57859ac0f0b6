import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { ApiClients } from "../api/index.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import { knownOperationIds } from "../catalogue/parse.js";
import type { FollowUpSettings } from "../core/followups/engine.js";
import { type Core, createCore } from "../core/index.js";
import type { OptionsSettings } from "../core/options.js";
import type { Serving } from "../core/policy/member.js";
import { DEFAULT_POLICY, type Policy } from "../core/policy/policy.js";
import { conditionKeysOf, loadPolicyFile } from "../core/policy/policy-file.js";
import { registerListeners } from "../slack/listeners/index.js";
import type { Replies } from "../slack/listeners/reply.js";
import { boltLogLevelOf, createBoltLogger } from "../slack/logger.js";
import { lookUpMember } from "../slack/member.js";
import { servingMiddleware } from "../slack/middleware/serving.js";
import { SlackOutbox, webClientCall } from "../slack/outbox/index.js";
import { findPostedByMetadata, outboxPoster } from "../slack/outbox/poster.js";
import { guardSlackRequests } from "../slack/request-guard.js";
import { openSqliteStore, type Store } from "../store/index.js";
import type { Config } from "./config.js";
import { drainingMiddleware } from "./lifecycle/draining.js";
import { InFlight } from "./lifecycle/in-flight.js";
import { Readiness } from "./lifecycle/readiness.js";
import { operationalRoutes } from "./lifecycle/routes.js";
import { type BotIdentity, SlackTokenCheck } from "./lifecycle/slack-token.js";
import { followSocketConnection } from "./lifecycle/socket-connection.js";
import { Metrics } from "./metrics/index.js";
import { storePacing } from "./shared-pacing.js";

export interface Bot {
  readonly app: App;
  /** opsbot's use cases, as the listeners call them (tests and the demo look inside). */
  readonly core: Core;
  readonly metrics: Metrics;
  /** Slack requests being handled right now (the demo waits for them before printing). */
  readonly handling: number;
  /** Starts the receiver; resolves to the HTTP port in HTTP mode. */
  start(port?: number, host?: string): Promise<number | undefined>;
  /**
   * The graceful stop (SIGTERM): not ready any more, new commands and clicks answered "restarting",
   * in-flight requests finished, follow-ups paused (they resume on the next start), the Slack queue
   * flushed, the receiver and the store closed. Waits at most `graceMs` (OPSBOT_SHUTDOWN_GRACE_MS) for
   * the requests and the queue together.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
}

export interface BotOptions {
  readonly config: Config;
  readonly api: ApiClients;
  readonly catalogue: Catalogue;
  readonly logger: Logger;
  /** Known bot IDs spare a call to auth.test at start-up (tests and the demo pass them). */
  readonly botId?: string;
  readonly botUserId?: string;
  /**
   * The bot token's check, already passed (main.ts stops start-up on a refusal, startup/token.ts);
   * without one, start() runs it and a refusal leaves the bot up but not ready ("slack").
   */
  readonly slackToken?: SlackTokenCheck;
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
  /** Dropdown options' per-person limit and per-source cache (tests shorten them). */
  readonly dropdowns?: Partial<OptionsSettings>;
  /** The metrics registry; main.ts makes it first so that the API clients can report to it. */
  readonly metrics?: Metrics;
}

/** Builds the Bolt app: Socket Mode when an app token is set, otherwise the HTTP receiver. */
export function createBot(options: BotOptions): Bot {
  const { config, logger } = options;
  const slack = config.slack;
  const botToken = slack.botToken?.reveal();
  if (!botToken) throw new Error("SLACK_BOT_TOKEN is required");
  const appToken = slack.appToken?.reveal();
  let draining = false;
  // Process metrics only when main.ts asks for them: tests build many bots in one process.
  const metrics = options.metrics ?? new Metrics({ processMetrics: false });
  const inFlight = new InFlight();
  const customRoutes = operationalRoutes({
    readiness: () => readiness.report(),
    metrics,
    metricsToken: config.metricsToken,
  });
  const boltLogger = createBoltLogger(logger.child({ module: "bolt" }));
  const logLevel = boltLogLevelOf(logger);
  const clientOptions = {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    // Quick retries: a views.open must land within its trigger's 3 s, so the last try comes ~0.6 s in.
    retryConfig: { retries: 2, factor: 1, minTimeout: 300, maxTimeout: 300, randomize: false },
    timeout: 10_000,
  };
  // Built here rather than by Bolt, so that readiness can follow its WebSocket. The options are those
  // Bolt would give it; the port serves only the operator's routes (health, metrics) in Socket Mode.
  const socketReceiver = appToken
    ? new SocketModeReceiver({
        appToken,
        logger: boltLogger,
        logLevel,
        customRoutes,
        installerOptions: { port: slack.port, clientOptions: { ...clientOptions } },
      })
    : undefined;
  const slackToken: SlackTokenCheck =
    options.slackToken ??
    new SlackTokenCheck({
      authTest: (): Promise<{ bot_id?: string; user_id?: string }> => app.client.auth.test(),
      logger: logger.child({ module: "slack-token" }),
    });
  const app = new App({
    token: botToken,
    logger: boltLogger,
    logLevel,
    // Always given, so that Bolt never runs auth.test itself: a refused token there is an unhandled
    // rejection that ends the process with a stack trace instead of a line that says what to fix.
    botId: options.botId ?? slackToken.identity?.botId ?? "",
    botUserId: options.botUserId ?? slackToken.identity?.botUserId ?? "",
    clientOptions,
    ...(socketReceiver
      ? { socketMode: true, receiver: socketReceiver }
      : // HTTP mode: Bolt's receiver, behind the guard that refuses replayed and future-dated requests.
        { receiver: guardedReceiver() }),
  });
  const socket = socketReceiver
    ? followSocketConnection(socketReceiver.client, logger.child({ module: "socket-mode" }))
    : undefined;
  // A broken permissions file stops the start-up here, with every problem listed (PolicyFileError).
  const policy =
    options.policy ??
    (config.policyFile
      ? loadPolicyFile(config.policyFile, {
          knownOperations: knownOperationIds(options.catalogue),
          // So that a misspelled `when` key stops start-up instead of silently never matching.
          conditionKeys: conditionKeysOf(options.catalogue.operations),
        })
      : DEFAULT_POLICY);
  const store = options.store ?? openSqliteStore({ path: config.databasePath });
  const now = options.now ?? Date.now;
  const readiness = new Readiness({
    pingStore: () => store.ping(),
    slackAccepted: () => slackToken.accepted,
    ...(socket ? { socketOpen: () => socket.open } : {}),
  });
  app.use(
    drainingMiddleware({
      isDraining: () => draining,
      inFlight,
      onClient: (client) => metrics.watchSlackClient(client),
      // Bound late: the outbox is built below, and only draining (after start) calls this.
      respond: (url, message) => outbox.respond(url, message),
    }),
  );
  // Who opsbot serves: configured, or else asked of Slack at start (the token's own workspace).
  const configured: Serving | undefined =
    config.serving.teams.length > 0 || config.serving.enterprise
      ? { teams: new Set(config.serving.teams), enterprise: config.serving.enterprise }
      : undefined;
  // Until Slack has accepted the token, nobody is served (and readiness says "slack").
  const serving = (): Serving | undefined => configured ?? servingOfToken(slackToken.identity);
  app.use(
    servingMiddleware({
      serving,
      // Bound late, like the draining middleware's: requests arrive only after start.
      refused: (origin, detail) =>
        core.recordRefusal({
          userId: origin.userId ?? "unknown",
          ...(origin.channelId ? { channelId: origin.channelId } : {}),
          outcome: "other-team",
          detail,
        }),
      respond: (url, message) => outbox.respond(url, message),
    }),
  );
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
    findPosted: findPostedByMetadata(app.client),
    maxQueuedPerChannel: config.slackQueue.maxPerChannel,
    maxQueued: config.slackQueue.max,
    retryBudgetMs: config.slackQueue.retryBudgetMs,
    onShed: metrics.observeSlackShed,
    // On PostgreSQL (replicas) slots are booked in the store, so replicas share Slack's allowances; the
    // SQLite default is one process, which paces itself. Simulated time (the benchmark) cannot be
    // compared with the database's clock, so it paces in the process too.
    ...(options.slackClock ? { now: options.slackClock.now, sleep: options.slackClock.sleep } : {}),
    ...(store.kind === "postgres" && !options.slackClock
      ? { pacing: storePacing(store.pacing, logger.child({ module: "outbox" })) }
      : {}),
    ...(options.slackRates?.postsPerChannelPerSecond
      ? { postPerChannelPerSecond: options.slackRates.postsPerChannelPerSecond }
      : {}),
    ...(options.slackRates?.updatesPerMinute
      ? { updatesPerMinute: options.slackRates.updatesPerMinute }
      : {}),
  });
  metrics.watchSlackClient(app.client);
  metrics.watchSlackClient(queueClient);
  // Every write to Slack leaves through the outbox, each kind with its own retry rule.
  const replies: Replies = {
    respond: (url, message) => outbox.respond(url, { ...message }),
    ephemeral: (message) => outbox.ephemeral(message),
  };
  const poster = outboxPoster(
    {
      post: (message, sendOptions) => outbox.post(message, sendOptions),
      update: (target, message, sendOptions) => outbox.update(target, message, sendOptions),
      upload: async (file) => {
        await outbox.upload(file);
      },
    },
    app.client,
  );
  const core = createCore({
    api: options.api,
    catalogue: options.catalogue,
    store,
    policy,
    poster,
    respondTo: (url, body) => outbox.respond(url, body),
    directory: {
      usergroupMembers: async (usergroup) =>
        (await app.client.usergroups.users.list({ usergroup })).users ?? [],
      member: (userId) => lookUpMember((args) => app.client.users.info(args), userId),
    },
    serving,
    memberCacheTtlMs: config.identity.memberCacheTtlMs,
    peopleCached: config.identity.peopleCached,
    logger,
    now,
    defaults: {
      "orchestration.projectId": config.orchestration.projectId,
      "orchestration.allocationId": config.orchestration.allocationId,
    },
    identity: { overrides: config.identity.overrides, cacheTtlMs: config.identity.cacheTtlMs },
    followUpSettings: { leaseMs: config.followUpLeaseMs, ...options.followUpSettings },
    ...(options.sweepEveryMs === undefined ? {} : { sweepEveryMs: options.sweepEveryMs }),
    observeAudit: metrics.observeAudit,
    observePruned: metrics.observePruned,
    retention: config.retention,
    ...(options.dropdowns ? { options: options.dropdowns } : {}),
    heartbeatStaleMs: config.heartbeatStaleMs,
  });
  registerListeners(app, {
    core,
    catalogue: options.catalogue,
    booleanFlags: options.catalogue.booleanFlags(),
    defaults: {
      "orchestration.projectId": config.orchestration.projectId,
      "orchestration.allocationId": config.orchestration.allocationId,
    },
    replies,
    logger,
    now,
  });
  metrics.watch({
    followUpsInFlight: () => core.followUps.following,
    approvalsPending: () => store.approvals.countPending(),
    slackQueueDepth: () => outbox.depth,
  });
  let stopping: Promise<void> | undefined;
  app.error(async (error) => {
    logger.error({ err: error }, "unhandled error in a Slack listener");
  });
  return {
    app,
    core,
    metrics,
    get handling() {
      return inFlight.count;
    },
    async start(port = slack.port, host) {
      await Promise.all([core.start(), slackToken.start()]);
      const served = serving();
      if (served)
        logger.info(
          { teams: [...served.teams], enterprise: served.enterprise },
          "serving these Slack workspaces",
        );
      if (socketReceiver) {
        await app.start();
        readiness.serving();
        return undefined;
      }
      const server = (await app.start(host ? { port, host } : port)) as { address(): unknown };
      readiness.serving();
      const address = server.address();
      return typeof address === "object" && address && "port" in address ? Number(address.port) : undefined;
    },
    stop(stopOptions = {}) {
      // Signals and test clean-ups may both ask; the second waits for the first.
      stopping ??= shutdown(stopOptions.graceMs ?? config.shutdownGraceMs);
      return stopping;
    },
  };

  function guardedReceiver(): HTTPReceiver {
    const signingSecret = slack.signingSecret?.reveal() ?? "";
    const http = new HTTPReceiver({
      signingSecret,
      customRoutes,
      logger: boltLogger,
      logLevel,
    });
    http.requestListener = guardSlackRequests(http.requestListener, {
      signingSecret,
      paths: ["/slack/events"],
      firstSighting: (key, at, keepUntil) => store.requests.firstSighting(key, at, keepUntil),
      // The wall clock, as Bolt's staleness check uses: tests may run the bot on a simulated one.
      now: Date.now,
      logger: logger.child({ module: "request-guard" }),
    });
    return http;
  }

  async function shutdown(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    const left = () => Math.max(0, deadline - Date.now());
    readiness.stopping();
    slackToken.stop();
    draining = true;
    if (!(await inFlight.idle(left())))
      logger.warn({ inFlight: inFlight.count }, "stopping with Slack requests still being handled");
    await core.stop();
    // What is queued for Slack goes out, unless Slack keeps refusing it past the grace period.
    const flushed = await Promise.race([
      outbox.stop().then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, left(), false).unref()),
    ]);
    if (!flushed) logger.warn({ queued: outbox.depth }, "stopping with Slack messages still queued");
    await app.stop();
    if (!options.store) await store.close();
  }
}

/**
 * The workspace the bot token belongs to, or its whole organisation when the app is installed
 * organisation-wide (from auth.test): what opsbot serves unless OPSBOT_ALLOWED_* say otherwise.
 * Undefined until Slack has answered: opsbot never serves without knowing whom.
 */
function servingOfToken(identity: BotIdentity | undefined): Serving | undefined {
  if (!identity?.teamId) return undefined;
  return { teams: new Set([identity.teamId]), enterprise: identity.enterpriseInstall };
}
