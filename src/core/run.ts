import type { Logger } from "pino";
import { ApiError } from "../api/errors.js";
import { describeIdentity, type Identity } from "../api/identity.js";
import type { ApiClients } from "../api/index.js";
import type { Actor, AnyOperation } from "../catalogue/define.js";
import { type OpsbotContext, UserFacingError } from "../catalogue/opsbot/context.js";
import type { Output } from "../catalogue/output.js";
import type { IdentityResolver } from "./policy/identity.js";

/** One validated request to run an operation, as whom, from where. */
export interface Invocation {
  /** Correlation ID: ties the Slack messages, the log lines and the backend calls of one request together. */
  readonly id: string;
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly actor: Actor;
}

export type RunOutcome =
  | {
      readonly ok: true;
      readonly output: Output;
      /** The backend's answer as the operation's run returned it: what a follow-up inspects. */
      readonly result: unknown;
      readonly identity?: Identity;
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      /** refused: nothing was sent (no identity); failed: the backend said no or could not be reached. */
      readonly reason: "refused" | "failed";
      readonly message: string;
      /** The backend may have acted (timeout on an unsafe call): the user must check before retrying. */
      readonly outcomeUnknown?: boolean;
      readonly durationMs: number;
    };

export interface RunnerDeps {
  readonly api: ApiClients;
  readonly identities: IdentityResolver;
  readonly logger: Logger;
  /** opsbot's own state for its own commands, as the person asking sees it. */
  readonly opsbot: (actor: Actor) => OpsbotContext;
}

const BACKEND_NAMES = {
  calyptia: "Calyptia Cloud",
  deploy: "Deploy API",
  orchestration: "Orchestration API",
} as const;

/** Runs an operation as its actor and turns every failure into a message safe to show in Slack. */
export async function runInvocation(
  deps: RunnerDeps,
  invocation: Invocation,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { operation, actor } = invocation;
  const log = deps.logger.child({
    correlationId: invocation.id,
    operation: operation.id,
    user: actor.userId,
  });
  let identity: Identity | undefined;
  if (operation.needsIdentity) {
    const resolved = await deps.identities.resolve(actor.userId);
    if (!resolved.ok) {
      log.info({ outcome: "refused" }, "no identity for the user");
      return { ok: false, reason: "refused", message: resolved.reason, durationMs: elapsed() };
    }
    identity = resolved.identity;
  }
  const ctx = {
    api: deps.api,
    // Built when an operation asks for it: only opsbot's own commands do.
    get opsbot() {
      return deps.opsbot(actor);
    },
    actor,
    ...(signal ? { signal } : {}),
    ...(identity ? { identity } : {}),
  };
  try {
    const result: unknown = await operation.run(ctx as never, invocation.args);
    const output = operation.render(result, invocation.args);
    log.info({ outcome: "ok", durationMs: elapsed() }, "operation succeeded");
    return { ok: true, output, result, ...(identity ? { identity } : {}), durationMs: elapsed() };
  } catch (error) {
    if (error instanceof ApiError) {
      log.warn(
        { outcome: "failed", kind: error.kind, status: error.status, durationMs: elapsed() },
        "operation failed",
      );
      const as = identity ? ` (as ${describeIdentity(identity)})` : "";
      return {
        ok: false,
        reason: "failed",
        message: `${BACKEND_NAMES[error.backend]}${as}: ${error.userMessage()}`,
        outcomeUnknown: error.outcomeUnknown,
        durationMs: elapsed(),
      };
    }
    if (error instanceof UserFacingError) {
      log.info({ outcome: "refused", durationMs: elapsed() }, error.message);
      return { ok: false, reason: "refused", message: error.message, durationMs: elapsed() };
    }
    log.error({ err: error, outcome: "error" }, "operation crashed");
    return {
      ok: false,
      reason: "failed",
      message: `opsbot hit an unexpected error running \`${operation.id}\`. It has been logged with reference \`${invocation.id}\`.`,
      durationMs: elapsed(),
    };
  }
}
