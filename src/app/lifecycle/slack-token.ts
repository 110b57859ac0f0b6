import { ErrorCode } from "@slack/web-api";
import type { Logger } from "pino";

/**
 * Whether Slack accepts the bot token, from one auth.test at start-up. Bolt only warns when the token is
 * refused and carries on; readiness needs to know. A refusal (invalid_auth, token_revoked, …) is final
 * for this process, as the token cannot change without a restart; a failure to reach Slack is asked
 * again until Slack answers.
 */
export class SlackTokenCheck {
  readonly #authTest: () => Promise<unknown>;
  readonly #logger: Logger;
  readonly #retryMs: number;
  #state: "unchecked" | "accepted" | "refused" = "unchecked";
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: {
    readonly authTest: () => Promise<unknown>;
    readonly logger: Logger;
    readonly retryMs?: number;
  }) {
    this.#authTest = options.authTest;
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? 5000;
  }

  get accepted(): boolean {
    return this.#state === "accepted";
  }

  /** Runs the check; resolves once Slack has answered or the first attempt failed to reach it. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#check();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }

  async #check(): Promise<void> {
    try {
      await this.#authTest();
      this.#state = "accepted";
    } catch (error) {
      const refusal = slackErrorOf(error);
      if (refusal) {
        this.#state = "refused";
        // The error code only: the token itself is never logged.
        this.#logger.error(
          { slackError: refusal },
          `Slack refused the bot token (auth.test: ${refusal}); check SLACK_BOT_TOKEN: opsbot stays not ready`,
        );
        return;
      }
      this.#logger.warn(
        { err: error, retryInMs: this.#retryMs },
        "Slack could not be reached to check the bot token; trying again",
      );
      if (!this.#stopped) this.#retry = setTimeout(() => void this.#check(), this.#retryMs).unref();
    }
  }
}

/** The `error` of a Slack `{ok:false}` answer; undefined for a network or HTTP failure. */
function slackErrorOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, data } = error as { code?: unknown; data?: { error?: unknown } };
  return code === ErrorCode.PlatformError && typeof data?.error === "string" ? data.error : undefined;
}
