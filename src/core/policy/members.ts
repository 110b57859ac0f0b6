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

interface Entry {
  readonly until: number;
  readonly member: Promise<Member | undefined>;
}

export class MemberDirectory {
  readonly #options: MemberDirectoryOptions;
  readonly #now: () => number;
  readonly #max: number;
  /** In insertion order, so the first key is the oldest: what goes when the cap is reached. */
  readonly #cache = new Map<string, Entry>();

  constructor(options: MemberDirectoryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#max = Math.max(1, options.maxEntries ?? DEFAULT_MAX_MEMBERS);
  }

  get size(): number {
    return this.#cache.size;
  }

  /** The member (shared by concurrent callers), undefined for an unknown user; rejects when Slack fails. */
  get(userId: string): Promise<Member | undefined> {
    const cached = this.#cache.get(userId);
    if (cached && cached.until > this.#now()) return cached.member;
    this.#cache.delete(userId);
    while (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    const member = this.#options.lookup(userId);
    const entry = { until: this.#now() + this.#options.ttlMs, member };
    this.#cache.set(userId, entry);
    member.catch(() => {
      if (this.#cache.get(userId) === entry) this.#cache.delete(userId);
    });
    return member;
  }
}
