import { LruCache } from "../../lib/lru.js";
import type { Member } from "./member.js";

/**
 * users.info answers, cached: every permission check needs the person's standing, and Slack allows
 * users.info about 100 calls a minute (tier 4). Bounded in time (a deactivation or a guest's promotion
 * takes effect within the TTL) and in size (a flood of unknown user IDs cannot grow it without end).
 * Failed lookups are not kept: the next request asks again.
 */
export interface MemberDirectoryOptions {
  /** users.info for one user: undefined when Slack knows no such user; throws when Slack fails. */
  readonly lookup: (userId: string) => Promise<Member | undefined>;
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export const DEFAULT_MAX_MEMBERS = 10_000;

export class MemberDirectory {
  readonly #options: MemberDirectoryOptions;
  /** The least recently asked about goes first when the cap is reached. */
  readonly #cache: LruCache<string, Promise<Member | undefined>>;

  constructor(options: MemberDirectoryOptions) {
    this.#options = options;
    this.#cache = new LruCache({
      maxEntries: Math.max(1, options.maxEntries ?? DEFAULT_MAX_MEMBERS),
      ttlMs: options.ttlMs,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  get size(): number {
    return this.#cache.size;
  }

  /** The member (shared by concurrent callers), undefined for an unknown user; rejects when Slack fails. */
  get(userId: string): Promise<Member | undefined> {
    const cached = this.#cache.get(userId);
    if (cached) return cached;
    const member = this.#options.lookup(userId);
    this.#cache.set(userId, member);
    member.catch(() => {
      if (this.#cache.peek(userId) === member) this.#cache.delete(userId);
    });
    return member;
  }
}
