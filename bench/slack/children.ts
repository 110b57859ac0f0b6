import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendsReady, BackendsReply, BackendsRequest, BotReady } from "./protocol.js";

/** Starts the Slack benchmark's child processes under tsx and talks to them over IPC. */

function forkChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), [...args], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    execArgv: ["--import", "tsx"],
    env,
    // Children must not write to stdout: `--json` prints one object there.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.connected) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.disconnect();
  await exited;
}

export interface BackendsChild extends BackendsReady {
  issue(kind: "response" | "trigger", user: string, count: number): Promise<readonly string[]>;
  slowDeploy(ms: number): Promise<void>;
  /** Calls `listener` for each view the bot opens; returns the unsubscribe function. */
  onViewOpened(listener: (user: string, at: number) => void): () => void;
  stop(): Promise<void>;
}

export async function startBackends(): Promise<BackendsChild> {
  const child = forkChild("./backends-child.ts", [], process.env);
  const ready = await firstMessage<BackendsReady>(child, "the backends");
  let nextId = 0;
  const ask = <T extends BackendsReply>(request: BackendsRequest): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (raw: unknown) => {
        const reply = raw as BackendsReply;
        if ("id" in reply && reply.id === request.id) {
          child.off("message", onMessage);
          resolve(reply as T);
        }
      };
      child.on("message", onMessage);
      child.send(request);
    });
  return {
    ...ready,
    issue: async (kind, user, count) =>
      (
        await ask<Extract<BackendsReply, { type: "issued" }>>({
          type: "issue",
          id: ++nextId,
          kind,
          user,
          count,
        })
      ).values,
    slowDeploy: async (ms) => {
      await ask({ type: "slow-deploy", id: ++nextId, ms });
    },
    onViewOpened: (listener) => {
      const onMessage = (raw: unknown) => {
        const reply = raw as BackendsReply;
        if (reply.type === "view-opened") listener(reply.user, reply.at);
      };
      child.on("message", onMessage);
      return () => child.off("message", onMessage);
    },
    stop: () => stopChild(child),
  };
}

export interface BotChild {
  readonly url: string;
  stop(): Promise<void>;
}

/** Where an `opsbot` child keeps its store: a SQLite file of its own, or a PostgreSQL schema. */
export type BotStore =
  | { readonly kind: "sqlite" }
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string };

export async function startBot(
  mode: "opsbot" | "bare",
  backends: BackendsReady,
  signingSecret: string,
  store: BotStore = { kind: "sqlite" },
): Promise<BotChild> {
  const storeDir = mkdtempSync(join(tmpdir(), "opsbot-bench-"));
  // Everyone may do everything, without approvals: the benchmark measures the path, not the policy.
  const policyFile = join(storeDir, "opsbot.yml");
  writeFileSync(policyFile, 'roles: { admin: ["*"] }\ngrants: [{ role: admin, to: { everyone: true } }]\n');
  // An app token from the caller's shell would switch the bot to Socket Mode; a database URL, its store.
  const {
    OPSBOT_DB: _databasePath,
    SLACK_APP_TOKEN: _appToken,
    OPSBOT_DATABASE_URL: _databaseUrl,
    OPSBOT_DATABASE_SCHEMA: _databaseSchema,
    ...inherited
  } = process.env;
  const child = forkChild("./bot-child.ts", [mode], {
    ...inherited,
    SLACK_BOT_TOKEN: backends.slackToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: backends.slackUrl,
    DEPLOY_API_URL: backends.deployUrl,
    // A file of its own, as in production (WAL on disk; the folder goes when the bot stops), or PostgreSQL.
    ...(store.kind === "postgres"
      ? { OPSBOT_DATABASE_URL: store.url, OPSBOT_DATABASE_SCHEMA: store.schema }
      : { OPSBOT_DB: join(storeDir, "opsbot.db") }),
    OPSBOT_CONFIG: policyFile,
    BENCH_BOT_ID: backends.botId,
    BENCH_BOT_USER_ID: backends.botUserId,
  });
  const ready = await firstMessage<BotReady>(child, `the ${mode} bot`);
  return {
    url: `http://127.0.0.1:${ready.port}/slack/events`,
    stop: async () => {
      await stopChild(child);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
