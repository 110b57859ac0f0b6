import type { Logger } from "pino";
import { classifyError, classifyResult, type Outcome, SlackOutboxError } from "./errors.js";
import { backoffMs, type LaneSlots } from "./pacer.js";
import { ON_UNKNOWN } from "./retry-rules.js";
import type { CallResult, OutboxCall, OutboxMethod, OutboxWrite } from "./types.js";

/** One write, tried until it succeeds or its kind's retry rule (retry-rules.ts) gives up. */
export interface Delivery {
  readonly write: OutboxWrite;
  readonly attempt: () => Promise<Outcome>;
  /** The slots of its lane, booked before each attempt and held back by a 429. */
  readonly slots: LaneSlots;
  readonly critical: boolean;
  /** For logs: where it goes, never what it says. */
  readonly about: Readonly<Record<string, unknown>>;
  /** Finds a post whose answer was lost: its result, or undefined when absent; throws when it cannot tell. */
  readonly look?: () => Promise<CallResult | undefined>;
}

/** What the retry loop shares with its outbox. */
export interface DeliveryEnv {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger: Logger | undefined;
  readonly maxAttempts: number;
  readonly now: () => number;
  /** How long a write may go on meeting 429s, from its first attempt. */
  readonly retryBudgetMs: number;
  readonly stopping: () => boolean;
  readonly onRateLimited: () => void;
  /** A write dropped because its 429s outlasted the retry budget. */
  readonly onOutOfBudget: () => void;
}

/** One call through the injected `OutboxCall`, its answer or error read as an Outcome. */
export function viaCall(call: OutboxCall, method: OutboxMethod, args: Record<string, unknown>) {
  return async (): Promise<Outcome> => {
    try {
      return classifyResult(await call(method, args));
    } catch (err) {
      return classifyError(err);
    }
  };
}

/**
 * Calls until Slack accepts, a permanent error, an unknown outcome the kind may not retry, too many
 * failures (a critical write keeps going until stop), or 429s past the retry budget (critical or not:
 * a workspace throttled for good must not hold writes, and the memory they take, for ever).
 */
export async function deliver(delivery: Delivery, env: DeliveryEnv): Promise<CallResult> {
  const log = { method: delivery.write, ...delivery.about };
  let attempts = 0;
  let failures = 0;
  let firstAttemptAt: number | undefined;
  for (;;) {
    const wait = await delivery.slots.reserve();
    if (wait > 0) await env.sleep(wait);
    attempts += 1;
    firstAttemptAt ??= env.now();
    const outcome = await delivery.attempt();
    if (outcome.kind === "ok") return outcome.result;
    if (outcome.kind === "rate_limited") {
      env.onRateLimited();
      // Held back even when this write goes no further: the others on its lane must wait too.
      await delivery.slots.hold(outcome.retryAfterMs);
      const spentMs = env.now() - firstAttemptAt;
      if (spentMs + outcome.retryAfterMs > env.retryBudgetMs) {
        env.onOutOfBudget();
        env.logger?.warn(
          { ...log, attempts, spentMs, retryAfterMs: outcome.retryAfterMs, budgetMs: env.retryBudgetMs },
          "slack rate limited past the retry budget; dropped",
        );
        throw new SlackOutboxError(delivery.write, "retry_budget_exhausted", { attempts, permanent: false });
      }
      env.logger?.warn({ ...log, retryAfterMs: outcome.retryAfterMs }, "slack rate limited");
      continue;
    }
    const { code, cause } = outcome;
    const outcomeUnknown = outcome.kind === "unknown";
    const fail = (permanent: boolean) =>
      new SlackOutboxError(delivery.write, code, { attempts, permanent, outcomeUnknown, cause });
    if (outcome.kind === "permanent") throw fail(true);
    if (outcomeUnknown && ON_UNKNOWN[delivery.write] !== "retry") {
      const found = await lookAgain(delivery, env);
      if (found === "cannot_tell") {
        env.logger?.error({ ...log, code, attempts }, "slack may have carried it out; not sent again");
        throw fail(false);
      }
      if (found !== "absent") return found;
    }
    failures += 1;
    const keepTrying = delivery.critical && !env.stopping();
    if (failures >= env.maxAttempts && !keepTrying) {
      env.logger?.error({ ...log, code, attempts }, "slack gave up");
      throw fail(false);
    }
    const delay = backoffMs(failures, env.random);
    env.logger?.warn({ ...log, code, attempts, delayMs: delay }, "slack call failed, retrying");
    await env.sleep(delay);
  }
}

/** After an unknown outcome: the write found in Slack, absent (safe to send again), or no way to tell. */
async function lookAgain(
  delivery: Delivery,
  env: DeliveryEnv,
): Promise<CallResult | "absent" | "cannot_tell"> {
  if (ON_UNKNOWN[delivery.write] !== "look" || !delivery.look) return "cannot_tell";
  try {
    return (await delivery.look()) ?? "absent";
  } catch (error) {
    env.logger?.warn(
      { err: error, method: delivery.write, ...delivery.about },
      "could not look for a write whose answer was lost",
    );
    return "cannot_tell";
  }
}
