import { randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import { errorMessage } from "../blocks/errors.js";
import type { FollowSpec } from "../ops/define.js";
import type { Output } from "../ops/output.js";
import { runInvocation } from "../ops/run.js";
import { validateArgs } from "../ops/validate.js";
import type { HandlerDeps } from "./deps.js";
import { ephemeral, type ReplyTarget, replyWithOutput } from "./execute.js";

export interface FollowTiming {
  /** Delay before the first poll; later polls back off by half each time up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** After this long the follower stops and says how to look it up. */
  readonly timeoutMs: number;
  /** Consecutive failed polls before the follower gives up. */
  readonly maxFailures: number;
}

export const DEFAULT_FOLLOW_TIMING: FollowTiming = {
  firstDelayMs: 1_000,
  maxDelayMs: 5_000,
  timeoutMs: 10 * 60_000,
  maxFailures: 5,
};

/**
 * Polls a long operation's state (FollowSpec) until it settles, then posts the settled result with its
 * next steps through the same reply target. Held in memory: a restart forgets what was being followed.
 */
export class Followers {
  readonly #running = new Set<AbortController>();
  readonly #timing: FollowTiming;

  constructor(timing: Partial<FollowTiming> = {}) {
    this.#timing = { ...DEFAULT_FOLLOW_TIMING, ...timing };
  }

  get inFlight(): number {
    return this.#running.size;
  }

  start(deps: HandlerDeps, client: WebClient, spec: FollowSpec, target: ReplyTarget): void {
    const controller = new AbortController();
    this.#running.add(controller);
    void this.#follow(deps, client, spec, target, controller.signal)
      .catch((error: unknown) =>
        deps.logger.error({ err: error, follow: spec.operationId }, "follow-up crashed"),
      )
      .finally(() => this.#running.delete(controller));
  }

  /** Stops every follower (shutdown); nothing more is posted. */
  stopAll(): void {
    for (const controller of this.#running) controller.abort();
    this.#running.clear();
  }

  async #follow(
    deps: HandlerDeps,
    client: WebClient,
    spec: FollowSpec,
    target: ReplyTarget,
    signal: AbortSignal,
  ): Promise<void> {
    const operation = deps.catalogue.byId(spec.operationId);
    if (!operation?.settled) throw new Error(`${spec.operationId} cannot be followed`);
    const validation = validateArgs(operation, spec.args, deps.defaults);
    if (!validation.ok) throw new Error(`${spec.operationId}: invalid follow arguments`);
    const lookup = `\`/ops ${operation.resource} ${operation.verb} ${Object.values(spec.args).join(" ")}\``;
    const timing = this.#timing;
    const deadline = Date.now() + timing.timeoutMs;
    let delay = timing.firstDelayMs;
    let failures = 0;
    while (!signal.aborted) {
      await sleep(delay, signal);
      if (signal.aborted) return;
      if (Date.now() >= deadline) {
        await target.respond(
          ephemeral(
            errorMessage(
              `Still not finished after ${Math.round(timing.timeoutMs / 60_000)} min: check with ${lookup}.`,
            ),
          ),
        );
        return;
      }
      delay = Math.min(Math.round(delay * 1.5), timing.maxDelayMs);
      const outcome = await runInvocation(
        deps,
        { id: randomUUID(), operation, args: validation.args, actor: target },
        signal,
      );
      if (!outcome.ok) {
        failures += 1;
        if (failures < timing.maxFailures) continue;
        await target.respond(
          ephemeral(errorMessage(`opsbot stopped following: ${outcome.message} Check with ${lookup}.`)),
        );
        return;
      }
      failures = 0;
      if (!operation.settled(outcome.result)) continue;
      await replyWithOutput(deps, client, operation, withPrefill(outcome.output, spec.prefill), target, {
        raw: spec.args,
      });
      return;
    }
  }
}

/** Adds what the launching operation knew (e.g. the repository folder) to the settled result's buttons. */
function withPrefill(output: Output, prefill: FollowSpec["prefill"]): Output {
  if (!prefill || !output.actions) return output;
  return { ...output, actions: output.actions.map((a) => ({ ...a, args: { ...prefill, ...a.args } })) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
