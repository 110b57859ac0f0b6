import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { operationButton } from "../../blocks/buttons.js";
import { type FollowUpPhase, followUpParent, transitionReply } from "../../blocks/followup.js";
import { endingOf, MARK, saysMore } from "../../blocks/outcome.js";
import { channelMention, escapeMrkdwn, fitText, inlineCode, userMention } from "../../blocks/text.js";
import type { Catalogue } from "../../catalogue/catalogue.js";
import type { AnyOperation, FollowSpec, Progress } from "../../catalogue/define.js";
import type { Output } from "../../catalogue/output.js";
import { type ArgDefaults, validateArgs } from "../../catalogue/validate.js";
import type { FollowUp, FollowUpStatus, LeasedFollowUp, Store, Transition } from "../../store/types.js";
import type { Notifier } from "../notifications/notifier.js";
import type { Policy } from "../policy/policy.js";
import { type Clock, type SlackPoster, wasShed } from "../ports.js";
import { replyWithOutput } from "../reply.js";
import { type RunnerDeps, runInvocation } from "../run.js";
import { LeaseKeeper } from "./leases.js";

export interface FollowUpDeps extends RunnerDeps {
  readonly catalogue: Catalogue;
  readonly defaults: ArgDefaults;
  readonly store: Pick<Store, "followUps">;
  readonly notifier: Pick<Notifier, "notify">;
  readonly poster: SlackPoster;
  readonly logger: Logger;
  readonly now: Clock;
  /** This process among the replicas: the owner of the leases it takes. */
  readonly owner: string;
  readonly settings?: Partial<FollowUpSettings>;
  /** For the jitter; tests fix it. */
  readonly random?: () => number;
}

/**
 * Long operations followed to the end: each is a row in the store, polled on a schedule within a
 * per-backend request budget. The parent message's status line is edited in place; each new state is a
 * thread reply, recorded before it is posted and checked against the thread after a crash, so none is
 * posted twice; the final state is broadcast to the channel. After a restart every unfinished follow-up
 * carries on from the store.
 *
 * Several replicas share the work through leases: a process polls, posts and repairs only follow-ups it
 * has leased in the store, and holds the lease until what it started for one is in Slack (see
 * leases.ts). A replica that dies leaves its leases to lapse; whoever claims such a row next looks in
 * the thread for what was recorded and not posted before it polls. The poll budget is a token bucket in
 * the store, one per backend, so it holds for the whole deployment however many replicas take from it.
 */

export interface FollowUpSettings {
  /** The first poll, about this long after the start. */
  readonly firstPollMs: number;
  /** Later polls start at this interval and back off to `maxIntervalMs`. */
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  /** After this long without a final state the outcome is `unknown`. */
  readonly timeoutMs: number;
  /** ± this share of each delay is random, so follow-ups started together spread out. */
  readonly jitter: number;
  /** How often due follow-ups are looked for. */
  readonly tickMs: number;
  /** Polls per second each backend may receive, from the whole deployment. */
  readonly requestsPerSecond: Readonly<Record<string, number>>;
  /**
   * How long a lease lasts unless extended: how long a dead replica's follow-ups wait before another
   * takes them over. The holder extends it every third of this while it works.
   */
  readonly leaseMs: number;
  /**
   * Follow-ups this process takes leases on at most, so that its memory and its work in flight stay
   * bounded however many are due: the rest wait in the store, for this process later or another replica.
   * (One just started here is born leased and may go past it for a moment.)
   */
  readonly maxLeased: number;
}

export const DEFAULT_FOLLOWUP_SETTINGS: FollowUpSettings = {
  firstPollMs: 2_000,
  intervalMs: 5_000,
  maxIntervalMs: 30_000,
  timeoutMs: 30 * 60_000,
  jitter: 0.2,
  tickMs: 250,
  requestsPerSecond: { deploy: 5, calyptia: 5, orchestration: 5 },
  leaseMs: 30_000,
  maxLeased: 1_000,
};

/** Polls per second for a backend the settings do not name. */
const DEFAULT_REQUESTS_PER_SECOND = 5;

const METADATA_TYPE = "opsbot_followup_transition";
/** The parent message's metadata: after a crash between posting it and recording it, it is found again. */
const PARENT_METADATA_TYPE = "opsbot_followup_parent";
/** Other thread replies (warnings, notes, the final result): found again if an answer was lost. */
const NOTE_METADATA_TYPE = "opsbot_followup_note";
/** How far back in the channel a restart looks for a parent it posted but did not record. */
const PARENT_SEARCH_DEPTH = 1_000;
/**
 * What a transition's posted ts is set to when a full Slack queue shed it: nothing to post again after a
 * restart, and counted in the final state's note.
 */
export const SKIPPED_TS = "skipped";

/** The permissions file's `followups` section, as settings. */
export function followUpSettingsOf(policy: Policy): Partial<FollowUpSettings> {
  const followups = policy.followups;
  const rps = followups.maxRequestsPerSecond;
  return {
    ...(followups.pollIntervalMs ? { intervalMs: followups.pollIntervalMs } : {}),
    ...(followups.timeoutMs ? { timeoutMs: followups.timeoutMs } : {}),
    ...(rps
      ? {
          requestsPerSecond: Object.fromEntries(
            Object.entries({ ...DEFAULT_FOLLOWUP_SETTINGS.requestsPerSecond, ...rps }).filter(
              (e): e is [string, number] => typeof e[1] === "number",
            ),
          ),
        }
      : {}),
  };
}

export interface Launch {
  readonly operation: AnyOperation;
  readonly follow: FollowSpec;
  readonly correlationId: string;
  readonly userId: string;
  readonly channelId: string;
  readonly identity?: string;
}

export class FollowUpEngine {
  readonly #deps: FollowUpDeps;
  readonly #settings: FollowUpSettings;
  readonly #poster: SlackPoster;
  readonly #random: () => number;
  readonly #polling = new Set<string>();
  /** Unfinished follow-ups in the store, as of the last tick. */
  #following = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Leases asked for and not yet answered, by backends ticking side by side. */
  #claiming = 0;
  #ticking: Promise<void> | undefined;
  readonly #leases: LeaseKeeper;
  /** The backends follow-ups can poll: each has its own claims and budget. */
  readonly #backends: readonly string[];

  constructor(deps: FollowUpDeps) {
    this.#deps = deps;
    this.#poster = deps.poster;
    this.#settings = { ...DEFAULT_FOLLOWUP_SETTINGS, ...deps.settings };
    this.#random = deps.random ?? Math.random;
    this.#leases = new LeaseKeeper(
      deps.store.followUps,
      { owner: deps.owner, leaseMs: this.#settings.leaseMs },
      deps.logger,
    );
    this.#backends = [
      ...new Set(deps.catalogue.operations.filter((o) => o.progress).map((o) => o.backend as string)),
    ];
  }

  /** Polls running right now. */
  get inFlight(): number {
    return this.#polling.size;
  }

  /** Unfinished follow-ups, whichever replica polls them (the demo waits for them). */
  get following(): number {
    return this.#following;
  }

  /** Follow-ups this process holds a lease on right now. */
  get leased(): number {
    return this.#leases.size;
  }

  /** Picks up what a previous run left unfinished, then polls on a timer. */
  async start(): Promise<void> {
    this.#leases.start();
    await this.resume();
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (!this.#ticking)
        this.#ticking = this.tick()
          .catch((error: unknown) => this.#deps.logger.error({ err: error }, "a follow-up tick failed"))
          .finally(() => {
            this.#ticking = undefined;
          });
    }, this.#settings.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    // Polls under way may finish: each state is recorded before it is posted, so none is lost either way.
    for (let i = 0; i < 100 && this.#polling.size > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // What is done gave its lease back; what is still on its way to Slack keeps it until it gets there
    // (or lets it lapse, for the next holder to check the thread).
    this.#leases.stopWhenIdle();
  }

  /** Starts following a launched operation: its row, then its parent message. */
  async begin(launch: Launch): Promise<FollowUp | undefined> {
    const recorded = await this.record(launch);
    return recorded && this.announce(recorded);
  }

  /**
   * The first half of begin(): the follow-up's row, before anything is said in Slack. Recorded before the
   * operation's reply, a restart between the reply and the parent message still follows it (resume
   * posts parents that were never posted).
   */
  async record(launch: Launch): Promise<FollowUp | undefined> {
    const deps = this.#deps;
    const polled = deps.catalogue.byId(launch.follow.operationId);
    if (!polled?.progress) {
      deps.logger.error(
        { follow: launch.follow.operationId },
        "asked to follow with an operation that reports no progress",
      );
      return undefined;
    }
    const now = deps.now();
    // Born leased: no other replica touches it before its parent message is posted (announce()).
    const created = await deps.store.followUps.create(
      {
        id: `fu_${randomBytes(9).toString("base64url")}`,
        correlationId: launch.correlationId,
        operationId: launch.operation.id,
        title: launch.follow.subject ?? launch.operation.id,
        poll: { operationId: launch.follow.operationId, args: { ...launch.follow.args } },
        prefill: { ...launch.follow.prefill },
        ...(launch.follow.settleOn ? { settleOn: [...launch.follow.settleOn] } : {}),
        ...(launch.follow.cancel ? { cancel: launch.follow.cancel } : {}),
        requesterId: launch.userId,
        ...(launch.identity ? { identity: launch.identity } : {}),
        channelId: launch.channelId,
        backend: polled.backend,
        startedAt: now,
        nextPollAt: now + this.#jittered(this.#settings.firstPollMs),
        timeoutAt: now + this.#settings.timeoutMs,
      },
      this.#leases.lease,
    );
    this.#leases.hold(created.id);
    this.#following += 1;
    return created;
  }

  /** The second half of begin(): the parent message and the "started" notification. */
  async announce(created: FollowUp): Promise<FollowUp | undefined> {
    const deps = this.#deps;
    let ok = false;
    try {
      await this.#postParent(created);
      await deps.notifier.notify(
        "operation.started",
        `⏳ ${userMention(created.requesterId)} started ${inlineCode(created.operationId)} ${fitText(created.title, 300, escapeMrkdwn)} in ${channelMention(created.channelId)}.`,
        [created.channelId],
      );
      ok = true;
    } finally {
      // Failed, the lease lapses: the next holder looks for the parent in the channel, and posts it.
      await this.#leases.done(created.id, ok);
    }
    return deps.store.followUps.get(created.id);
  }

  /** Leases the follow-ups due now, backend by backend, and polls those the shared budget allows. */
  async tick(): Promise<void> {
    const store = this.#deps.store.followUps;
    const now = this.#deps.now();
    await Promise.all(this.#backends.map((backend) => this.#tickBackend(backend, now)));
    this.#following = await store.countActive();
  }

  async #tickBackend(backend: string, now: number): Promise<void> {
    const store = this.#deps.store.followUps;
    const rate = this.#rateOf(backend);
    // At most a second's worth of the budget (more could not be polled now anyway), and never past the cap.
    // Backends tick side by side: what the others are claiming right now counts against the cap too.
    const room = this.#settings.maxLeased - this.#leases.size - this.#claiming;
    if (room <= 0) return;
    const limit = Math.min(room, Math.max(1, Math.ceil(rate)));
    this.#claiming += limit;
    let leased: LeasedFollowUp[];
    try {
      leased = await store.claimDue(now, limit, this.#leases.lease, backend);
    } finally {
      this.#claiming -= limit;
    }
    const pollable = leased.filter((l) => l.followUp.status === "active").length;
    let granted = pollable > 0 ? await store.takePolls(backend, pollable, rate) : 0;
    for (const one of leased) {
      const poll = one.followUp.status === "active" && granted > 0;
      if (poll) granted -= 1;
      // Not awaited: a poll may wait on the Slack queue's pacing, which must not hold up the others.
      if (poll || this.#needsRepair(one)) void this.#work(one, { poll });
      // Over the budget: given back for whoever has budget next (this process included).
      else
        void store
          .release(one.followUp.id, this.#deps.owner)
          .catch((error: unknown) =>
            this.#deps.logger.warn(
              { err: error, followUp: one.followUp.id },
              "a lease could not be released",
            ),
          );
    }
  }

  /** Refresh: poll one follow-up now (within the budget, so a click storm cannot flood a backend). */
  async refresh(id: string): Promise<"polled" | "finished" | "busy" | "not-found"> {
    const store = this.#deps.store.followUps;
    const followUp = await store.get(id);
    if (!followUp) return "not-found";
    if (followUp.status !== "active") return "finished";
    // Held here or by another replica: it is being polled (or its state posted) right now.
    const leased = await store.claim(id, this.#leases.lease);
    if (!leased) return "busy";
    const poll = (await store.takePolls(followUp.backend, 1, this.#rateOf(followUp.backend))) > 0;
    if (!poll && !this.#needsRepair(leased)) {
      await store.release(id, this.#deps.owner);
      return "busy";
    }
    await this.#work(leased, { poll });
    return poll ? "polled" : "busy";
  }

  /**
   * At start-up: parents that were never posted, and transitions not known to be in Slack, of every
   * unfinished follow-up no live replica holds: each is repaired by the one process that leases it.
   */
  async resume(): Promise<void> {
    const deps = this.#deps;
    for (const followUp of await deps.store.followUps.active()) {
      // Past the cap, the rest are left to the ticks (claimDue takes over lapsed ones too).
      if (this.#leases.size >= this.#settings.maxLeased) break;
      const leased = await deps.store.followUps
        .claim(followUp.id, this.#leases.lease)
        .catch((error: unknown) => {
          deps.logger.warn(
            { err: error, followUp: followUp.id },
            "a follow-up could not be leased to resume it",
          );
          return undefined;
        });
      if (leased) await this.#work(leased, { poll: false, checkThread: true });
    }
  }

  #rateOf(backend: string): number {
    return this.#settings.requestsPerSecond[backend] ?? DEFAULT_REQUESTS_PER_SECOND;
  }

  /** Taken over from a holder that lapsed, parentless, or ended with its final state maybe unposted. */
  #needsRepair(leased: LeasedFollowUp): boolean {
    return (
      leased.lapsedFrom !== undefined || !leased.followUp.parentTs || leased.followUp.status !== "active"
    );
  }

  /**
   * Everything done on a leased follow-up: repair what a previous holder may have left, then poll. Resolves
   * once the poll is done; the lease is given back later, once the states it posts are in Slack.
   */
  async #work(
    leased: LeasedFollowUp,
    options: { readonly poll: boolean; readonly checkThread?: boolean },
  ): Promise<void> {
    const id = leased.followUp.id;
    this.#leases.hold(id);
    this.#polling.add(id);
    const trailing: Promise<unknown>[] = [];
    let ok = true;
    try {
      const repaired = await this.#repair(leased, options.checkThread === true);
      ok = repaired.ok;
      if (options.poll && repaired.followUp.status === "active")
        await this.#poll(repaired.followUp, trailing);
    } catch (error) {
      ok = false;
      this.#deps.logger.error({ err: error, followUp: id }, "a follow-up poll failed");
    } finally {
      this.#polling.delete(id);
    }
    void Promise.allSettled(trailing).then((results) =>
      this.#leases.done(id, ok && results.every((result) => result.status === "fulfilled")),
    );
  }

  /** What a previous holder may have left undone: the parent, states recorded and not posted, the end. */
  async #repair(
    leased: LeasedFollowUp,
    checkThread: boolean,
  ): Promise<{ readonly followUp: FollowUp; readonly ok: boolean }> {
    const deps = this.#deps;
    let followUp = leased.followUp;
    if (leased.lapsedFrom)
      deps.logger.info(
        { followUp: followUp.id, from: leased.lapsedFrom },
        "taking over a follow-up whose holder's lease lapsed",
      );
    try {
      if (followUp.status !== "active") {
        const missing = await this.#repairTransitions(followUp);
        // The end is told after the final state is marked posted: unmarked, it was never told.
        if (missing.some((transition) => transition.terminal))
          await this.#finish(followUp, followUp.status, followUp.lastError);
        else await this.#updateParent(followUp, undefined, true);
        return { followUp, ok: true };
      }
      if (!followUp.parentTs) {
        await this.#recoverParent(followUp);
        followUp = (await deps.store.followUps.get(followUp.id)) ?? followUp;
      }
      if (checkThread || leased.lapsedFrom) await this.#repairTransitions(followUp);
      return { followUp, ok: true };
    } catch (error) {
      // Left to lapse afterwards, so that the next holder tries again.
      deps.logger.warn(
        { err: error, followUp: followUp.id },
        "repairing a follow-up failed; it is polled anyway",
      );
      return { followUp, ok: false };
    }
  }

  async #poll(followUp: FollowUp, trailing: Promise<unknown>[]): Promise<void> {
    const deps = this.#deps;
    const now = deps.now();
    if (now >= followUp.timeoutAt) {
      const minutes = Math.round(this.#settings.timeoutMs / 60_000);
      const ended = await deps.store.followUps.end(
        followUp.id,
        "unknown",
        `No final state after ${minutes} min: check it with /ops ${this.#lookup(followUp)}.`,
        now,
      );
      if (ended) await this.#finish(ended, "unknown", ended.lastError);
      return;
    }
    if (!followUp.parentTs) {
      // Its parent message is still queued for Slack: a state seen now would have no thread to go in.
      await deps.store.followUps.polled(followUp.id, { nextPollAt: now + this.#settings.intervalMs }, now);
      return;
    }
    const operation = deps.catalogue.byId(followUp.poll.operationId);
    const validation = operation ? validateArgs(operation, followUp.poll.args, deps.defaults) : undefined;
    if (!operation?.progress || !validation?.ok) {
      const ended = await deps.store.followUps.end(
        followUp.id,
        "unknown",
        "This opsbot can no longer follow it.",
        now,
      );
      if (ended) await this.#finish(ended, "unknown", ended.lastError);
      return;
    }
    const outcome = await runInvocation(deps, {
      id: followUp.correlationId,
      operation,
      args: validation.args,
      actor: { userId: followUp.requesterId, channelId: followUp.channelId },
    });
    if (!outcome.ok) {
      // A backend hiccup is a warning in the thread, once per streak, not a failure of the operation.
      const next =
        now +
        this.#jittered(
          Math.min(this.#settings.maxIntervalMs, this.#settings.intervalMs * 2 ** (followUp.failures + 1)),
        );
      const updated = await deps.store.followUps.polled(
        followUp.id,
        { nextPollAt: next, error: outcome.message },
        now,
      );
      if (updated.failures === 1 && followUp.parentTs)
        await this.#poster
          .post(
            {
              channel: followUp.channelId,
              thread_ts: followUp.parentTs,
              text: `⚠️ ${escapeMrkdwn(outcome.message)} Still following.`,
              metadata: {
                event_type: NOTE_METADATA_TYPE,
                event_payload: { followup: followUp.id, warning: updated.polls },
              },
            },
            { progress: true },
          )
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, "a follow-up warning could not be posted"),
          );
      return;
    }
    const progress = operation.progress(outcome.result);
    const final = this.#finalOf(followUp, progress);
    if (progress.state === followUp.state && !final) {
      const delay = Math.min(
        this.#settings.maxIntervalMs,
        this.#settings.intervalMs * 1.25 ** Math.min(followUp.polls, 20),
      );
      await deps.store.followUps.polled(followUp.id, { nextPollAt: now + this.#jittered(delay) }, now);
      return;
    }
    const recorded = await deps.store.followUps.transition(
      followUp.id,
      {
        expectedSeq: followUp.seq,
        state: progress.state,
        ...(final ? { terminal: final } : {}),
        nextPollAt: now + this.#jittered(this.#settings.intervalMs),
      },
      now,
    );
    if (!recorded) return; // another poll recorded this state first
    if (final) {
      await this.#postTransition(recorded.followUp, recorded.transition);
      await this.#finish(recorded.followUp, final, undefined, outcome.output, operation);
      return;
    }
    // A state on the way is queued for Slack without holding up the other polls; the queue keeps each
    // channel's posts in order, the record says what is not confirmed yet, and the lease stays until
    // Slack has it (a failure lets it lapse, for the next holder to post it). The parent's edit comes
    // after, outside the lease: it waits on the workspace-wide chat.update allowance that all replicas
    // share, and holding the lease for it would hold the next poll back with it.
    const posting = this.#postTransition(recorded.followUp, recorded.transition);
    trailing.push(posting);
    posting.then(
      () => void this.#updateParent(recorded.followUp),
      (error: unknown) =>
        deps.logger.warn({ err: error, followUp: followUp.id }, "a state could not be posted yet"),
    );
  }

  #finalOf(followUp: FollowUp, progress: Progress): FollowUpStatus | undefined {
    if (progress.outcome) return progress.outcome;
    return followUp.settleOn?.includes(progress.state) ? "succeeded" : undefined;
  }

  async #postTransition(followUp: FollowUp, transition: Transition): Promise<void> {
    if (!followUp.parentTs) return;
    const store = this.#deps.store.followUps;
    const phase: FollowUpPhase = transition.terminal ? (followUp.status as FollowUpPhase) : "active";
    const skipped = transition.terminal
      ? (await store.transitions(followUp.id)).filter((t) => t.postedTs === SKIPPED_TS).length
      : 0;
    const reply = transitionReply(transition.state, phase, transition.at, followUp.startedAt, skipped);
    const posting = this.#poster.post(
      {
        channel: followUp.channelId,
        thread_ts: followUp.parentTs,
        text: reply.text,
        blocks: reply.blocks,
        // The final state also shows in the channel, so nobody has to open the thread to see it.
        ...(transition.terminal ? { reply_broadcast: true } : {}),
        metadata: {
          event_type: METADATA_TYPE,
          event_payload: { followup: followUp.id, seq: transition.seq },
        },
      },
      // A state on the way is progress: a full queue sheds it, and the final state says how many went.
      transition.terminal ? { critical: true } : { progress: true },
    );
    const posted = await posting.catch((error: unknown) => {
      if (transition.terminal || !wasShed(error)) throw error;
      return { ts: SKIPPED_TS };
    });
    await store.markPosted(followUp.id, transition.seq, posted.ts);
  }

  /**
   * Transitions recorded but not marked posted: posted now unless the thread already has them. Returns
   * those it found unmarked.
   */
  async #repairTransitions(followUp: FollowUp): Promise<readonly Transition[]> {
    const missing = await this.#deps.store.followUps.unposted(followUp.id);
    if (missing.length === 0 || !followUp.parentTs) return [];
    const inThread = new Map<number, string>();
    // If the thread cannot be read, posting again risks a duplicate; not posting would lose the state.
    const replies = await this.#poster
      .repliesWithMetadata(followUp.channelId, followUp.parentTs)
      .catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, followUp: followUp.id },
          "the thread could not be read; posting unconfirmed states",
        );
        return [];
      });
    for (const reply of replies) {
      const payload = reply.metadata?.event_type === METADATA_TYPE ? reply.metadata.event_payload : undefined;
      if (payload?.followup === followUp.id && typeof payload.seq === "number")
        inThread.set(payload.seq, reply.ts);
    }
    for (const transition of missing) {
      const ts = inThread.get(transition.seq);
      if (ts) await this.#deps.store.followUps.markPosted(followUp.id, transition.seq, ts);
      else await this.#postTransition(followUp, transition);
    }
    return missing;
  }

  async #finish(
    followUp: FollowUp,
    status: FollowUpStatus,
    note?: string,
    output?: Output,
    operation?: AnyOperation,
  ): Promise<void> {
    const deps = this.#deps;
    await this.#updateParent(followUp, note, true);
    if (status === "unknown" && followUp.parentTs)
      await this.#poster
        .post(
          {
            channel: followUp.channelId,
            thread_ts: followUp.parentTs,
            text: `${MARK.unknown} ${escapeMrkdwn(note ?? "Outcome unknown.")}`,
            reply_broadcast: true,
            metadata: {
              event_type: NOTE_METADATA_TYPE,
              event_payload: { followup: followUp.id, note: "unknown" },
            },
          },
          { critical: true },
        )
        .catch((error: unknown) =>
          deps.logger.warn(
            { err: error, followUp: followUp.id },
            "the outcome-unknown note could not be posted",
          ),
        );
    // The final output goes in the thread when it says more than the state: a file, a next step, or
    // why it failed.
    const telling =
      output && (output.kind === "document" || output.actions !== undefined || status === "failed");
    if (output && operation && followUp.parentTs && telling) {
      const parentTs = followUp.parentTs;
      const withPrefill: Output = output.actions
        ? {
            ...output,
            actions: output.actions.map((a) => ({ ...a, args: { ...followUp.prefill, ...a.args } })),
          }
        : output;
      await replyWithOutput(
        { catalogue: deps.catalogue, poster: this.#poster },
        operation,
        withPrefill,
        {
          channelId: followUp.channelId,
          userId: followUp.requesterId,
          threadTs: parentTs,
          respond: (message) =>
            this.#poster.post(
              {
                channel: followUp.channelId,
                thread_ts: parentTs,
                text: message.text,
                ...(message.blocks ? { blocks: message.blocks } : {}),
                metadata: {
                  event_type: NOTE_METADATA_TYPE,
                  event_payload: { followup: followUp.id, note: "result" },
                },
              },
              { critical: true },
            ),
        },
        { raw: followUp.poll.args, privately: false },
      ).catch((error: unknown) =>
        deps.logger.warn({ err: error, followUp: followUp.id }, "the final result could not be posted"),
      );
    }
    const event = status === "succeeded" ? "operation.succeeded" : "operation.failed";
    const ending = endingOf(status, followUp.state);
    await deps.notifier.notify(
      event,
      `${ending.mark} ${inlineCode(followUp.operationId)} ${fitText(followUp.title, 300, escapeMrkdwn)} asked by ${userMention(followUp.requesterId)} in ${channelMention(followUp.channelId)}: ${ending.word}${saysMore(ending, followUp.state) ? ` (${inlineCode(followUp.state)})` : ""}.`,
      [followUp.channelId],
    );
  }

  async #postParent(followUp: FollowUp): Promise<void> {
    const message = followUpParent(this.#card(followUp));
    const posted = await this.#poster.post(
      {
        channel: followUp.channelId,
        text: message.text,
        blocks: message.blocks,
        metadata: { event_type: PARENT_METADATA_TYPE, event_payload: { followup: followUp.id } },
      },
      { critical: true },
    );
    await this.#deps.store.followUps.setParent(followUp.id, posted.ts);
  }

  /**
   * A parent not recorded may still be in Slack (a crash after Slack took it, before its ts was stored):
   * it is looked for in the channel by its metadata and only posted when it is not there.
   */
  async #recoverParent(followUp: FollowUp): Promise<void> {
    const recent = await this.#poster
      .historyWithMetadata(followUp.channelId, PARENT_SEARCH_DEPTH)
      .catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, followUp: followUp.id },
          "the channel could not be read; posting the parent",
        );
        return [];
      });
    const found = recent.find(
      (message) =>
        message.metadata?.event_type === PARENT_METADATA_TYPE &&
        message.metadata.event_payload?.followup === followUp.id,
    );
    if (found) await this.#deps.store.followUps.setParent(followUp.id, found.ts);
    else await this.#postParent(followUp);
  }

  async #updateParent(followUp: FollowUp, note?: string, critical = false): Promise<void> {
    if (!followUp.parentTs) return;
    const message = followUpParent(this.#card(followUp, note));
    await this.#poster
      .update(
        { channel: followUp.channelId, ts: followUp.parentTs },
        { text: message.text, blocks: message.blocks },
        // The parent's status line between states is progress too: the final edit is critical.
        critical ? { critical } : { progress: true },
      )
      .catch((error: unknown) =>
        this.#deps.logger.warn(
          { err: error, followUp: followUp.id },
          "the parent message could not be updated",
        ),
      );
  }

  #card(followUp: FollowUp, note?: string) {
    const cancelSpec = followUp.cancel;
    const cancelOperation = cancelSpec ? this.#deps.catalogue.byId(cancelSpec.operationId) : undefined;
    const cancel =
      cancelSpec && cancelOperation
        ? operationButton(cancelOperation, cancelSpec.args, { action: "run", label: cancelSpec.label })
        : undefined;
    return {
      id: followUp.id,
      operationId: followUp.operationId,
      ...(followUp.title === followUp.operationId ? {} : { subject: followUp.title }),
      requesterId: followUp.requesterId,
      ...(followUp.identity ? { identity: followUp.identity } : {}),
      phase: followUp.status as FollowUpPhase,
      ...(followUp.state ? { state: followUp.state } : {}),
      startedAt: followUp.startedAt,
      updatedAt: followUp.updatedAt,
      ...(note ? { note } : {}),
      refreshValue: followUp.id,
      ...(cancel ? { cancel } : {}),
    };
  }

  #lookup(followUp: FollowUp): string {
    const [resource, verb] = followUp.poll.operationId.split(":");
    return `${resource} ${verb} ${Object.values(followUp.poll.args).join(" ")}`;
  }

  #jittered(ms: number): number {
    const spread = this.#settings.jitter;
    return Math.max(0, Math.round(ms * (1 - spread + 2 * spread * this.#random())));
  }
}
