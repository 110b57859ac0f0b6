import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { operationButton } from "../../blocks/buttons.js";
import { type FollowUpPhase, followUpParent, transitionReply } from "../../blocks/followup.js";
import type { Catalogue } from "../../catalogue/catalogue.js";
import type { AnyOperation, FollowSpec, Progress } from "../../catalogue/define.js";
import type { Output } from "../../catalogue/output.js";
import { type ArgDefaults, validateArgs } from "../../catalogue/validate.js";
import type { FollowUp, FollowUpStatus, Store, Transition } from "../../store/types.js";
import type { Notifier } from "../notifications/notifier.js";
import type { Policy } from "../policy/policy.js";
import type { Clock, SlackPoster } from "../ports.js";
import { replyWithOutput } from "../reply.js";
import { type RunnerDeps, runInvocation } from "../run.js";
import { PollBudget } from "./budget.js";

export interface FollowUpDeps extends RunnerDeps {
  readonly catalogue: Catalogue;
  readonly defaults: ArgDefaults;
  readonly store: Pick<Store, "followUps">;
  readonly notifier: Pick<Notifier, "notify">;
  readonly poster: SlackPoster;
  readonly logger: Logger;
  readonly now: Clock;
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
  /** Polls per second each backend may receive. */
  readonly requestsPerSecond: Readonly<Record<string, number>>;
}

export const DEFAULT_FOLLOWUP_SETTINGS: FollowUpSettings = {
  firstPollMs: 2_000,
  intervalMs: 5_000,
  maxIntervalMs: 30_000,
  timeoutMs: 30 * 60_000,
  jitter: 0.2,
  tickMs: 250,
  requestsPerSecond: { deploy: 5, calyptia: 5, orchestration: 5 },
};

const METADATA_TYPE = "opsbot_followup_transition";
/** The parent message's metadata: after a crash between posting it and recording it, it is found again. */
const PARENT_METADATA_TYPE = "opsbot_followup_parent";
/** Other thread replies (warnings, notes, the final result): found again if an answer was lost. */
const NOTE_METADATA_TYPE = "opsbot_followup_note";
/** How far back in the channel a restart looks for a parent it posted but did not record. */
const PARENT_SEARCH_DEPTH = 1_000;

/** The permissions file's `followups` section, as settings. */
export function followUpSettingsOf(policy: Policy): Partial<FollowUpSettings> {
  const f = policy.followups;
  const rps = f.maxRequestsPerSecond;
  return {
    ...(f.pollIntervalMs ? { intervalMs: f.pollIntervalMs } : {}),
    ...(f.timeoutMs ? { timeoutMs: f.timeoutMs } : {}),
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
  /** Follow-ups this process knows to be unfinished (begun or resumed here). */
  readonly #active = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  readonly #budget: PollBudget;

  constructor(deps: FollowUpDeps) {
    this.#deps = deps;
    this.#poster = deps.poster;
    this.#settings = { ...DEFAULT_FOLLOWUP_SETTINGS, ...deps.settings };
    this.#random = deps.random ?? Math.random;
    this.#budget = new PollBudget((backend) => this.#settings.requestsPerSecond[backend] ?? 5, deps.now);
  }

  /** Polls running right now. */
  get inFlight(): number {
    return this.#polling.size;
  }

  /** Unfinished follow-ups this process is following (the demo waits for them). */
  get following(): number {
    return this.#active.size;
  }

  /** Picks up what a previous run left unfinished, then polls on a timer. */
  async start(): Promise<void> {
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
    const created = await deps.store.followUps.create({
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
    });
    this.#active.add(created.id);
    return created;
  }

  /** The second half of begin(): the parent message and the "started" notification. */
  async announce(created: FollowUp): Promise<FollowUp | undefined> {
    const deps = this.#deps;
    await this.#postParent(created);
    await deps.notifier.notify(
      "operation.started",
      `⏳ <@${created.requesterId}> started \`${created.operationId}\` ${created.title} in <#${created.channelId}>.`,
      [created.channelId],
    );
    return deps.store.followUps.get(created.id);
  }

  /** Follow-ups due now, within each backend's budget; polls run concurrently. */
  async tick(): Promise<void> {
    const deps = this.#deps;
    const due = await deps.store.followUps.due(deps.now(), 500);
    const byBackend = new Map<string, FollowUp[]>();
    for (const f of due)
      if (!this.#polling.has(f.id)) byBackend.set(f.backend, [...(byBackend.get(f.backend) ?? []), f]);
    const chosen: FollowUp[] = [];
    for (const [backend, list] of byBackend)
      chosen.push(...list.slice(0, this.#budget.take(backend, list.length)));
    // Not awaited: a poll may wait on the Slack queue's pacing, which must not hold up the others.
    for (const f of chosen) void this.#pollGuarded(f);
  }

  /** Refresh: poll one follow-up now (within the budget, so a click storm cannot flood a backend). */
  async refresh(id: string): Promise<"polled" | "finished" | "busy" | "not-found"> {
    const f = await this.#deps.store.followUps.get(id);
    if (!f) return "not-found";
    if (f.status !== "active") return "finished";
    if (this.#polling.has(id) || this.#budget.take(f.backend, 1) === 0) return "busy";
    await this.#pollGuarded(f);
    return "polled";
  }

  /** After a restart: parents that were never posted, and transitions not known to be in Slack. */
  async resume(): Promise<void> {
    const deps = this.#deps;
    for (const f of await deps.store.followUps.active()) {
      this.#active.add(f.id);
      try {
        if (!f.parentTs) await this.#recoverParent(f);
        await this.#repairTransitions(f);
      } catch (error) {
        deps.logger.warn({ err: error, followUp: f.id }, "resuming a follow-up failed; it is polled anyway");
      }
    }
  }

  async #pollGuarded(f: FollowUp): Promise<void> {
    if (this.#polling.has(f.id)) return;
    this.#polling.add(f.id);
    try {
      await this.#poll(f);
    } catch (error) {
      this.#deps.logger.error({ err: error, followUp: f.id }, "a follow-up poll failed");
    } finally {
      this.#polling.delete(f.id);
    }
  }

  async #poll(f: FollowUp): Promise<void> {
    const deps = this.#deps;
    const now = deps.now();
    if (now >= f.timeoutAt) {
      const minutes = Math.round(this.#settings.timeoutMs / 60_000);
      const ended = await deps.store.followUps.end(
        f.id,
        "unknown",
        `No final state after ${minutes} min: check it with /ops ${this.#lookup(f)}.`,
        now,
      );
      if (ended) await this.#finish(ended, "unknown", ended.lastError);
      return;
    }
    if (!f.parentTs) {
      // Its parent message is still queued for Slack: a state seen now would have no thread to go in.
      await deps.store.followUps.polled(f.id, { nextPollAt: now + this.#settings.intervalMs }, now);
      return;
    }
    const operation = deps.catalogue.byId(f.poll.operationId);
    const validation = operation ? validateArgs(operation, f.poll.args, deps.defaults) : undefined;
    if (!operation?.progress || !validation?.ok) {
      const ended = await deps.store.followUps.end(
        f.id,
        "unknown",
        "This opsbot can no longer follow it.",
        now,
      );
      if (ended) await this.#finish(ended, "unknown", ended.lastError);
      return;
    }
    const outcome = await runInvocation(deps, {
      id: f.correlationId,
      operation,
      args: validation.args,
      actor: { userId: f.requesterId, channelId: f.channelId },
    });
    if (!outcome.ok) {
      // A backend hiccup is a warning in the thread, once per streak, not a failure of the operation.
      const next =
        now +
        this.#jittered(
          Math.min(this.#settings.maxIntervalMs, this.#settings.intervalMs * 2 ** (f.failures + 1)),
        );
      const updated = await deps.store.followUps.polled(
        f.id,
        { nextPollAt: next, error: outcome.message },
        now,
      );
      if (updated.failures === 1 && f.parentTs)
        await this.#poster
          .post({
            channel: f.channelId,
            thread_ts: f.parentTs,
            text: `⚠️ ${outcome.message} Still following.`,
            metadata: {
              event_type: NOTE_METADATA_TYPE,
              event_payload: { followup: f.id, warning: updated.polls },
            },
          })
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, "a follow-up warning could not be posted"),
          );
      return;
    }
    const progress = operation.progress(outcome.result);
    const final = this.#finalOf(f, progress);
    if (progress.state === f.state && !final) {
      const delay = Math.min(
        this.#settings.maxIntervalMs,
        this.#settings.intervalMs * 1.25 ** Math.min(f.polls, 20),
      );
      await deps.store.followUps.polled(f.id, { nextPollAt: now + this.#jittered(delay) }, now);
      return;
    }
    const recorded = await deps.store.followUps.transition(
      f.id,
      {
        expectedSeq: f.seq,
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
    // A state on the way is queued for Slack without holding up the next poll; the queue keeps each
    // channel's posts in order, and the record says what is not confirmed yet.
    void this.#postTransition(recorded.followUp, recorded.transition)
      .then(() => this.#updateParent(recorded.followUp))
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, followUp: f.id }, "a state could not be posted yet"),
      );
  }

  #finalOf(f: FollowUp, progress: Progress): FollowUpStatus | undefined {
    if (progress.outcome) return progress.outcome;
    return f.settleOn?.includes(progress.state) ? "succeeded" : undefined;
  }

  async #postTransition(f: FollowUp, t: Transition): Promise<void> {
    if (!f.parentTs) return;
    const phase: FollowUpPhase = t.terminal ? (f.status as FollowUpPhase) : "active";
    const reply = transitionReply(t.state, phase, t.at, f.startedAt);
    const posted = await this.#poster.post(
      {
        channel: f.channelId,
        thread_ts: f.parentTs,
        text: reply.text,
        blocks: reply.blocks,
        // The final state also shows in the channel, so nobody has to open the thread to see it.
        ...(t.terminal ? { reply_broadcast: true } : {}),
        metadata: { event_type: METADATA_TYPE, event_payload: { followup: f.id, seq: t.seq } },
      },
      { critical: t.terminal },
    );
    await this.#deps.store.followUps.markPosted(f.id, t.seq, posted.ts);
  }

  /** Transitions recorded but not marked posted: posted now unless the thread already has them. */
  async #repairTransitions(f: FollowUp): Promise<void> {
    const missing = await this.#deps.store.followUps.unposted(f.id);
    if (missing.length === 0 || !f.parentTs) return;
    const inThread = new Map<number, string>();
    // If the thread cannot be read, posting again risks a duplicate; not posting would lose the state.
    const replies = await this.#poster
      .repliesWithMetadata(f.channelId, f.parentTs)
      .catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, followUp: f.id },
          "the thread could not be read; posting unconfirmed states",
        );
        return [];
      });
    for (const m of replies) {
      const payload = m.metadata?.event_type === METADATA_TYPE ? m.metadata.event_payload : undefined;
      if (payload?.followup === f.id && typeof payload.seq === "number") inThread.set(payload.seq, m.ts);
    }
    for (const t of missing) {
      const ts = inThread.get(t.seq);
      if (ts) await this.#deps.store.followUps.markPosted(f.id, t.seq, ts);
      else await this.#postTransition(f, t);
    }
  }

  async #finish(
    f: FollowUp,
    status: FollowUpStatus,
    note?: string,
    output?: Output,
    operation?: AnyOperation,
  ): Promise<void> {
    const deps = this.#deps;
    this.#active.delete(f.id);
    await this.#updateParent(f, note, true);
    if (status === "unknown" && f.parentTs)
      await this.#poster
        .post(
          {
            channel: f.channelId,
            thread_ts: f.parentTs,
            text: `❔ ${note ?? "Outcome unknown."}`,
            reply_broadcast: true,
            metadata: { event_type: NOTE_METADATA_TYPE, event_payload: { followup: f.id, note: "unknown" } },
          },
          { critical: true },
        )
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, followUp: f.id }, "the outcome-unknown note could not be posted"),
        );
    // The final output goes in the thread when it says more than the state: a file, a next step, or
    // why it failed.
    const telling =
      output && (output.kind === "document" || output.actions !== undefined || status === "failed");
    if (output && operation && f.parentTs && telling) {
      const parentTs = f.parentTs;
      const withPrefill: Output = output.actions
        ? {
            ...output,
            actions: output.actions.map((a) => ({ ...a, args: { ...f.prefill, ...a.args } })),
          }
        : output;
      await replyWithOutput(
        { catalogue: deps.catalogue, poster: this.#poster },
        operation,
        withPrefill,
        {
          channelId: f.channelId,
          userId: f.requesterId,
          threadTs: parentTs,
          respond: (message) =>
            this.#poster.post(
              {
                channel: f.channelId,
                thread_ts: parentTs,
                text: message.text,
                ...(message.blocks ? { blocks: message.blocks } : {}),
                metadata: {
                  event_type: NOTE_METADATA_TYPE,
                  event_payload: { followup: f.id, note: "result" },
                },
              },
              { critical: true },
            ),
        },
        { raw: f.poll.args, privately: false },
      ).catch((error: unknown) =>
        deps.logger.warn({ err: error, followUp: f.id }, "the final result could not be posted"),
      );
    }
    const event = status === "succeeded" ? "operation.succeeded" : "operation.failed";
    await deps.notifier.notify(
      event,
      `${status === "succeeded" ? "✅" : status === "unknown" ? "❔" : "❌"} \`${f.operationId}\` ${f.title} asked by <@${f.requesterId}> in <#${f.channelId}>: ${status} (${f.state ?? "no state"}).`,
      [f.channelId],
    );
  }

  async #postParent(f: FollowUp): Promise<void> {
    const message = followUpParent(this.#card(f));
    const posted = await this.#poster.post(
      {
        channel: f.channelId,
        text: message.text,
        blocks: message.blocks,
        metadata: { event_type: PARENT_METADATA_TYPE, event_payload: { followup: f.id } },
      },
      { critical: true },
    );
    await this.#deps.store.followUps.setParent(f.id, posted.ts);
  }

  /**
   * A parent not recorded may still be in Slack (a crash after Slack took it, before its ts was stored):
   * it is looked for in the channel by its metadata and only posted when it is not there.
   */
  async #recoverParent(f: FollowUp): Promise<void> {
    const recent = await this.#poster
      .historyWithMetadata(f.channelId, PARENT_SEARCH_DEPTH)
      .catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, followUp: f.id },
          "the channel could not be read; posting the parent",
        );
        return [];
      });
    const found = recent.find(
      (m) => m.metadata?.event_type === PARENT_METADATA_TYPE && m.metadata.event_payload?.followup === f.id,
    );
    if (found) await this.#deps.store.followUps.setParent(f.id, found.ts);
    else await this.#postParent(f);
  }

  async #updateParent(f: FollowUp, note?: string, critical = false): Promise<void> {
    if (!f.parentTs) return;
    const message = followUpParent(this.#card(f, note));
    await this.#poster
      .update(
        { channel: f.channelId, ts: f.parentTs },
        { text: message.text, blocks: message.blocks },
        { critical },
      )
      .catch((error: unknown) =>
        this.#deps.logger.warn({ err: error, followUp: f.id }, "the parent message could not be updated"),
      );
  }

  #card(f: FollowUp, note?: string) {
    const cancelSpec = f.cancel;
    const cancelOperation = cancelSpec ? this.#deps.catalogue.byId(cancelSpec.operationId) : undefined;
    const cancel =
      cancelSpec && cancelOperation
        ? operationButton(cancelOperation, cancelSpec.args, { action: "run", label: cancelSpec.label })
        : undefined;
    return {
      id: f.id,
      operationId: f.operationId,
      ...(f.title === f.operationId ? {} : { subject: f.title }),
      requesterId: f.requesterId,
      ...(f.identity ? { identity: f.identity } : {}),
      phase: f.status as FollowUpPhase,
      ...(f.state ? { state: f.state } : {}),
      startedAt: f.startedAt,
      updatedAt: f.updatedAt,
      ...(note ? { note } : {}),
      refreshValue: f.id,
      ...(cancel ? { cancel } : {}),
    };
  }

  #lookup(f: FollowUp): string {
    const [resource, verb] = f.poll.operationId.split(":");
    return `${resource} ${verb} ${Object.values(f.poll.args).join(" ")}`;
  }

  #jittered(ms: number): number {
    const spread = this.#settings.jitter;
    return Math.max(0, Math.round(ms * (1 - spread + 2 * spread * this.#random())));
  }
}
