import { type Identity, identityFromEmail } from "../../api/identity.js";
import { LruCache } from "../../lib/lru.js";

/**
 * Slack user -> the `Identity` the Deploy API's protected routes receive. A configured override wins;
 * otherwise the user's Slack profile email (users.info, cached), when Slack says it is confirmed and the
 * account is a full member of the organisation opsbot serves. Never anything the user typed. The cache is
 * bounded in time (the TTL) and in size (least recently used first), so a stream of user IDs cannot grow it.
 */

/** The one Slack call this needs, kept narrow so tests can fake it. */
export interface SlackProfileLookup {
  /**
   * The profile email of a Slack user, undefined when the profile has none, or why it may not be used
   * (`withheld`: unconfirmed, a guest's, an outsider's); throws when Slack fails.
   */
  email(userId: string): Promise<string | undefined | { readonly withheld: string }>;
}

export type IdentityResolution =
  | { readonly ok: true; readonly identity: Identity; readonly source: "override" | "slack-profile" }
  | { readonly ok: false; readonly reason: string };

export interface IdentityResolverOptions {
  readonly lookup: SlackProfileLookup;
  /** Slack user ID -> identity email, from configuration. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly ttlMs?: number;
  /** People remembered at most (default 10,000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

const DEFAULT_TTL_MS = 10 * 60_000;
export const DEFAULT_MAX_IDENTITIES = 10_000;
const NO_EMAIL =
  "opsbot cannot tell who you are to the Deploy API: your Slack profile has no email address opsbot may read, " +
  "and no identity override is configured for you. Ask an opsbot admin to add one.";

export class IdentityResolver {
  readonly #lookup: SlackProfileLookup;
  readonly #overrides: ReadonlyMap<string, Identity>;
  readonly #cache: LruCache<string, Promise<IdentityResolution>>;

  constructor(options: IdentityResolverOptions) {
    this.#lookup = options.lookup;
    this.#cache = new LruCache({
      maxEntries: options.maxEntries ?? DEFAULT_MAX_IDENTITIES,
      ttlMs: options.ttlMs ?? DEFAULT_TTL_MS,
      ...(options.now ? { now: options.now } : {}),
    });
    // Overrides are validated once here, so a bad one fails at start-up, not on someone's deploy.
    this.#overrides = new Map(
      Object.entries(options.overrides ?? {}).map(([user, email]) => [user, identityFromEmail(email)]),
    );
  }

  resolve(userId: string): Promise<IdentityResolution> {
    const override = this.#overrides.get(userId);
    if (override) return Promise.resolve({ ok: true, identity: override, source: "override" });
    const cached = this.#cache.get(userId);
    if (cached) return cached;
    const value = this.#fromProfile(userId);
    this.#cache.set(userId, value);
    // A failed lookup is not remembered: the next command asks Slack again.
    const forget = () => {
      if (this.#cache.peek(userId) === value) this.#cache.delete(userId);
    };
    value.then((resolution) => {
      if (!resolution.ok) forget();
    }, forget);
    return value;
  }

  /** People remembered right now. */
  get size(): number {
    return this.#cache.size;
  }

  async #fromProfile(userId: string): Promise<IdentityResolution> {
    let email: string | undefined | { readonly withheld: string };
    try {
      email = await this.#lookup.email(userId);
    } catch {
      return {
        ok: false,
        reason: "opsbot could not read your Slack profile just now; try again in a moment.",
      };
    }
    if (!email) return { ok: false, reason: NO_EMAIL };
    if (typeof email !== "string") return { ok: false, reason: email.withheld };
    try {
      return { ok: true, identity: identityFromEmail(email), source: "slack-profile" };
    } catch {
      return { ok: false, reason: NO_EMAIL };
    }
  }
}
