import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterAll, beforeAll, expect } from "vitest";
import type { RunningSimulators } from "../../devkit/sim/index.js";
import type { StandInOptions } from "../../devkit/slack-standin/types.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { type AppStack, simulatorBackendsEnv, startAppStack } from "../helpers/app-stack.js";

/**
 * The whole bot for fault tests: every backend configured, client timeouts cut to half a second so a
 * hanging backend costs about one second per try (undici checks its timers every ~0.5 s).
 */

export const ALICE = "U0ALICE";
export const BOB = "U0BOB";

/** The timeouts the bot runs with here, as its messages state them. */
export const TIMEOUT_MS = 500;
/** Beyond any client timeout, however late undici's coarse timers fire. */
export const HANG_MS = 1_500;
/** The time Slack gives an app to acknowledge a slash command. */
export const ACK_DEADLINE_MS = 3_000;

export async function startFaultStack(slack: Pick<StandInOptions, "rateLimits"> = {}): Promise<AppStack> {
  return startAppStack({
    catalogue: createCatalogue(),
    users: [
      { id: ALICE, name: "alice", email: "alice@example.com" },
      { id: BOB, name: "bob", email: "bob@example.com" },
    ],
    ...slack,
    env: (sims, settings) => ({
      ...simulatorBackendsEnv(sims, settings),
      OPSBOT_HTTP_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      OPSBOT_HTTP_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
      OPSBOT_HTTP_BODY_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
  });
}

/** Fails the file when anything in the process rejects without a handler while it runs. */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeAll(() => {
    process.on("unhandledRejection", listener);
  });
  afterAll(() => {
    process.off("unhandledRejection", listener);
    expect(seen).toEqual([]);
  });
}

export interface Sent {
  readonly responseUrl: string;
  readonly ackMs: number;
  readonly at: number;
}

/** Sends `/ops <text>` as `user`, checking that the bot acknowledged it in time. */
export async function command(stack: AppStack, text: string, user = ALICE): Promise<Sent> {
  const payload = stack.fx.command({ text, user_id: user });
  const at = performance.now();
  const res = await stack.send.command(payload);
  const ackMs = performance.now() - at;
  expect(res.status).toBe(200);
  expect(ackMs).toBeLessThan(ACK_DEADLINE_MS);
  return { responseUrl: payload.response_url, ackMs, at };
}

export interface Reply {
  readonly text: string;
  readonly responseType: unknown;
  /** Milliseconds from the command to the reply. */
  readonly ms: number;
}

/** The first reply posted to a command's response URL: its text and every block's text. */
export async function replyTo(stack: AppStack, sent: Sent, timeoutMs = 10_000): Promise<Reply> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = stack.slackApi.responses().find((r) => r.url === sent.responseUrl);
    if (found)
      return {
        text: textOf(found.body),
        responseType: found.body.response_type,
        ms: performance.now() - sent.at,
      };
    if (performance.now() > deadline) throw new Error(`no reply to ${sent.responseUrl}`);
    await sleep(10);
  }
}

/** Everything a person reads in a message: its text and the text of its blocks. */
export function textOf(body: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [typeof body.text === "string" ? body.text : ""];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (key === "text" && typeof inner === "string") parts.push(inner);
        else visit(inner);
      }
    }
  };
  visit(body.blocks);
  return parts.join("\n");
}

/** What must never reach a user: internals, raw payloads, credentials. */
export function expectPresentable(text: string, secrets: readonly string[] = []): void {
  expect(text).not.toMatch(/undefined|null|NaN|\[object /);
  expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|Error:|UND_ERR|ECONN|ERR_/);
  expect(text).not.toMatch(/[{[]\s*"/);
  expect(text).not.toMatch(/injected failure.*\{|padding|xxxx/);
  for (const secret of ["xoxb-", ...secrets]) expect(text).not.toContain(secret);
}

/** Requests the bot's API clients started, counted as undici creates them (before any connection). */
export class SentRequests {
  readonly #seen: { origin: string; method: string; path: string }[] = [];
  readonly #listener = (message: unknown) => {
    const request = (message as { request?: { origin?: unknown; method?: unknown; path?: unknown } }).request;
    if (!request) return;
    this.#seen.push({
      origin: String(request.origin),
      method: String(request.method),
      path: String(request.path),
    });
  };

  constructor() {
    subscribe("undici:request:create", this.#listener);
  }

  count(origin: string, method: string, path: RegExp): number {
    return this.#seen.filter((r) => r.origin === origin && r.method === method && path.test(r.path)).length;
  }

  close(): void {
    unsubscribe("undici:request:create", this.#listener);
  }
}

/** Requests a simulator answered (or dropped) that match. */
export function received(
  sims: RunningSimulators,
  backend: keyof Omit<RunningSimulators, "clock" | "close">,
  method: string,
  path: RegExp,
): number {
  return sims[backend].requests.filter((r) => r.method === method && path.test(r.url.split("?")[0] ?? ""))
    .length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check` passes (re-running it), failing with its last error after `timeoutMs`. */
export async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(20);
    }
  }
}
