/**
 * What opsbot keeps: approval requests, the audit log and change freezes. Behind this interface so that
 * another database (PostgreSQL, for several replicas) can replace the embedded SQLite one. Timestamps are
 * epoch milliseconds given by the caller: the store never reads the clock, so tests control time. The one
 * exceptions are what replicas must agree on to the millisecond (follow-up leases, the shared poll budget,
 * the process registry's heartbeats): those are judged by the database's own clock, so that hosts whose
 * clocks drift apart still agree.
 */

export type ApprovalStatus =
  | "pending"
  | "approved"
  | "executing"
  | "succeeded"
  | "failed"
  | "denied"
  | "expired";

export interface ApprovalRuleSnapshot {
  readonly index: number;
  /** What the card shows: the rule's name, else its id, else `rule N`. */
  readonly name: string;
  readonly required: number;
  readonly allowSelfApproval: boolean;
  /** The rule's explicit `id`: how it is found again, wherever it moves. */
  readonly id?: string;
  /** Whether `name` was given in the file (found again by it) or made up from the position. */
  readonly named?: boolean;
  /** A digest of the rule's content: an unnamed rule is found again only at its position with it. */
  readonly digest?: string;
}

export interface ApprovalRequest {
  readonly id: string;
  readonly correlationId: string;
  readonly operationId: string;
  /** The parsed arguments, as fingerprinted. */
  readonly args: Readonly<Record<string, unknown>>;
  /**
   * The arguments as typed, for display and to validate again before the request runs; sensitive ones
   * (see catalogue/sensitive.ts) as their digest.
   */
  readonly rawArgs: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The real values of the sensitive arguments, kept apart from everything shown and only while the
   * request may still run: the store drops them when it is denied, expires or has run.
   */
  readonly withheldArgs?: Readonly<Record<string, string | readonly string[]>>;
  readonly target: { readonly namespace?: string; readonly allocation?: string };
  /** Binds the approval to one exact call (see auth/fingerprint.ts). */
  readonly fingerprint: string;
  readonly requesterId: string;
  /** The Deploy API identity the call runs as, when it needs one. */
  readonly requesterIdentity?: string;
  readonly channelId: string;
  readonly rule: ApprovalRuleSnapshot;
  /** A change-freeze override (`--force`). */
  readonly force: boolean;
  readonly status: ApprovalStatus;
  readonly approvals: readonly { readonly userId: string; readonly at: number }[];
  /** Who denied it, or whose approval completed it. */
  readonly decidedBy?: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly updatedAt: number;
  /** The request message, for chat.update. */
  readonly message?: { readonly channelId: string; readonly ts: string };
  readonly outcome?: {
    readonly ok: boolean;
    readonly summary: string;
    readonly durationMs?: number | undefined;
  };
  /** The process that claimed it to run (or took it over from one that died): see ProcessStore. */
  readonly owner?: string;
}

/**
 * What the caller decides when it asks for approval; the store owns status, votes and updatedAt.
 * Members left undefined (flags not given) are dropped, as JSON drops them.
 */
export type NewApprovalRequest = Omit<
  ApprovalRequest,
  | "status"
  | "approvals"
  | "updatedAt"
  | "decidedBy"
  | "message"
  | "outcome"
  | "force"
  | "rawArgs"
  | "owner"
  | "withheldArgs"
> & {
  readonly rawArgs: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly withheldArgs?: Readonly<Record<string, string | readonly string[]>>;
  readonly force?: boolean;
};

export interface ApprovalOutcome {
  readonly ok: boolean;
  readonly summary: string;
  readonly durationMs?: number;
}

export type ApproveResult =
  /** `complete`: this approval was the last one needed, and the request is now approved. */
  | { readonly kind: "recorded"; readonly request: ApprovalRequest; readonly complete: boolean }
  | { readonly kind: "already-approved-by-you"; readonly request: ApprovalRequest }
  | { readonly kind: "expired"; readonly request: ApprovalRequest }
  | { readonly kind: "not-pending"; readonly request: ApprovalRequest }
  | { readonly kind: "not-found" };

export type DenyResult =
  | { readonly kind: "denied"; readonly request: ApprovalRequest }
  | { readonly kind: "expired"; readonly request: ApprovalRequest }
  | { readonly kind: "not-pending"; readonly request: ApprovalRequest }
  | { readonly kind: "not-found" };

export interface ApprovalStore {
  create(request: NewApprovalRequest): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Remembers the request message (for chat.update); does nothing for an unknown id. */
  setMessage(id: string, message: { channelId: string; ts: string }): Promise<void>;
  /** One atomic step: concurrent approvals never lose a vote nor complete a request twice. */
  approve(id: string, userId: string, now: number): Promise<ApproveResult>;
  deny(id: string, userId: string, now: number): Promise<DenyResult>;
  /**
   * approved → executing, owned by `owner`, atomically: exactly one caller gets the request, the others
   * undefined. Durable once it returns (on SQLite, committed with a full sync): a power loss cannot bring
   * back an `approved` request whose call may already have been made.
   */
  claimForExecution(id: string, now: number, owner: string): Promise<ApprovalRequest | undefined>;
  /**
   * Executing requests whose owner is gone (stopped, its heartbeat older than `staleAfterMs` by the
   * database's clock, unknown, or none), oldest change first, at most `limit`: each is re-owned by
   * `newOwner` in the same step, so two survivors never take the same one, and a live process's never.
   */
  takeOverInterrupted(staleAfterMs: number, newOwner: string, limit: number): Promise<ApprovalRequest[]>;
  /** executing → succeeded | failed; throws if the request is not executing. */
  finish(id: string, outcome: ApprovalOutcome, now: number): Promise<ApprovalRequest>;
  /**
   * pending → expired with an outcome saying why (its rule is gone, say), whatever its expiry; undefined
   * when it is no longer pending (decided meanwhile) or unknown.
   */
  endPending(id: string, summary: string, now: number): Promise<ApprovalRequest | undefined>;
  /** pending past its expiry → expired; returns those it expired (to edit their messages). */
  expireDue(now: number): Promise<ApprovalRequest[]>;
  /** Pending requests, newest first, at most `limit`. */
  listPending(limit: number): Promise<ApprovalRequest[]>;
  /** How many requests wait for a decision (the metrics gauge). */
  countPending(): Promise<number>;
  /**
   * Requests in `status`, oldest change first, at most `limit`: after a crash, `approved` ones were never
   * claimed to run, `executing` ones were cut off while running.
   */
  listInStatus(status: "approved" | "executing", limit: number): Promise<ApprovalRequest[]>;
  /** A user's requests in any status, newest first, at most `limit`. */
  listByRequester(userId: string, limit: number): Promise<ApprovalRequest[]>;
}

export type AuditKind =
  | "command"
  | "refusal"
  | "approval.requested"
  | "approval.approved"
  | "approval.denied"
  | "approval.expired"
  | "execution"
  | "lock"
  | "unlock";

export interface AuditEntry {
  readonly id?: number;
  readonly at: number;
  readonly correlationId: string;
  readonly kind: AuditKind;
  readonly operationId?: string;
  readonly args?: Readonly<Record<string, unknown>>;
  readonly userId: string;
  readonly identity?: string;
  readonly channelId?: string;
  readonly outcome: string;
  readonly durationMs?: number;
  readonly detail?: string;
}

export interface AuditQuery {
  readonly userId?: string;
  /** `task:deploy`, or a pattern with `*` (`task:*`, `*:delete`). */
  readonly operationId?: string;
  /** Entries at or after this time. */
  readonly since?: number;
  /** Entries older than this id: pass the last id of one page to get the next. */
  readonly before?: number;
  readonly limit: number;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest (last appended) first. */
  query(query: AuditQuery): Promise<AuditEntry[]>;
}

export type LockTargetKind = "namespace" | "allocation";

export interface Lock {
  readonly target: { readonly kind: LockTargetKind; readonly name: string };
  readonly reason: string;
  readonly lockedBy: string;
  readonly lockedAt: number;
  readonly until?: number;
}

export interface LockStore {
  /** Sets the lock, replacing one on the same target. */
  lock(lock: Lock): Promise<Lock>;
  unlock(target: Lock["target"]): Promise<Lock | undefined>;
  /** The lock in force on a target at `now`; an expired one is removed. */
  active(target: Lock["target"], now: number): Promise<Lock | undefined>;
  list(now: number): Promise<Lock[]>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly approvals: ApprovalStore;
  readonly audit: AuditStore;
  readonly locks: LockStore;
  readonly followUps: FollowUpStore;
  readonly subscriptions: SubscriptionStore;
  readonly intake: IntakeStore;
  /** A trivial query (`SELECT 1`): resolves when the database answers, rejects when it does not. */
  ping(): Promise<void>;
  readonly requests: RequestLedger;
  readonly processes: ProcessStore;
  readonly pacing: PacingStore;
  readonly state: ServiceStateStore;
  readonly retention: RetentionStore;
  close(): Promise<void>;
}

/** What retention prunes: the audit log, approval requests, follow-ups and command notes. */
export type PrunedTable = "audit" | "approvals" | "followups" | "intake";

export interface RetentionStore {
  /**
   * Deletes at most `limit` rows of `table` from before `before`, oldest first, in one statement, and
   * resolves to how many. Audit entries go by when they were written and command notes by when they were
   * received; approval requests and follow-ups only once ended (never one that may still run or is
   * followed), by their last change, their votes and transitions with them.
   */
  prune(table: PrunedTable, before: number, limit: number): Promise<number>;
}

/**
 * Signed Slack requests already taken, so that a captured one sent again within its validity window is
 * refused; in the store, so that a replay sent to another replica is refused too.
 */
export interface RequestLedger {
  /**
   * Records `key` until `keepUntil`: true the first time, false while an earlier record is kept.
   * Records past `now` are forgotten as it goes.
   */
  firstSighting(key: string, now: number, keepUntil: number): Promise<boolean>;
}

/** A process (replica) that uses the store, as the registry knows it. Times by the database's clock. */
export interface ProcessRecord {
  readonly id: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly stoppedAt?: number;
  /** Not stopped, and its heartbeat younger than the stale limit asked for. */
  readonly live: boolean;
}

/**
 * The registry of processes sharing the store, so that recovery takes over only the work of those that
 * are gone. Every time here is the database's clock (processes may disagree about theirs), and whether
 * a heartbeat is stale is decided in SQL against that same clock.
 */
export interface ProcessStore {
  /** Marks `id` live from now (again, if it was known); forgets processes silent for a week. */
  register(id: string): Promise<void>;
  /** `id` is still alive; registers it if its row is missing (the database was unreachable at start). */
  heartbeat(id: string): Promise<void>;
  /** A clean stop: its work may be taken over at once. */
  markStopped(id: string): Promise<void>;
  /** Every process known, oldest first, each judged live or not against `staleAfterMs`. */
  list(staleAfterMs: number): Promise<ProcessRecord[]>;
}

/** A slash command acknowledged and still being handled: what a crash would otherwise lose silently. */
export interface IntakeEntry {
  readonly id: string;
  readonly userId: string;
  readonly channelId: string;
  readonly text: string;
  /** Slack's reply address (valid 30 minutes); deleted with the entry once the command is settled. */
  readonly responseUrl: string;
  readonly receivedAt: number;
  /** The process handling it (see ProcessStore). */
  readonly owner: string;
}

export interface IntakeStore {
  /** Written before the command is acknowledged (one small insert). */
  open(entry: IntakeEntry): Promise<void>;
  /** The command was answered, or its work is recorded elsewhere (an approval, a follow-up). */
  settle(id: string): Promise<void>;
  /** Everything acknowledged and not settled, whoever handles it, oldest first. */
  unsettled(): Promise<IntakeEntry[]>;
  /**
   * Unsettled entries whose owner is gone (as in ApprovalStore.takeOverInterrupted), oldest first, each
   * re-owned by `newOwner` in the same step: two survivors never answer the same command.
   */
  takeOverUnsettled(staleAfterMs: number, newOwner: string): Promise<IntakeEntry[]>;
}

export type FollowUpStatus = "active" | "succeeded" | "failed" | "unknown" | "cancelled";

/** A long operation being followed until it settles (see src/followups/). */
export interface FollowUp {
  readonly id: string;
  readonly correlationId: string;
  /** The operation that started it (`task:deploy`). */
  readonly operationId: string;
  /** What the parent message calls it: `task:deploy quick_start/job_python`. */
  readonly title: string;
  /** The read operation polled, with its arguments as typed. */
  readonly poll: { readonly operationId: string; readonly args: Readonly<Record<string, string>> };
  /** Arguments the settled result's buttons start from. */
  readonly prefill: Readonly<Record<string, string>>;
  /** States that count as settled besides the polled operation's own (a service stays "running"). */
  readonly settleOn?: readonly string[];
  /** The button on the parent message while it runs (kill the pipeline). */
  readonly cancel?: FollowUpCancel;
  readonly requesterId: string;
  readonly identity?: string;
  readonly channelId: string;
  /** Whose request budget its polls use. */
  readonly backend: string;
  /** The parent message, once posted. */
  readonly parentTs?: string;
  /** The last state seen. */
  readonly state?: string;
  /** Transitions recorded so far. */
  readonly seq: number;
  readonly status: FollowUpStatus;
  readonly startedAt: number;
  readonly nextPollAt: number;
  readonly timeoutAt: number;
  readonly updatedAt: number;
  readonly polls: number;
  /** Failed polls in a row. */
  readonly failures: number;
  readonly lastError?: string;
  /** The process working on it now (a poll, or a post still on its way to Slack), and until when. */
  readonly leaseOwner?: string;
  /** Epoch milliseconds by the database's clock. */
  readonly leaseUntil?: number;
}

/** A follow-up just leased to a process, and whether that lease was taken over from one that lapsed. */
export interface LeasedFollowUp {
  readonly followUp: FollowUp;
  /**
   * Set when the previous holder let its lease run out instead of releasing it: it died or stalled, maybe
   * between recording a state and posting it, so the new holder checks the thread before polling.
   */
  readonly lapsedFrom?: string;
}

/** A lease asked for: who holds it, and for how long (by the database's clock). */
export interface LeaseRequest {
  readonly owner: string;
  readonly leaseMs: number;
}

export interface FollowUpCancel {
  readonly operationId: string;
  readonly args: Readonly<Record<string, string>>;
  readonly label: string;
}

export type NewFollowUp = Omit<
  FollowUp,
  | "seq"
  | "status"
  | "updatedAt"
  | "polls"
  | "failures"
  | "lastError"
  | "parentTs"
  | "state"
  | "leaseOwner"
  | "leaseUntil"
>;

export interface Transition {
  readonly followUpId: string;
  readonly seq: number;
  readonly state: string;
  readonly terminal: boolean;
  readonly at: number;
  /** Set once Slack has the thread reply; `skipped` when a full Slack queue shed it (a state on the way). */
  readonly postedTs?: string;
}

export interface FollowUpStore {
  /** With `lease`, the row is born leased: nobody else touches it before its parent message is posted. */
  create(followUp: NewFollowUp, lease?: LeaseRequest): Promise<FollowUp>;
  get(id: string): Promise<FollowUp | undefined>;
  setParent(id: string, ts: string): Promise<void>;
  /** Active follow-ups due for a poll, soonest first (leases aside). */
  due(now: number, limit: number): Promise<FollowUp[]>;
  active(): Promise<FollowUp[]>;
  countActive(): Promise<number>;
  /**
   * Leases to `owner`, atomically, at most `limit` follow-ups of `backend` that nobody holds (or whose
   * lease ran out): the active ones due by `now`, soonest first, and the ended ones whose holder's lease
   * lapsed (it may have died before posting the final state). Concurrent callers never get the same row.
   */
  claimDue(now: number, limit: number, lease: LeaseRequest, backend?: string): Promise<LeasedFollowUp[]>;
  /** Leases one active follow-up unless someone (this owner included) holds it: the Refresh button, start-up repair. */
  claim(id: string, lease: LeaseRequest): Promise<LeasedFollowUp | undefined>;
  /** Pushes `owner`'s leases on `ids` `leaseMs` into the future; returns the ids it still holds. */
  extend(ids: readonly string[], lease: LeaseRequest): Promise<string[]>;
  /** Gives a lease back (nothing happens when `owner` no longer holds it). */
  release(id: string, owner: string): Promise<void>;
  /**
   * The poll budget the whole deployment shares: takes up to `wanted` polls of `backend` from a token
   * bucket kept in the database (refilled at `perSecond`, holding at most a second's worth); returns how
   * many it got.
   */
  takePolls(backend: string, wanted: number, perSecond: number): Promise<number>;
  /** A poll that changed nothing, or failed (`error`): when to poll next. */
  polled(id: string, result: { nextPollAt: number; error?: string }, now: number): Promise<FollowUp>;
  /**
   * Records a new state as transition `seq + 1`, atomically: undefined if another poll recorded it
   * first (its `expectedSeq` is stale). A terminal state also ends the follow-up with `status`.
   */
  transition(
    id: string,
    change: { expectedSeq: number; state: string; terminal?: FollowUpStatus; nextPollAt: number },
    now: number,
  ): Promise<{ followUp: FollowUp; transition: Transition } | undefined>;
  markPosted(id: string, seq: number, ts: string): Promise<void>;
  /** Transitions recorded but not known to be in Slack (a crash between the two). */
  unposted(id: string): Promise<Transition[]>;
  transitions(id: string): Promise<Transition[]>;
  /** Ends an active follow-up without a transition (timeout → unknown, cancelled). */
  end(
    id: string,
    status: Exclude<FollowUpStatus, "active">,
    note: string,
    now: number,
  ): Promise<FollowUp | undefined>;
  listByRequester(userId: string, limit: number): Promise<FollowUp[]>;
}

/** A channel told about an event, set from Slack (`/ops subscribe`); the permissions file adds its own. */
export interface Subscription {
  readonly event: string;
  readonly channelId: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface SubscriptionStore {
  /** False when the channel was already subscribed. */
  add(subscription: Subscription): Promise<boolean>;
  /** False when there was nothing to remove. */
  remove(event: string, channelId: string): Promise<boolean>;
  channelsFor(event: string): Promise<string[]>;
  list(): Promise<Subscription[]>;
}

/**
 * Slots on named lanes (Slack's per-channel and per-workspace allowances), booked by every replica that
 * shares the store. Unlike the rest of the store it reads the database's clock: a slot is a moment all
 * replicas must agree on, whatever their own clocks say.
 */
export interface PacingStore {
  /**
   * Books the lane's next free slot: now, or `intervalMs` after the slot booked before it, whichever is
   * later. Resolves to how long to wait for it (0 when it is now). One atomic statement.
   */
  reserve(lane: string, intervalMs: number): Promise<number>;
  /** Books nothing on the lane for `ms` from now (Slack's Retry-After), keeping any later booking. */
  hold(lane: string, ms: number): Promise<void>;
  /** Forgets lanes whose last slot is more than `idleMs` past; resolves to how many. */
  prune(idleMs: number): Promise<number>;
}

/** Small named values the service keeps across restarts and shares between replicas. */
export interface ServiceStateStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Sets `key` to `value` if it still holds `expected` (undefined: if it is unset). False when another
   * writer changed it first, and nothing is written.
   */
  compareAndSet(key: string, expected: string | undefined, value: string, now: number): Promise<boolean>;
}
