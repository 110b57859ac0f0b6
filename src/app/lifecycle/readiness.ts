/**
 * Whether this replica should be sent work: it has started and is not stopping, its store answers,
 * Slack accepted its bot token, and (in Socket Mode) its WebSocket to Slack is open. The report names
 * each failing check, so whoever reads a 503 knows where to look.
 */

export type ReadinessCheck = "starting" | "stopping" | "store" | "slack" | "socket";

export interface ReadinessReport {
  readonly ready: boolean;
  readonly failing: readonly ReadinessCheck[];
}

export interface ReadinessOptions {
  /** A trivial query on the store; rejects when the database does not answer. */
  readonly pingStore: () => Promise<void>;
  /** Whether auth.test accepted the bot token at start-up. */
  readonly slackAccepted: () => boolean;
  /** Socket Mode only: whether the WebSocket to Slack is open now. */
  readonly socketOpen?: () => boolean;
  /** How long one store ping answers for every probe: a probe storm must not become a query storm. */
  readonly storeCacheMs?: number;
  /** A ping slower than this counts as failed (a pool waiting on an unreachable server never answers). */
  readonly storeTimeoutMs?: number;
  readonly now?: () => number;
}

type Phase = "starting" | "serving" | "stopping";

export class Readiness {
  readonly #options: ReadinessOptions;
  readonly #now: () => number;
  #phase: Phase = "starting";
  #store: { readonly ok: boolean; readonly at: number } | undefined;
  #pinging: Promise<boolean> | undefined;

  constructor(options: ReadinessOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Start-up has finished: the checks decide from now on. */
  serving(): void {
    if (this.#phase === "starting") this.#phase = "serving";
  }

  /** A shutdown began: not ready again, whatever the checks say. */
  stopping(): void {
    this.#phase = "stopping";
  }

  async report(): Promise<ReadinessReport> {
    // Starting or stopping, the store may not be open: nothing else is asked.
    if (this.#phase !== "serving") return { ready: false, failing: [this.#phase] };
    const failing: ReadinessCheck[] = [];
    if (!(await this.#storeAnswers())) failing.push("store");
    if (!this.#options.slackAccepted()) failing.push("slack");
    if (this.#options.socketOpen && !this.#options.socketOpen()) failing.push("socket");
    return { ready: failing.length === 0, failing };
  }

  async #storeAnswers(): Promise<boolean> {
    const cached = this.#store;
    if (cached && this.#now() - cached.at < (this.#options.storeCacheMs ?? 1500)) return cached.ok;
    // Probes that arrive while a ping is out wait for that one.
    this.#pinging ??= this.#ping().then((ok) => {
      this.#store = { ok, at: this.#now() };
      this.#pinging = undefined;
      return ok;
    });
    return this.#pinging;
  }

  async #ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, this.#options.storeTimeoutMs ?? 1000, false);
    });
    try {
      return await Promise.race([
        this.#options.pingStore().then(
          () => true,
          () => false,
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
