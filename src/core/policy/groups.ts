/**
 * Which Slack user groups a person is in, for grants and approvers that name groups. Only the groups the
 * permissions file mentions are looked up (usergroups.users.list), each cached for a while and looked up
 * once however many commands ask at the same moment. A failed lookup keeps the last known members, or
 * counts nobody in (failing closed), and is not retried on every command while Slack is struggling.
 */
export interface GroupResolverOptions {
  /** The members of a user group; throws when Slack cannot say. */
  readonly listUsers: (groupId: string) => Promise<readonly string[]>;
  /** The groups the policy names (`groupsReferenced`); others are never looked up. */
  readonly groups: Iterable<string>;
  /** How long members are trusted. Default 5 minutes. */
  readonly ttlMs?: number;
  /** How long after a failure to ask again. Default 15 seconds, and never more than the TTL. */
  readonly retryAfterMs?: number;
  readonly now?: () => number;
  readonly onError?: (groupId: string, error: unknown) => void;
}

export const DEFAULT_GROUP_TTL_MS = 5 * 60_000;
const DEFAULT_RETRY_MS = 15_000;
const NOBODY: ReadonlySet<string> = new Set();

interface Entry {
  /** Undefined until a lookup has succeeded. */
  readonly members?: ReadonlySet<string>;
  /** When the members (or, after a failure, the answer kept) may be asked for again. */
  readonly until: number;
}

export class GroupResolver {
  readonly #listUsers: GroupResolverOptions["listUsers"];
  readonly #onError: GroupResolverOptions["onError"];
  readonly #groups: readonly string[];
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(options: GroupResolverOptions) {
    this.#listUsers = options.listUsers;
    this.#onError = options.onError;
    this.#groups = [...new Set(options.groups)];
    this.#ttlMs = options.ttlMs ?? DEFAULT_GROUP_TTL_MS;
    this.#retryMs = Math.min(options.retryAfterMs ?? DEFAULT_RETRY_MS, this.#ttlMs);
    this.#now = options.now ?? Date.now;
  }

  /** The referenced groups that count `userId` in. */
  async groupsOf(userId: string): Promise<ReadonlySet<string>> {
    const memberships = await Promise.all(
      this.#groups.map(async (g) => ((await this.#members(g)).has(userId) ? g : undefined)),
    );
    return new Set(memberships.filter((g): g is string => g !== undefined));
  }

  /**
   * The members of a group the policy names, looked up if need be; undefined while Slack has never
   * said (a failed first lookup), so that a count made from them is not mistaken for "nobody".
   */
  async membersOf(groupId: string): Promise<ReadonlySet<string> | undefined> {
    if (!this.#groups.includes(groupId)) return undefined;
    await this.#members(groupId);
    return this.#cache.get(groupId)?.members;
  }

  #members(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.#cache.get(groupId);
    if (cached && this.#now() < cached.until) return Promise.resolve(cached.members ?? NOBODY);
    const running = this.#inFlight.get(groupId);
    if (running) return running;
    const lookup = this.#lookup(groupId, cached?.members).finally(() => this.#inFlight.delete(groupId));
    this.#inFlight.set(groupId, lookup);
    return lookup;
  }

  async #lookup(groupId: string, known: ReadonlySet<string> | undefined): Promise<ReadonlySet<string>> {
    try {
      const members: ReadonlySet<string> = new Set(await this.#listUsers(groupId));
      this.#cache.set(groupId, { members, until: this.#now() + this.#ttlMs });
      return members;
    } catch (error) {
      this.#onError?.(groupId, error);
      this.#cache.set(groupId, { ...(known ? { members: known } : {}), until: this.#now() + this.#retryMs });
      return known ?? NOBODY;
    }
  }
}
