import type { AuditStore, LockStore, SubscriptionStore } from "../../store/types.js";

/** What opsbot's own commands act on: its store, and what it knows of the person asking (the core provides it). */
export interface OpsbotContext {
  /** Epoch ms: when the command runs (durations like `--until 2h` count from here). */
  readonly now: number;
  readonly locks: Pick<LockStore, "lock" | "unlock" | "list">;
  readonly subscriptions: Pick<SubscriptionStore, "add" | "remove">;
  /** Where an event goes: the permissions file's channels and those subscribed from Slack. */
  channelsFor(event: string): Promise<string[]>;
  readonly audit: Pick<AuditStore, "query">;
  /** The identity opsbot calls the Deploy API as for the person asking, and their roles in this channel. */
  whoami(): Promise<{
    readonly identity: string;
    readonly roles: readonly string[];
    readonly policy: string;
    /** What the permissions file may get wrong (policy-warnings.ts): given to admins only. */
    readonly warnings?: readonly string[];
  }>;
}

/** A refusal whose message is safe and useful to show as it is (a lock that is not there, a past time). */
export class UserFacingError extends Error {
  override readonly name = "UserFacingError";
}
