/**
 * Which Slack user groups a person is in, for grants and approvers that name groups. Only the groups the
 * permissions file mentions are looked up (usergroups.users.list), each cached for a while; a failed
 * lookup keeps the last known members, or counts nobody in (failing closed).
 */
export interface GroupResolverOptions {
  readonly listUsers: (groupId: string) => Promise<readonly string[]>;
  readonly groups: Iterable<string>;
  readonly ttlMs?: number;
  readonly now?: () => number;
  readonly onError?: (groupId: string, error: unknown) => void;
}

interface Entry {
  readonly members: ReadonlySet<string>;
  readonly fetchedAt: number;
}

export class GroupResolver {
  readonly #options: GroupResolverOptions;
  readonly #groups: readonly string[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(options: GroupResolverOptions) {
    this.#options = options;
    this.#groups = [...new Set(options.groups)];
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  async groupsOf(userId: string): Promise<ReadonlySet<string>> {
    const memberships = await Promise.all(
      this.#groups.map(async (g) => ((await this.#members(g)).has(userId) ? g : undefined)),
    );
    return new Set(memberships.filter((g): g is string => g !== undefined));
  }

  #members(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.#cache.get(groupId);
    if (cached && this.#now() - cached.fetchedAt < this.#ttlMs) return Promise.resolve(cached.members);
    const running = this.#inFlight.get(groupId);
    if (running) return running;
    const lookup = this.#options
      .listUsers(groupId)
      .then((users) => {
        const members = new Set(users);
        this.#cache.set(groupId, { members, fetchedAt: this.#now() });
        return members as ReadonlySet<string>;
      })
      .catch((error: unknown) => {
        this.#options.onError?.(groupId, error);
        return cached?.members ?? new Set<string>();
      })
      .finally(() => this.#inFlight.delete(groupId));
    this.#inFlight.set(groupId, lookup);
    return lookup;
  }
}
