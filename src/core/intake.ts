import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { inlineCode } from "../blocks/text.js";
import type { AnyOperation } from "../catalogue/define.js";
import { displayCommandText } from "../catalogue/sensitive.js";
import type { RawArgs } from "../catalogue/validate.js";
import type { Store } from "../store/types.js";
import type { Clock } from "./ports.js";

export interface IntakeDeps {
  readonly store: Pick<Store, "intake">;
  readonly logger: Logger;
  readonly now: Clock;
  /** This process: the owner of the commands it notes (see ProcessStore). */
  readonly processId: string;
}

/** What a slash command brings that the journal keeps. */
export interface ReceivedCommand {
  readonly user_id: string;
  readonly channel_id: string;
  readonly text: string;
  readonly response_url: string;
}

/** The operation a command was parsed into: the note keeps its sensitive arguments as digests. */
export interface ParsedCall {
  readonly operation: AnyOperation;
  readonly raw: RawArgs;
  readonly force: boolean;
}

/** Posts to a response URL (the Slack adapter's, through its outbox). */
export type ResponseUrlPost = (url: string, body: Record<string, unknown>) => Promise<void>;

/** Slack accepts posts to a command's response URL for 30 minutes. */
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/**
 * Acknowledges a command whose work comes after the acknowledgement, with a note in the store first:
 * if the process dies before the work is settled, the next start tells the person (see
 * answerInterruptedCommands) instead of leaving an acknowledged command unanswered for ever.
 */
export async function journaled(
  deps: IntakeDeps,
  command: ReceivedCommand,
  ack: () => Promise<void>,
  work: () => Promise<void>,
  call?: ParsedCall,
): Promise<void> {
  const id = randomUUID();
  // A store that fails must not stop the command: the note is a safety net, not a precondition.
  const noted = await deps.store.intake
    .open({
      id,
      userId: command.user_id,
      channelId: command.channel_id,
      text: call ? displayCommandText(call.operation, call.raw, call.force, command.text) : command.text,
      responseUrl: command.response_url,
      receivedAt: deps.now(),
      owner: deps.processId,
    })
    .then(
      () => true,
      (error: unknown) => {
        deps.logger.error({ err: error }, "a command could not be noted in the store");
        return false;
      },
    );
  await ack();
  try {
    await work();
  } finally {
    if (noted)
      await deps.store.intake
        .settle(id)
        .catch((error: unknown) => deps.logger.error({ err: error }, "a command could not be settled"));
  }
}

/**
 * At start-up and at each sweep: commands acknowledged by a process that is gone (stopped, or its
 * heartbeat older than `staleAfterMs`) and never settled. A live replica's are left to it. Each is taken
 * over first, so that no two survivors tell the same person; each person is told through the command's
 * response URL while Slack still takes it; then the note goes.
 */
export async function answerInterruptedCommands(
  deps: IntakeDeps,
  post: ResponseUrlPost,
  staleAfterMs: number,
): Promise<number> {
  const interrupted = await deps.store.intake.takeOverUnsettled(staleAfterMs, deps.processId);
  for (const entry of interrupted) {
    if (deps.now() - entry.receivedAt < RESPONSE_URL_LIFETIME_MS)
      await post(entry.responseUrl, {
        response_type: "ephemeral",
        replace_original: false,
        text: `:warning: opsbot restarted while it was handling ${inlineCode(`/ops ${entry.text}`)} and may not have finished it. If it was a change, check its state before running it again; a read can simply be run again.`,
      }).catch((error: unknown) =>
        deps.logger.warn({ err: error }, "could not tell someone their command was interrupted"),
      );
    await deps.store.intake.settle(entry.id);
  }
  if (interrupted.length > 0)
    deps.logger.warn({ count: interrupted.length }, "commands interrupted by a stop or a crash");
  return interrupted.length;
}
