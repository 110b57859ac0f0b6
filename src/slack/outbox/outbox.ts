import type { Logger } from "pino";
import { z } from "zod";
import { type Deferred, deferred } from "./deferred.js";
import { classifyError, classifyResult, type Outcome, SlackOutboxError, STOPPED } from "./errors.js";
import { backoffMs, Pacer } from "./pacer.js";
import type {
  CallResult,
  OutboxCall,
  OutboxMessage,
  OutboxMethod,
  SendOptions,
  SlackOutboxOptions,
  UpdateContent,
} from "./types.js";

export interface Posted {
  readonly ts: string;
  readonly channel: string;
}

interface PostItem {
  readonly message: OutboxMessage;
  readonly critical: boolean;
  readonly done: Deferred<Posted>;
}

/** Pending edits of one message: only the latest content is sent, for everyone who asked meanwhile. */
interface UpdateEntry {
  readonly key: string;
  readonly target: { readonly channel: string; readonly ts: string };
  content: UpdateContent;
  critical: boolean;
  waiters: Deferred<void>[];
}

const Rates = z.object({
  postPerChannelPerSecond: z.number().positive().default(1),
  updatesPerMinute: z.number().positive().default(50),
  maxAttempts: z.number().int().min(1).default(5),
});

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one way channel posts and edits leave for Slack, within its rate limits. Posts queue per channel
 * (FIFO, about one a second); edits share the workspace's chat.update allowance and are coalesced per
 * message. A 429 is waited out for its Retry-After and never counts as a failure; transient errors are
 * retried with backoff; permanent ones reject at once with Slack's code.
 */
export class SlackOutbox {
  readonly #call: OutboxCall;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #logger: Logger | undefined;
  readonly #postIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #findPosted: SlackOutboxOptions["findPosted"];

  readonly #lanes = new Map<string, PostItem[]>();
  readonly #postPacers = new Map<string, Pacer>();
  readonly #updatePacer: Pacer;
  /** Entries in send order; the head may be in flight. */
  readonly #updateQueue: UpdateEntry[] = [];
  /** Entries not yet in flight, by message, so new edits can join them. */
  readonly #pendingUpdates = new Map<string, UpdateEntry>();
  readonly #workers = new Set<Promise<void>>();
  #updatesRunning = false;
  #stopping = false;
  #rateLimited = 0;

  constructor(options: SlackOutboxOptions) {
    const rates = Rates.parse({
      postPerChannelPerSecond: options.postPerChannelPerSecond,
      updatesPerMinute: options.updatesPerMinute,
      maxAttempts: options.maxAttempts,
    });
    this.#call = options.call;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger;
    this.#findPosted = options.findPosted;
    this.#postIntervalMs = 1000 / rates.postPerChannelPerSecond;
    this.#maxAttempts = rates.maxAttempts;
    this.#updatePacer = new Pacer(60_000 / rates.updatesPerMinute);
  }

  /** Messages waiting or in flight (coalesced edits count once). */
  get depth(): number {
    let posts = 0;
    for (const lane of this.#lanes.values()) posts += lane.length;
    return posts + this.#updateQueue.length;
  }

  /** 429s seen so far. */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  /** Resolves once Slack accepted the message. */
  post(message: OutboxMessage, options: SendOptions = {}): Promise<Posted> {
    if (this.#stopping) return Promise.reject(stoppedError("chat.postMessage"));
    const item: PostItem = { message, critical: options.critical ?? false, done: deferred() };
    const lane = this.#lanes.get(message.channel);
    if (lane) {
      lane.push(item);
    } else {
      const fresh = [item];
      this.#lanes.set(message.channel, fresh);
      this.#spawn(() => this.#drainPosts(message.channel, fresh));
    }
    return item.done.promise;
  }

  /**
   * Edits a message. Edits of the same message that pile up are coalesced: only the latest content is
   * sent, and every caller's promise resolves once a version at least as new as theirs is in Slack.
   */
  update(
    target: { channel: string; ts: string },
    content: UpdateContent,
    options: SendOptions = {},
  ): Promise<void> {
    if (this.#stopping) return Promise.reject(stoppedError("chat.update"));
    const waiter = deferred<void>();
    const key = `${target.channel}\u0000${target.ts}`;
    const pending = this.#pendingUpdates.get(key);
    if (pending) {
      pending.content = content;
      pending.critical ||= options.critical ?? false;
      pending.waiters.push(waiter);
    } else {
      const entry: UpdateEntry = {
        key,
        target: { channel: target.channel, ts: target.ts },
        content,
        critical: options.critical ?? false,
        waiters: [waiter],
      };
      this.#pendingUpdates.set(key, entry);
      this.#updateQueue.push(entry);
      if (!this.#updatesRunning) {
        this.#updatesRunning = true;
        this.#spawn(() => this.#drainUpdates());
      }
    }
    return waiter.promise;
  }

  /** Sends everything queued, waiting for rate windows as needed, then resolves. */
  async flush(): Promise<void> {
    while (this.#workers.size > 0) await Promise.all([...this.#workers]);
  }

  /** Refuses new work from now on, then flushes. Critical messages stop retrying past maxAttempts. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.flush();
  }

  #spawn(work: () => Promise<void>): void {
    const worker = work().finally(() => this.#workers.delete(worker));
    this.#workers.add(worker);
  }

  async #drainPosts(channel: string, lane: PostItem[]): Promise<void> {
    const pacer = this.#postPacer(channel);
    for (let item = lane[0]; item !== undefined; item = lane[0]) {
      try {
        const result = await this.#deliver("chat.postMessage", postArgs(item.message), pacer, item.critical);
        if (result.ts === undefined) {
          throw new SlackOutboxError("chat.postMessage", "invalid_response", {
            attempts: 1,
            permanent: true,
          });
        }
        item.done.resolve({ ts: result.ts, channel: result.channel ?? channel });
      } catch (err) {
        item.done.reject(err);
      }
      lane.shift();
    }
    this.#lanes.delete(channel);
  }

  async #drainUpdates(): Promise<void> {
    for (let entry = this.#updateQueue[0]; entry !== undefined; entry = this.#updateQueue[0]) {
      // From here on, new edits of this message wait for the next round.
      this.#pendingUpdates.delete(entry.key);
      const args = { ...entry.target, ...updateArgs(entry.content) };
      try {
        await this.#deliver("chat.update", args, this.#updatePacer, entry.critical);
        for (const w of entry.waiters) w.resolve();
      } catch (err) {
        const newer = this.#pendingUpdates.get(entry.key);
        // A newer version is still to be sent: it settles these callers too.
        if (newer) newer.waiters.unshift(...entry.waiters);
        else for (const w of entry.waiters) w.reject(err);
      }
      this.#updateQueue.shift();
    }
    this.#updatesRunning = false;
  }

  /** One pacer per channel, kept while it still remembers a recent post or a Retry-After. */
  #postPacer(channel: string): Pacer {
    const known = this.#postPacers.get(channel);
    if (known) return known;
    const now = this.#now();
    for (const [other, pacer] of this.#postPacers) {
      if (pacer.idle(now) && !this.#lanes.has(other)) this.#postPacers.delete(other);
    }
    const pacer = new Pacer(this.#postIntervalMs);
    this.#postPacers.set(channel, pacer);
    return pacer;
  }

  /** Calls until Slack accepts, a permanent error, or too many transient failures. */
  async #deliver(
    method: OutboxMethod,
    args: Record<string, unknown>,
    pacer: Pacer,
    critical: boolean,
  ): Promise<CallResult> {
    let attempts = 0;
    let failures = 0;
    for (;;) {
      const wait = pacer.reserve(this.#now());
      if (wait > 0) await this.#sleep(wait);
      attempts += 1;
      const outcome = await this.#attempt(method, args);
      if (method === "chat.postMessage" && mayHaveLanded(outcome)) {
        const ts = await this.#lookForPost(args);
        if (ts) return { ok: true, ts, channel: String(args.channel) };
      }
      switch (outcome.kind) {
        case "ok":
          return outcome.result;
        case "rate_limited":
          this.#rateLimited += 1;
          pacer.holdUntil(this.#now() + outcome.retryAfterMs);
          this.#logger?.warn(
            { method, channel: args.channel, retryAfterMs: outcome.retryAfterMs },
            "slack rate limited",
          );
          continue;
        case "permanent":
          throw new SlackOutboxError(method, outcome.code, {
            attempts,
            permanent: true,
            cause: outcome.cause,
          });
        case "transient": {
          failures += 1;
          const keepTrying = critical && !this.#stopping;
          if (failures >= this.#maxAttempts && !keepTrying) {
            this.#logger?.error(
              { method, channel: args.channel, code: outcome.code, attempts },
              "slack gave up",
            );
            throw new SlackOutboxError(method, outcome.code, {
              attempts,
              permanent: false,
              cause: outcome.cause,
            });
          }
          const delay = backoffMs(failures, this.#random);
          this.#logger?.warn(
            { method, channel: args.channel, code: outcome.code, attempts, delayMs: delay },
            "slack call failed, retrying",
          );
          await this.#sleep(delay);
        }
      }
    }
  }

  /** A post whose answer was lost, found in Slack by its metadata (only posts that carry metadata). */
  async #lookForPost(args: Record<string, unknown>): Promise<string | undefined> {
    if (!this.#findPosted || args.metadata === undefined) return undefined;
    try {
      return await this.#findPosted(args);
    } catch (error) {
      this.#logger?.warn(
        { err: error, channel: args.channel },
        "could not look for a post whose answer was lost",
      );
      return undefined;
    }
  }

  async #attempt(method: OutboxMethod, args: Record<string, unknown>): Promise<Outcome> {
    try {
      return classifyResult(await this.#call(method, args));
    } catch (err) {
      return classifyError(err);
    }
  }
}

/** Failures after which Slack may still have carried the call out: its answer was lost or spoiled. */
function mayHaveLanded(outcome: Outcome): boolean {
  if (outcome.kind === "ok" || outcome.kind === "rate_limited") return false;
  return (
    outcome.code === "request_error" ||
    outcome.code === "invalid_response" ||
    outcome.code === "internal_error" ||
    outcome.code === "fatal_error" ||
    /^http_5\d\d$/.test(outcome.code)
  );
}

function stoppedError(method: OutboxMethod): SlackOutboxError {
  return new SlackOutboxError(method, STOPPED, { attempts: 0, permanent: true });
}

/** Only the fields Slack should see, without undefined ones (form encoding would send "undefined"). */
function postArgs(m: OutboxMessage): Record<string, unknown> {
  return {
    channel: m.channel,
    ...updateArgs(m),
    ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
    ...(m.reply_broadcast === undefined ? {} : { reply_broadcast: m.reply_broadcast }),
  };
}

function updateArgs(c: UpdateContent): Record<string, unknown> {
  return {
    text: c.text,
    ...(c.blocks === undefined ? {} : { blocks: c.blocks }),
    ...(c.metadata === undefined ? {} : { metadata: c.metadata }),
  };
}
