import { ErrorCode } from "@slack/web-api";
import type { Logger } from "pino";

/** What auth.test answers that the bot keeps: who it is in the workspace. */
export interface BotIdentity {
  readonly botId: string;
  readonly botUserId: string;
  /** The workspace the token belongs to. */
  readonly teamId?: string;
  /** The Grid organisation, when the app is installed organisation-wide. */
  readonly enterpriseInstall?: string;
}

/** What opsbot reads of an auth.test answer. */
export interface AuthTestAnswer {
  readonly bot_id?: string;
  readonly user_id?: string;
  readonly team_id?: string;
  readonly enterprise_id?: string;
  readonly is_enterprise_install?: boolean;
}

type AuthTest = () => Promise<AuthTestAnswer>;

export function identityOf(answer: AuthTestAnswer): BotIdentity {
  return {
    botId: answer.bot_id ?? "",
    botUserId: answer.user_id ?? "",
    ...(answer.team_id ? { teamId: answer.team_id } : {}),
    ...(answer.is_enterprise_install && answer.enterprise_id
      ? { enterpriseInstall: answer.enterprise_id }
      : {}),
  };
}

/**
 * Whether Slack accepts the bot token, from one auth.test at start-up; readiness needs to know. A
 * refusal (invalid_auth, token_revoked, …) is final for this process, as the token cannot change
 * without a restart; a failure to reach Slack is asked again until Slack answers.
 */
export class SlackTokenCheck {
  readonly #authTest: AuthTest;
  readonly #logger: Logger;
  readonly #retryMs: number;
  #state: "unchecked" | "accepted" | "refused" = "unchecked";
  #identity: BotIdentity | undefined;
  #started: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: {
    readonly authTest: AuthTest;
    readonly logger: Logger;
    readonly retryMs?: number;
  }) {
    this.#authTest = options.authTest;
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? 5000;
  }

  /**
   * A check already passed: start-up asks auth.test itself and stops on a refusal (startup/token.ts),
   * then hands the bot the answer.
   */
  static passed(identity: BotIdentity, logger: Logger): SlackTokenCheck {
    const check = new SlackTokenCheck({
      authTest: () => Promise.reject(new Error("already checked")),
      logger,
    });
    check.#identity = identity;
    check.#state = "accepted";
    check.#started = Promise.resolve();
    return check;
  }

  get accepted(): boolean {
    return this.#state === "accepted";
  }

  /** The bot's IDs, once Slack has accepted the token. */
  get identity(): BotIdentity | undefined {
    return this.#identity;
  }

  /** Runs the check once; resolves when Slack has answered or the first attempt failed to reach it. */
  start(): Promise<void> {
    this.#started ??= this.#check();
    return this.#started;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }

  async #check(): Promise<void> {
    try {
      const answer = await this.#authTest();
      this.#identity = identityOf(answer);
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
export function slackErrorOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, data } = error as { code?: unknown; data?: { error?: unknown } };
  return code === ErrorCode.PlatformError && typeof data?.error === "string" ? data.error : undefined;
}
