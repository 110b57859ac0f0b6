import type { Logger } from "pino";
import { createApiClients } from "./api/index.js";
import { createBot } from "./app/bot.js";
import { ConfigError, loadConfig, slackProblems } from "./app/config.js";
import { SlackTokenCheck } from "./app/lifecycle/slack-token.js";
import { createLogger } from "./app/logger.js";
import { Metrics } from "./app/metrics/index.js";
import { storedRefreshToken } from "./app/refresh-token-keeper.js";
import {
  checkPortFree,
  checkSlackToken,
  listenFailure,
  openConfiguredStore,
  StartupFailure,
  socketStartFailure,
  startupFailureLines,
} from "./app/startup/index.js";
import { createCatalogue } from "./catalogue/index.js";
import { PolicyFileError } from "./core/policy/policy-file.js";

/** `npm start`: the bot against Slack, configured from the environment. */
let logger: Logger | undefined;

/**
 * Start-up, checked in order: the settings, the store, the Slack token (auth.test), the port. Each
 * failure ends the process with one line saying what, why and what to do (startup/); nothing says
 * "running" before all have passed.
 */
async function startUp() {
  const config = loadConfig();
  const problems = slackProblems(config.slack);
  if (problems.length > 0) throw new ConfigError(problems);
  const log = createLogger({ level: config.logLevel });
  logger = log;
  const metrics = new Metrics();
  // The store is opened first: the API clients keep the rotated Orchestration refresh token in it.
  const store = await openConfiguredStore(config);
  const orchestrationAuth = config.orchestration.auth;
  const api = createApiClients(
    config,
    { logger: log, onCall: metrics.observeApiCall },
    orchestrationAuth.kind === "refresh-token"
      ? { orchestrationRefreshToken: storedRefreshToken(store.state, orchestrationAuth.clientId) }
      : {},
  );
  // Before the bot, so that it knows its own IDs and Bolt never runs auth.test itself.
  const tokenLogger = log.child({ module: "slack-token" });
  const identity = await checkSlackToken(config.slack, tokenLogger);
  await checkPortFree(config.slack.port);
  const bot = createBot({
    config,
    api,
    catalogue: createCatalogue(),
    logger: log,
    metrics,
    slackToken: SlackTokenCheck.passed(identity, tokenLogger),
    store,
  });
  let port: number | undefined;
  try {
    port = await bot.start();
  } catch (error) {
    // The port taken between the check and now, or (Socket Mode) the app-level token refused.
    throw listenFailure(config.slack.port, error) ?? socketStartFailure(error) ?? error;
  }
  log.info(
    { mode: config.slack.appToken ? "socket" : "http", ...(port !== undefined ? { port } : {}) },
    "opsbot is running",
  );
  return { config, logger: log, api, store, bot };
}

let started: Awaited<ReturnType<typeof startUp>>;
try {
  started = await startUp();
} catch (error) {
  const foreseen =
    error instanceof StartupFailure || error instanceof ConfigError || error instanceof PolicyFileError;
  // Something not foreseen keeps its stack, in the log (or on stderr before there is one).
  if (!foreseen) {
    if (logger) logger.error({ err: error }, "start-up failed");
    else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.stderr.write(`${startupFailureLines(error).join("\n")}\n`);
  process.exit(1);
}
const { config, logger: log, api, store, bot } = started;

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) {
    // A second signal while draining: the operator wants it gone now.
    log.warn({ signal }, "stopping at once");
    process.exit(1);
  }
  stopping = true;
  log.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
  await bot.stop().catch((error: unknown) => log.error({ err: error }, "stopping the Slack app failed"));
  await api.close();
  await store.close().catch((error: unknown) => log.error({ err: error }, "closing the store failed"));
  log.info("stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
