import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/**
 * The bot as its own OS process, started the way production starts it (src/main.ts, configured from the
 * environment only), and killed the way a crash kills it: SIGKILL, no handler runs, nothing is flushed.
 * Every child started here is killed when the test process exits, whatever happened to the test.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const live = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface BotProcess {
  readonly pid: number;
  readonly port: number;
  /** Where Slack sends commands and clicks: the app's Request URL. */
  readonly url: string;
  /** What the process wrote to stdout and stderr (its JSON log), for failure messages. */
  output(): string;
  /** True until the process has exited. */
  readonly running: boolean;
  /** SIGKILL, and wait for the exit; resolves at once when it is already gone. */
  kill(): Promise<void>;
  /** SIGTERM (the graceful stop), and wait for the exit; resolves to the exit code. */
  terminate(): Promise<number | null>;
}

export interface BotProcessOptions {
  /** The environment main.ts reads (see src/config.ts); PATH and PORT are added. */
  readonly env: Readonly<Record<string, string>>;
  /** The same port across restarts: Slack keeps sending to the Request URL it was given. */
  readonly port: number;
  /** How long to wait for /readyz. */
  readonly readyTimeoutMs?: number;
  /** `serving`: resolve once /healthz answers, for bots a test expects never to be ready. Default `ready`. */
  readonly waitFor?: "ready" | "serving";
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no free port");
  return address.port;
}

/** Starts `node --import tsx src/main.ts` and resolves once it answers /readyz (or /healthz: `waitFor`). */
export async function startBotProcess(options: BotProcessOptions): Promise<BotProcess> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    // Only what main.ts is given in production: no SLACK_APP_TOKEN or other settings from the shell.
    env: { PATH: process.env.PATH ?? "", ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      live.delete(child);
      resolve();
    }),
  );
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const bot: BotProcess = {
    pid: child.pid ?? -1,
    port: options.port,
    url: `http://127.0.0.1:${options.port}/slack/events`,
    output: () => output,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill() {
      if (bot.running) child.kill("SIGKILL");
      await exited;
    },
    async terminate() {
      if (bot.running) child.kill("SIGTERM");
      await exited;
      return child.exitCode;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (!bot.running) throw new Error(`the bot exited before it was ready:\n${output}`);
    const path = options.waitFor === "serving" ? "/healthz" : "/readyz";
    const res = await fetch(`http://127.0.0.1:${options.port}${path}`).catch(() => undefined);
    if (res?.status === 200) return bot;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await bot.kill();
  throw new Error(`the bot was not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${output}`);
}

/** Kills every bot process still running (afterEach, so a failed test leaves no orphan). */
export async function killAllBots(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface BotExit {
  /** The exit code; null when the process had to be killed at the time limit. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit. */
  readonly ms: number;
}

/**
 * Starts `src/main.ts` with `env` (and nothing else from the shell) and resolves once it exits, for a
 * start-up that is expected to fail. A process still running after `timeoutMs` is killed (code null):
 * a test then sees a hang as such.
 */
export async function runBotUntilExit(
  env: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): Promise<BotExit> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) =>
    child.once("close", (exitCode) => resolve(exitCode)),
  );
  clearTimeout(limit);
  live.delete(child);
  return { code, stdout, stderr, ms: Date.now() - started };
}
