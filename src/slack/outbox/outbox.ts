import { z } from "zod";
import { QUEUE_FULL } from "../../core/ports.js";
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
  ShedKind,
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

/** How much a write matters when the queue is full: a lower rank makes room for a higher one. */
const Rank = { Progress: 0, Normal: 1, Critical: 2 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

const rankOf = (options: SendOptions): Rank =>
  options.critical ? Rank.Critical : options.progress ? Rank.Progress : Rank.Normal;

/** Pending edits of one message: only the latest content is sent, for everyone who asked meanwhile. */
interface UpdateEntry {
  readonly key: string;
  readonly target: { readonly channel: string; readonly ts: string };
  content: UpdateContent;
  critical: boolean;
  rank: Rank;
  waiters: Deferred<void>[];
}

/** A queued write: sends, then hands back how to settle its caller's promise. */
interface Job {
  readonly send: () => Promise<() => void>;
  readonly write: OutboxWrite;
  /** Where it goes, for the per-channel cap (undefined: counted in the overall cap only). */
  readonly channel: string | undefined;
  readonly rank: Rank;
  /** Rejects its caller's promise without sending: the queue shed it. */
  readonly shed: (error: unknown) => void;
}

const Rates = z.object({
  postPerChannelPerSecond: z.number().positive().default(1),
  updatesPerMinute: z.number().positive().default(50),
  ephemeralsPerMinute: z.number().positive().default(100),
  uploadsPerMinute: z.number().positive().default(20),
  maxAttempts: z.number().int().min(1).default(5),
  maxQueuedPerChannel: z.number().int().min(1).default(200),
  maxQueued: z.number().int().min(1).default(5_000),
  retryBudgetMs: z.number().positive().default(600_000),
});

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
  /** Writes waiting or in flight, by channel and in all (response URL posts aside: never queued). */
  readonly #queuedIn = new Map<string, number>();
  #queued = 0;
  readonly #caps: { readonly perChannel: number; readonly total: number };
  readonly #onShed: SlackOutboxOptions["onShed"];
  #shed = 0;
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
      maxQueuedPerChannel: options.maxQueuedPerChannel,
      maxQueued: options.maxQueued,
      retryBudgetMs: options.retryBudgetMs,
    });
    this.#caps = { perChannel: rates.maxQueuedPerChannel, total: rates.maxQueued };
    this.#onShed = options.onShed;
    this.#call = options.call;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
    this.#env = {
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      logger: options.logger,
      maxAttempts: rates.maxAttempts,
      now: this.#now,
      retryBudgetMs: rates.retryBudgetMs,
      stopping: () => this.#stopping,
      onRateLimited: () => {
        this.#rateLimited += 1;
      },
      onOutOfBudget: () => this.#countShed("retry_budget"),
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
    return this.#queued + this.#responding;
  }

  /** Writes dropped so far by a full queue or the retry budget. */
  get shed(): number {
    return this.#shed;
  }

  /** 429s seen so far. */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  /** Resolves once Slack accepted the message. */
  post(message: OutboxMessage, options: SendOptions = {}): Promise<Posted> {
    if (this.#stopping) return Promise.reject(stoppedError("chat.postMessage"));
    const { channel } = message;
    const job = { write: "chat.postMessage", channel, rank: rankOf(options) } as const;
    return this.#queue(postLane(channel), job, async () => {
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
    const rank = rankOf(options);
    if (pending) {
      pending.content = content;
      pending.critical ||= options.critical ?? false;
      pending.rank = pending.rank > rank ? pending.rank : rank;
      pending.waiters.push(waiter);
    } else {
      if (!this.#admit({ write: "chat.update", channel: target.channel, rank }))
        return Promise.reject(queueFull("chat.update"));
      const entry: UpdateEntry = {
        key,
        target: { channel: target.channel, ts: target.ts },
        content,
        critical: options.critical ?? false,
        rank,
        waiters: [waiter],
      };
      this.#count(target.channel, 1);
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
    const job = { write: "chat.postEphemeral", channel: message.channel, rank: rankOf(options) } as const;
    return this.#queue("chat.postEphemeral", job, async () => {
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
    const job = { write: "files.uploadV2", channel: file.channel, rank: rankOf(options) } as const;
    return this.#queue("files.uploadV2", job, async () => {
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

  /** Runs `send` once everything queued before it in `lane` is done, unless the queue is full for it. */
  #queue<T>(lane: string, about: Omit<Job, "send" | "shed">, send: () => Promise<T>): Promise<T> {
    if (!this.#admit(about)) return Promise.reject(queueFull(about.write));
    const done = deferred<T>();
    const job: Job = {
      ...about,
      send: () =>
        send().then(
          (value) => () => done.resolve(value),
          (err: unknown) => () => done.reject(err),
        ),
      shed: (err) => done.reject(err),
    };
    this.#count(about.channel, 1);
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
      const settle = await job.send();
      // Settled and dequeued at once, so that a caller resuming after it never sees it still counted.
      settle();
      queue.shift();
      this.#count(job.channel, -1);
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
      this.#count(entry.target.channel, -1);
    }
    this.#updatesRunning = false;
  }

  #count(channel: string | undefined, by: 1 | -1): void {
    this.#queued += by;
    if (channel === undefined) return;
    const now = (this.#queuedIn.get(channel) ?? 0) + by;
    if (now > 0) this.#queuedIn.set(channel, now);
    else this.#queuedIn.delete(channel);
  }

  /**
   * Whether a new write may join the queue. Under the caps it may. At one, a progress update is not
   * queued; any other write takes the place of the oldest waiting progress update (in its channel when
   * that is what is full); failing that, a critical one is queued beyond the cap and the rest are refused.
   * Only progress ever makes room: a reply or an approval card waiting is never pushed out by another.
   */
  #admit(write: { readonly write: OutboxWrite; readonly channel: string | undefined; readonly rank: Rank }) {
    const channelFull =
      write.channel !== undefined && (this.#queuedIn.get(write.channel) ?? 0) >= this.#caps.perChannel;
    if (!channelFull && this.#queued < this.#caps.total) return true;
    const where = channelFull ? write.channel : undefined;
    const victim = write.rank === Rank.Progress ? undefined : this.#evictProgress(where);
    if (victim) {
      this.#shedOne(victim, channelFull);
      return true;
    }
    if (write.rank === Rank.Critical) {
      this.#env.logger?.warn(
        { method: write.write, channel: write.channel, ...this.#counts(write.channel) },
        "slack queue full: a critical write is queued beyond the cap",
      );
      return true;
    }
    this.#shedOne({ ...write, progress: write.rank === Rank.Progress }, channelFull);
    return false;
  }

  /** Takes out the oldest waiting progress update (never one in flight), in `channel` if given. */
  #evictProgress(
    channel: string | undefined,
  ): { write: OutboxWrite; channel: string | undefined; progress: true } | undefined {
    const wanted = (rank: Rank, at: string | undefined) =>
      rank === Rank.Progress && (channel === undefined || at === channel);
    for (const queue of this.#lanes.values())
      for (let i = 1; i < queue.length; i++) {
        const job = queue[i];
        if (!job || !wanted(job.rank, job.channel)) continue;
        queue.splice(i, 1);
        this.#count(job.channel, -1);
        job.shed(queueFull(job.write));
        return { write: job.write, channel: job.channel, progress: true };
      }
    for (const entry of this.#pendingUpdates.values()) {
      if (!wanted(entry.rank, entry.target.channel)) continue;
      this.#pendingUpdates.delete(entry.key);
      this.#updateQueue.splice(this.#updateQueue.indexOf(entry), 1);
      this.#count(entry.target.channel, -1);
      for (const waiter of entry.waiters) waiter.reject(queueFull("chat.update"));
      return { write: "chat.update", channel: entry.target.channel, progress: true };
    }
    return undefined;
  }

  /** One warning line and one count per write shed. */
  #shedOne(
    shed: { readonly write: OutboxWrite; readonly channel: string | undefined; readonly progress: boolean },
    channelFull: boolean,
  ): void {
    const kind: ShedKind = shed.progress ? "progress" : "message";
    this.#env.logger?.warn(
      {
        shed: kind,
        method: shed.write,
        channel: shed.channel,
        full: channelFull ? "channel" : "all",
        ...this.#counts(shed.channel),
        caps: this.#caps,
      },
      shed.progress
        ? "slack queue full: a progress update was skipped"
        : "slack queue full: a write was refused",
    );
    this.#countShed(kind);
  }

  #countShed(kind: ShedKind): void {
    this.#shed += 1;
    this.#onShed?.(kind);
  }

  #counts(channel: string | undefined) {
    return {
      queuedInChannel: channel === undefined ? undefined : (this.#queuedIn.get(channel) ?? 0),
      queued: this.#queued,
    };
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

/** Refused or taken out of a full queue: never sent, so sending it later is safe. */
function queueFull(method: OutboxWrite): SlackOutboxError {
  return new SlackOutboxError(method, QUEUE_FULL, { attempts: 0, permanent: true });
}

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
