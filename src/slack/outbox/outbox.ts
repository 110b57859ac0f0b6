import { z } from "zod";
import { ephemeralArgs, postArgs, updateArgs, uploadArgs } from "./args.js";
import { type Deferred, deferred } from "./deferred.js";
import { type Delivery, type DeliveryEnv, deliver, viaCall } from "./delivery.js";
import { SlackOutboxError, STOPPED } from "./errors.js";
import { type LaneSlots, LocalPacing, laneSlots, type Pacing } from "./pacer.js";
import { isResponseUrl, postToResponseUrl } from "./response-url.js";
import type {
  CallResult,
  EphemeralMessage,
  OutboxCall,
  OutboxFile,
  OutboxMessage,
  OutboxMethod,
  OutboxWrite,
  RespondOptions,
  SendOptions,
  SlackOutboxOptions,
  UpdateContent,
} from "./types.js";

export interface Posted {
  readonly ts: string;
  readonly channel: string;
}

export interface Uploaded {
  readonly fileId: string;
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
  ephemeralsPerMinute: z.number().positive().default(100),
  uploadsPerMinute: z.number().positive().default(20),
  maxAttempts: z.number().int().min(1).default(5),
});

/** A queued write: sends, then hands back how to settle its caller's promise. */
type Job = () => Promise<() => void>;

const RESPOND_TIMEOUT_MS = 10_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one way writes leave for Slack, within its rate limits. Posts queue per channel (FIFO, about one
 * a second); edits share the workspace's chat.update allowance and are coalesced per message;
 * ephemeral replies and uploads queue workspace-wide, each kind at its own pace; response URL posts go
 * at once. A 429 is waited out for its Retry-After and never counts as a failure; failures that
 * certainly did not reach Slack are retried with backoff; permanent ones reject at once with Slack's
 * code; what happens after an unknown outcome depends on the kind (see retry-rules.ts).
 */
export class SlackOutbox {
  readonly #call: OutboxCall;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #env: DeliveryEnv;
  readonly #findPosted: SlackOutboxOptions["findPosted"];
  readonly #pacing: Pacing;
  /** This process's own pacing: the default, and the stand-by while a shared one fails. */
  readonly #fallback: LocalPacing;
  readonly #intervals: Readonly<Record<"post" | "update" | "ephemeral" | "upload", number>>;

  /** FIFO queues by lane (a channel's posts, ephemerals, uploads); the head may be in flight. */
  readonly #lanes = new Map<string, Job[]>();
  /** Entries in send order; the head may be in flight. */
  readonly #updateQueue: UpdateEntry[] = [];
  /** Entries not yet in flight, by message, so new edits can join them. */
  readonly #pendingUpdates = new Map<string, UpdateEntry>();
  readonly #workers = new Set<Promise<void>>();
  #updatesRunning = false;
  #responding = 0;
  #stopping = false;
  #rateLimited = 0;

  constructor(options: SlackOutboxOptions) {
    const rates = Rates.parse({
      postPerChannelPerSecond: options.postPerChannelPerSecond,
      updatesPerMinute: options.updatesPerMinute,
      ephemeralsPerMinute: options.ephemeralsPerMinute,
      uploadsPerMinute: options.uploadsPerMinute,
      maxAttempts: options.maxAttempts,
    });
    this.#call = options.call;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
    this.#env = {
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      logger: options.logger,
      maxAttempts: rates.maxAttempts,
      stopping: () => this.#stopping,
      onRateLimited: () => {
        this.#rateLimited += 1;
      },
    };
    this.#findPosted = options.findPosted;
    this.#fallback = new LocalPacing(this.#now);
    this.#pacing = options.pacing ?? this.#fallback;
    this.#intervals = {
      post: 1000 / rates.postPerChannelPerSecond,
      update: 60_000 / rates.updatesPerMinute,
      ephemeral: 60_000 / rates.ephemeralsPerMinute,
      upload: 60_000 / rates.uploadsPerMinute,
    };
  }

  /** Writes waiting or in flight, of every kind (coalesced edits count once). */
  get depth(): number {
    let queued = 0;
    for (const lane of this.#lanes.values()) queued += lane.length;
    return queued + this.#updateQueue.length + this.#responding;
  }

  /** 429s seen so far. */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  /** Resolves once Slack accepted the message. */
  post(message: OutboxMessage, options: SendOptions = {}): Promise<Posted> {
    if (this.#stopping) return Promise.reject(stoppedError("chat.postMessage"));
    const { channel } = message;
    return this.#queue(postLane(channel), async () => {
      const args = postArgs(message);
      const result = await this.#deliver({
        ...this.#viaCall("chat.postMessage", args, options),
        slots: this.#slots(postLane(channel), this.#intervals.post),
        about: { channel },
        ...this.#lookFor(args),
      });
      if (result.ts === undefined) throw invalidAnswer("chat.postMessage");
      return { ts: result.ts, channel: result.channel ?? channel };
    });
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

  /** Shows `message` to one user in a channel; resolves once Slack accepted it. */
  ephemeral(message: EphemeralMessage, options: SendOptions = {}): Promise<void> {
    if (this.#stopping) return Promise.reject(stoppedError("chat.postEphemeral"));
    return this.#queue("chat.postEphemeral", async () => {
      await this.#deliver({
        ...this.#viaCall("chat.postEphemeral", ephemeralArgs(message), options),
        slots: this.#slots("chat.postEphemeral", this.#intervals.ephemeral),
        about: { channel: message.channel, user: message.user },
      });
    });
  }

  /** Shares a text file in a channel (or a thread); resolves with its file ID once Slack shared it. */
  upload(file: OutboxFile, options: SendOptions = {}): Promise<Uploaded> {
    if (this.#stopping) return Promise.reject(stoppedError("files.uploadV2"));
    return this.#queue("files.uploadV2", async () => {
      const result = await this.#deliver({
        ...this.#viaCall("files.uploadV2", uploadArgs(file), options),
        slots: this.#slots("files.uploadV2", this.#intervals.upload),
        about: { channel: file.channel },
      });
      const fileId = result.files?.[0]?.id;
      if (fileId === undefined) throw invalidAnswer("files.uploadV2");
      return { fileId };
    });
  }

  /**
   * POSTs `message` to a response URL; resolves once Slack accepted it. Not queued: each response URL
   * is its own, with no workspace allowance to share.
   */
  respond(
    responseUrl: string,
    message: Record<string, unknown>,
    options: RespondOptions = {},
  ): Promise<void> {
    if (this.#stopping) return Promise.reject(stoppedError("response_url"));
    if (!isResponseUrl(responseUrl)) {
      return Promise.reject(
        new SlackOutboxError("response_url", "invalid_url", { attempts: 0, permanent: true }),
      );
    }
    const timeoutMs = options.timeoutMs ?? RESPOND_TIMEOUT_MS;
    const done = deferred<void>();
    this.#responding += 1;
    this.#spawn(async () => {
      try {
        await this.#deliver({
          write: "response_url",
          attempt: () => postToResponseUrl(this.#fetch, responseUrl, message, timeoutMs),
          // Its own: a Retry-After from one response URL says nothing about the others.
          slots: laneSlots(new LocalPacing(this.#now), "response_url", 0),
          critical: false,
          about: {},
        });
        done.resolve();
      } catch (err) {
        done.reject(err);
      } finally {
        this.#responding -= 1;
      }
    });
    return done.promise;
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

  /** Runs `send` once everything queued before it in `lane` is done. */
  #queue<T>(lane: string, send: () => Promise<T>): Promise<T> {
    const done = deferred<T>();
    const job: Job = () =>
      send().then(
        (value) => () => done.resolve(value),
        (err: unknown) => () => done.reject(err),
      );
    const queue = this.#lanes.get(lane);
    if (queue) {
      queue.push(job);
    } else {
      const fresh = [job];
      this.#lanes.set(lane, fresh);
      this.#spawn(() => this.#drain(lane, fresh));
    }
    return done.promise;
  }

  async #drain(lane: string, queue: Job[]): Promise<void> {
    for (let job = queue[0]; job !== undefined; job = queue[0]) {
      const settle = await job();
      // Settled and dequeued at once, so that a caller resuming after it never sees it still counted.
      settle();
      queue.shift();
    }
    this.#lanes.delete(lane);
  }

  async #drainUpdates(): Promise<void> {
    for (let entry = this.#updateQueue[0]; entry !== undefined; entry = this.#updateQueue[0]) {
      // From here on, new edits of this message wait for the next round.
      this.#pendingUpdates.delete(entry.key);
      const args = { ...entry.target, ...updateArgs(entry.content) };
      try {
        await this.#deliver({
          ...this.#viaCall("chat.update", args, { critical: entry.critical }),
          slots: this.#slots("chat.update", this.#intervals.update),
          about: { channel: entry.target.channel },
        });
        for (const waiter of entry.waiters) waiter.resolve();
      } catch (err) {
        const newer = this.#pendingUpdates.get(entry.key);
        // A newer version is still to be sent: it settles these callers too.
        if (newer) newer.waiters.unshift(...entry.waiters);
        else for (const waiter of entry.waiters) waiter.reject(err);
      }
      this.#updateQueue.shift();
    }
    this.#updatesRunning = false;
  }

  /**
   * A lane's slots. Should the shared pacing fail (the store unreachable), the write is paced in this
   * process alone rather than held up: Slack's 429s still stop anything worse.
   */
  #slots(lane: string, intervalMs: number): LaneSlots {
    const shared = laneSlots(this.#pacing, lane, intervalMs);
    if (this.#pacing === this.#fallback) return shared;
    const local = laneSlots(this.#fallback, lane, intervalMs);
    const warn = (err: unknown) =>
      this.#env.logger?.warn({ err, lane }, "shared slack pacing failed; pacing this process alone");
    return {
      reserve: () =>
        shared.reserve().catch((err: unknown) => {
          warn(err);
          return local.reserve();
        }),
      hold: (ms) =>
        shared.hold(ms).catch((err: unknown) => {
          warn(err);
          return local.hold(ms);
        }),
    };
  }

  #viaCall(method: OutboxMethod, args: Record<string, unknown>, options: SendOptions) {
    return { write: method, attempt: viaCall(this.#call, method, args), critical: options.critical ?? false };
  }

  #deliver(delivery: Delivery): Promise<CallResult> {
    return deliver(delivery, this.#env);
  }

  /** Only a post with metadata can be found again, and only with `findPosted`. */
  #lookFor(args: Record<string, unknown>): Pick<Delivery, "look"> {
    const findPosted = this.#findPosted;
    if (!findPosted || args.metadata === undefined) return {};
    return {
      look: async () => {
        const ts = await findPosted(args);
        return ts ? { ok: true, ts, channel: String(args.channel) } : undefined;
      },
    };
  }
}

/** Lane names are shared by every replica pacing through one store: keep them stable. */
const postLane = (channel: string) => `chat.postMessage:${channel}`;

function stoppedError(method: OutboxWrite): SlackOutboxError {
  return new SlackOutboxError(method, STOPPED, { attempts: 0, permanent: true });
}

/** Slack said ok but left out what it should return; the write happened, so it is not sent again. */
function invalidAnswer(method: OutboxWrite): SlackOutboxError {
  return new SlackOutboxError(method, "invalid_response", {
    attempts: 1,
    permanent: true,
    outcomeUnknown: true,
  });
}
