import { App, LogLevel } from "@slack/bolt";
import pino from "pino";
import { createApiClients } from "../../src/api/index.js";
import { createBot } from "../../src/app/bot.js";
import { loadConfig } from "../../src/app/config.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { openPostgresStore, type Store } from "../../src/store/index.js";
import type { BotReady } from "./protocol.js";

/**
 * A bot under test on Bolt's HTTP receiver: `opsbot` (the real app and catalogue, talking to the
 * backends child; on its SQLite file, or on PostgreSQL when OPSBOT_DATABASE_URL is set, opened as
 * src/main.ts opens it) or `bare` (a Bolt app that only acknowledges `/ops`: the floor). Configured from the
 * environment the parent passes; reports its port and exits when the parent disconnects.
 */

const mode = process.argv[2];
const env = process.env;
const signingSecret = env.SLACK_SIGNING_SECRET ?? "";
const logger = pino({ level: "silent" });

async function start(): Promise<{ port: number; stop: () => Promise<void> }> {
  if (mode === "bare") {
    const app = new App({
      token: env.SLACK_BOT_TOKEN ?? "",
      signingSecret,
      botId: env.BENCH_BOT_ID ?? "",
      botUserId: env.BENCH_BOT_USER_ID ?? "",
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: env.SLACK_API_URL ?? "" },
    });
    app.command("/ops", async ({ ack }) => {
      await ack();
    });
    const server = (await app.start({ port: 0, host: "127.0.0.1" })) as { address(): { port: number } };
    return { port: server.address().port, stop: async () => void (await app.stop()) };
  }
  const config = loadConfig({ ...env, LOG_LEVEL: "silent" });
  const api = createApiClients(config, {});
  const store: Store | undefined = config.database
    ? await openPostgresStore({
        url: config.database.url.reveal(),
        ...(config.database.schema ? { schema: config.database.schema } : {}),
      })
    : undefined;
  const bot = createBot({
    config,
    api,
    catalogue: createCatalogue(),
    logger,
    botId: env.BENCH_BOT_ID ?? "",
    botUserId: env.BENCH_BOT_USER_ID ?? "",
    ...(store ? { store } : {}),
  });
  const port = await bot.start(0, "127.0.0.1");
  if (port === undefined) throw new Error("no port");
  return {
    port,
    stop: async () => {
      await bot.stop();
      await api.close();
      await store?.close();
    },
  };
}

const running = await start();
process.send?.({ type: "ready", port: running.port } satisfies BotReady);
process.on("disconnect", () => {
  void running.stop().then(() => process.exit(0));
});
