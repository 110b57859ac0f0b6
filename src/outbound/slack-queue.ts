import type { Logger } from "pino";
import type { SlackMessage, SlackSink } from "../followups/sink.js";

/**
 * The one way opsbot's channel posts and edits leave for Slack, within its rate limits: chat.postMessage
 * at about one message a second per channel (in order), chat.update spread over the workspace's Tier 3
 * allowance and coalesced so that only the latest content of a message is sent when edits pile up. A
 * 429 is waited out for its Retry-After and never counts as a failure; transient errors are retried with
 * backoff; a `critical` message (a final state) is retried until the queue stops; permanent errors
 * reject at once with Slack's code.
 */

export type SlackCall = (
  method: "chat.postMessage" | "chat.update" | "conversations.replies",
  args: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

export interface QueueClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: QueueClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SlackQueueOptions {
  readonly call: SlackCall;
  readonly postsPerChannelPerSecond?: number;
  readonly updatesPerMinute?: number;
  /** Transient failures before a message that is not critical is given up. */
  readonly maxAttempts?: number;
  readonly clock?: QueueClock;
  readonly logger?: Logger;
}

export class SlackSendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SlackSendError";
  }
}

interface Job<T> {
  readonly critical: boolean;
  attempts: number;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

interface PostJob extends Job<{ ts: string }> {
  readonly message: SlackMessage;
}

interface UpdateJob {
  readonly target: { channel: string; ts: string };
  message: Omit<SlackMessage, "channel" | "thread_ts" | "reply_broadcast">;
  critical: boolean;
  attempts: number;
  /** Everyone waiting for this message's latest content to be sent. */
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

const TRANSIENT = new Set([
  "ratelimited",
  "service_unavailable",
  "internal_error",
  "fatal_error",
  "request_timeout",
  "team_not_ready",
]);

type Verdict =
  | { kind: "rate-limited"; retryAfterMs: number }
  | { kind: "transient" }
  | { kind: "permanent"; code: string };

export class SlackQueue implements SlackSink {
  readonly #call: SlackCall;
  readonly #postGapMs: number;
  readonly #updateGapMs: number;
  readonly #maxAttempts: number;
  readonly #clock: QueueClock;
  readonly #logger: Logger | undefined;
  readonly #posts = new Map<string, PostJob[]>();
  readonly #postNext = new Map<string, number>();
  readonly #pumping = new Set<string>();
  readonly #updates = new Map<string, UpdateJob>();
  #updateNext = 0;
  #updatePumping = false;
  #rateLimited = 0;
  #sent = 0;
  #stopping = false;
  readonly #idle: (() => void)[] = [];

  constructor(options: SlackQueueOptions) {
    this.#call = options.call;
    this.#postGapMs = 1000 / (options.postsPerChannelPerSecond ?? 1);
    this.#updateGapMs = 60_000 / (options.updatesPerMinute ?? 50);
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#clock = options.clock ?? REAL_CLOCK;
    this.#logger = options.logger;
  }

  /** Messages and edits waiting to be sent. */
  get depth(): number {
    let n = this.#updates.size;
    for (const jobs of this.#posts.values()) n += jobs.length;
    return n;
  }

  /** 429s Slack answered (each waited out and retried). */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  get sent(): number {
    return this.#sent;
  }

  post(message: SlackMessage, options: { critical?: boolean } = {}): Promise<{ ts: string }> {
    if (this.#stopping) return Promise.reject(new SlackSendError("stopping", "opsbot is shutting down"));
    return new Promise((resolve, reject) => {
      const queue = this.#posts.get(message.channel) ?? [];
      queue.push({ message, critical: options.critical ?? false, attempts: 0, resolve, reject });
      this.#posts.set(message.channel, queue);
      void this.#pumpPosts(message.channel);
    });
  }

  update(
    target: { channel: string; ts: string },
    message: Omit<SlackMessage, "channel" | "thread_ts" | "reply_broadcast">,
    options: { critical?: boolean } = {},
  ): Promise<void> {
    if (this.#stopping) return Promise.reject(new SlackSendError("stopping", "opsbot is shutting down"));
    return new Promise((resolve, reject) => {
      const key = `${target.channel}:${target.ts}`;
      const queued = this.#updates.get(key);
      if (queued) {
        // Coalesced: the newer content replaces what was waiting; everyone is answered when it is sent.
        queued.message = message;
        queued.critical ||= options.critical ?? false;
        queued.waiters.push({ resolve, reject });
      } else
        this.#updates.set(key, {
          target,
          message,
          critical: options.critical ?? false,
          attempts: 0,
          waiters: [{ resolve, reject }],
        });
      void this.#pumpUpdates();
    });
  }

  async repliesWithMetadata(channel: string, ts: string) {
    const res = await this.#call("conversations.replies", {
      channel,
      ts,
      include_all_metadata: true,
      limit: 200,
    });
    const messages = Array.isArray(res.messages) ? (res.messages as Record<string, unknown>[]) : [];
    return messages.map((m) => ({
      ts: String(m.ts ?? ""),
      ...(m.metadata && typeof m.metadata === "object"
        ? { metadata: m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } }
        : {}),
    }));
  }

  /** Resolves once everything queued so far has been sent (or given up). */
  flush(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Sends what is queued, then refuses new work. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.flush();
  }

  async #pumpPosts(channel: string): Promise<void> {
    if (this.#pumping.has(channel)) return;
    this.#pumping.add(channel);
    try {
      const queue = this.#posts.get(channel) ?? [];
      while (queue.length > 0) {
        const job = queue[0];
        if (!job) break;
        await this.#waitUntil(this.#postNext.get(channel) ?? 0);
        const outcome = await this.#send("chat.postMessage", { ...job.message });
        if (outcome.ok) {
          this.#postNext.set(channel, this.#clock.now() + this.#postGapMs);
          queue.shift();
          job.resolve({ ts: outcome.ts ?? "" });
          continue;
        }
        const next = this.#handle(outcome.verdict, job, "chat.postMessage");
        if (next === "drop") queue.shift();
        else this.#postNext.set(channel, this.#clock.now() + next);
      }
      this.#posts.delete(channel);
    } finally {
      this.#pumping.delete(channel);
      this.#maybeIdle();
    }
  }

  async #pumpUpdates(): Promise<void> {
    if (this.#updatePumping) return;
    this.#updatePumping = true;
    try {
      while (this.#updates.size > 0) {
        await this.#waitUntil(this.#updateNext);
        const [key, job] = this.#updates.entries().next().value as [string, UpdateJob];
        // Taken off the map while it is in flight: an edit arriving meanwhile queues a newer version.
        this.#updates.delete(key);
        const sending = job.message;
        const outcome = await this.#send("chat.update", {
          ...sending,
          channel: job.target.channel,
          ts: job.target.ts,
        });
        if (outcome.ok) {
          this.#updateNext = this.#clock.now() + this.#updateGapMs;
          for (const w of job.waiters) w.resolve();
          continue;
        }
        const next = this.#handle(outcome.verdict, job, "chat.update");
        if (next === "drop") {
          continue;
        }
        this.#updateNext = this.#clock.now() + next;
        // Back in the queue, unless a newer version arrived meanwhile: then it carries these waiters.
        const newer = this.#updates.get(key);
        if (newer) {
          newer.waiters.push(...job.waiters);
          newer.critical ||= job.critical;
        } else this.#updates.set(key, job);
      }
    } finally {
      this.#updatePumping = false;
      this.#maybeIdle();
    }
  }

  /** What to do after a failed send: wait this long and retry, or drop (the caller was told). */
  #handle(
    verdict: Verdict,
    job: {
      critical: boolean;
      attempts: number;
      reject?: (error: Error) => void;
      waiters?: UpdateJob["waiters"];
    },
    method: string,
  ): number | "drop" {
    const fail = (error: Error) => {
      if (job.reject) job.reject(error);
      for (const w of job.waiters ?? []) w.reject(error);
    };
    if (verdict.kind === "rate-limited") {
      this.#rateLimited += 1;
      return verdict.retryAfterMs;
    }
    if (verdict.kind === "permanent") {
      fail(new SlackSendError(verdict.code, `${method} failed: ${verdict.code}`));
      return "drop";
    }
    job.attempts += 1;
    if (!job.critical && job.attempts >= this.#maxAttempts) {
      fail(new SlackSendError("gave_up", `${method} failed ${job.attempts} times`));
      return "drop";
    }
    const backoff = Math.min(30_000, 500 * 2 ** Math.min(job.attempts, 6));
    this.#logger?.warn(
      { method, attempts: job.attempts, critical: job.critical },
      "a Slack call failed; retrying",
    );
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  async #send(
    method: "chat.postMessage" | "chat.update",
    args: Record<string, unknown>,
  ): Promise<{ ok: true; ts?: string } | { ok: false; verdict: Verdict }> {
    try {
      const res = await this.#call(method, args);
      this.#sent += 1;
      return { ok: true, ...(typeof res.ts === "string" ? { ts: res.ts } : {}) };
    } catch (error) {
      return { ok: false, verdict: verdictOf(error) };
    }
  }

  async #waitUntil(at: number): Promise<void> {
    const wait = at - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait);
  }

  #maybeIdle(): void {
    if (this.depth > 0 || this.#pumping.size > 0 || this.#updatePumping) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}

/** How @slack/web-api reports what went wrong, as what to do about it. */
function verdictOf(error: unknown): Verdict {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
  if (e?.code === "slack_webapi_rate_limited_error")
    return { kind: "rate-limited", retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e?.code === "slack_webapi_platform_error") {
    const code = e.data?.error ?? "unknown_error";
    if (code === "ratelimited") return { kind: "rate-limited", retryAfterMs: 1000 };
    return TRANSIENT.has(code) ? { kind: "transient" } : { kind: "permanent", code };
  }
  // Request errors (the network) and HTTP errors (5xx) are worth another try.
  return { kind: "transient" };
}
