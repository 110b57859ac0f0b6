import type { RateLimitOptions } from "./types.js";

/** Per-minute allowances by tier, from Slack's rate-limit page (the floor of each tier). */
const TIER = { 1: 1, 2: 20, 3: 50, 4: 100, special: 600 } as const;

const METHOD_TIERS: Readonly<Record<string, number>> = {
  "auth.test": TIER.special,
  "chat.update": TIER[3],
  "chat.delete": TIER[3],
  "chat.postEphemeral": TIER[4],
  "views.open": TIER[4],
  "views.update": TIER[4],
  "views.push": TIER[4],
  "views.publish": TIER[4],
  "users.info": TIER[4],
  "users.lookupByEmail": TIER[3],
  "usergroups.users.list": TIER[2],
  "conversations.info": TIER[3],
  "conversations.replies": TIER[3],
  "conversations.history": TIER[3],
  "files.getUploadURLExternal": TIER[4],
  "files.completeUploadExternal": TIER[4],
};

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed as Slack counts: per method, and per channel for chat.postMessage ("1 message per
 * second to a specific channel ... generous burst behavior"). A bucket starts full.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #postPerSecond: number;
  readonly #postBurst: number;
  readonly #perMinute: Readonly<Record<string, number>>;

  constructor(options: RateLimitOptions = {}) {
    this.#postPerSecond = options.postMessagePerSecond ?? 1;
    this.#postBurst = options.postMessageBurst ?? 3;
    this.#perMinute = options.perMinute ?? {};
  }

  /** Takes one token; returns the Retry-After in whole seconds when there is none. */
  take(method: string, args: Readonly<Record<string, unknown>>, nowMs: number): number | undefined {
    const { key, capacity, perSecond } = this.#rule(method, args);
    const bucket = this.#buckets.get(key) ?? { tokens: capacity, updatedAt: nowMs };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  #rule(method: string, args: Readonly<Record<string, unknown>>) {
    const override = this.#perMinute[method];
    if (method === "chat.postMessage" && override === undefined) {
      const channel = typeof args.channel === "string" ? args.channel : "";
      return { key: `${method}:${channel}`, capacity: this.#postBurst, perSecond: this.#postPerSecond };
    }
    const perMinute = override ?? METHOD_TIERS[method] ?? TIER[3];
    return { key: method, capacity: perMinute, perSecond: perMinute / 60 };
  }
}
