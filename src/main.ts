import { createApiClients } from "./api/index.js";
import { createBot } from "./app/bot.js";
import { ConfigError, loadConfig, slackProblems } from "./app/config.js";
import { checkBotToken } from "./app/lifecycle/slack-token.js";
import { createLogger } from "./app/logger.js";
import { Metrics } from "./app/metrics/index.js";
import { storedRefreshToken } from "./app/refresh-token-keeper.js";
import { createCatalogue } from "./catalogue/index.js";
import { PolicyFileError } from "./core/policy/policy-file.js";
import { openPostgresStore, openSqliteStore, SchemaTooNewError, type Store } from "./store/index.js";

/** `npm start`: the bot against Slack, configured from the environment. */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
  const problems = slackProblems(config.slack);
  if (problems.length > 0) throw new ConfigError(problems);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n\nTo try opsbot without Slack or any API, run: npm run demo\n`);
  process.exit(1);
}

const logger = createLogger({ level: config.logLevel });
const metrics = new Metrics();
// The store is opened first: the API clients keep the rotated Orchestration refresh token in it.
let store: Store;
if (config.database) {
  try {
    store = await openPostgresStore({
      url: config.database.url.reveal(),
      ...(config.database.schema ? { schema: config.database.schema } : {}),
      maxConnections: config.database.poolMax,
    });
  } catch (error) {
    const why = error instanceof SchemaTooNewError ? error.message : describeDatabaseError(error);
    process.stderr.write(`opsbot cannot start: the PostgreSQL store (OPSBOT_DATABASE_URL) ${why}\n`);
    process.exit(1);
  }
} else {
  try {
    store = openSqliteStore({ path: config.databasePath });
  } catch (error) {
    if (!(error instanceof SchemaTooNewError)) throw error;
    process.stderr.write(`opsbot cannot start: ${error.message}\n`);
    process.exit(1);
  }
}
const orchestrationAuth = config.orchestration.auth;
const api = createApiClients(
  config,
  { logger, onCall: metrics.observeApiCall },
  orchestrationAuth.kind === "refresh-token"
    ? { orchestrationRefreshToken: storedRefreshToken(store.state, orchestrationAuth.clientId) }
    : {},
);
// Before the bot, so that it knows its own IDs; a refused token keeps it up but not ready.
const slackToken = await checkBotToken(config.slack, logger.child({ module: "slack-token" }));
let bot: ReturnType<typeof createBot>;
try {
  bot = createBot({
    config,
    api,
    catalogue: createCatalogue(),
    logger,
    metrics,
    slackToken,
    store,
  });
} catch (error) {
  // The permissions file and the store are checked at start-up: say what is wrong and stop.
  if (!(error instanceof PolicyFileError) && !(error instanceof SchemaTooNewError)) throw error;
  process.stderr.write(`opsbot cannot start: ${error.message}\n`);
  await api.close();
  await store.close();
  process.exit(1);
}
const port = await bot.start();
logger.info(
  { mode: config.slack.appToken ? "socket" : "http", ...(port !== undefined ? { port } : {}) },
  "opsbot is running",
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) {
    // A second signal while draining: the operator wants it gone now.
    logger.warn({ signal }, "stopping at once");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
  await bot.stop().catch((error: unknown) => logger.error({ err: error }, "stopping the Slack app failed"));
  await api.close();
  await store.close().catch((error: unknown) => logger.error({ err: error }, "closing the store failed"));
  logger.info("stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

/** What went wrong reaching the database, in words an operator can act on (never the URL: it may hold a password). */
function describeDatabaseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNREFUSED")
    return "refused the connection: is the server running and the host and port right?";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host could not be found: check the host name.";
  if (code === "28P01" || code === "28000") return "refused the credentials: check the user and password.";
  if (code === "3D000") return "has no such database: create it or fix the name.";
  return `could not be opened (${typeof code === "string" ? code : "unexpected error"}).`;
}
