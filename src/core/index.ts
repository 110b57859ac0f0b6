import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ApiClients } from "../api/index.js";
import type { HomeContent } from "../blocks/home.js";
import type { OperationValue } from "../blocks/ids.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import type { Actor } from "../catalogue/define.js";
import type { NotificationEvent } from "../catalogue/events.js";
import type { OpsbotContext } from "../catalogue/opsbot/context.js";
import type { ArgDefaults } from "../catalogue/validate.js";
import type { AuditEntry, PrunedTable, Store } from "../store/types.js";
import { ApprovalDesk } from "./approvals/desk.js";
import { Auditor } from "./audit.js";
import { FollowUpEngine, type FollowUpSettings, followUpSettingsOf } from "./followups/engine.js";
import { Heartbeat } from "./heartbeat.js";
import { homeContent } from "./home.js";
import {
  answerInterruptedCommands,
  journaled,
  type ParsedCall,
  type ReceivedCommand,
  type ResponseUrlPost,
} from "./intake.js";
import { invoke, type Submission } from "./invoke.js";
import { type LoadedConfiguration, loadedConfiguration } from "./loaded-configuration.js";
import { Notifier } from "./notifications/notifier.js";
import { type OptionsRequest, OptionsService, type OptionsSettings } from "./options.js";
import { OptionsTally } from "./options-tally.js";
import { type AccessCheck, AccessControl } from "./policy/access.js";
import { GroupResolver } from "./policy/groups.js";
import { IdentityResolver } from "./policy/identity.js";
import { identityEmail, type Member, type Serving, type Standing, standingOf } from "./policy/member.js";
import { MemberDirectory } from "./policy/members.js";
import { groupsReferenced, type Policy } from "./policy/policy.js";
import { type PolicyWarning, policyWarnings } from "./policy/policy-warnings.js";
import { quickCheck } from "./policy/quick-check.js";
import type { Clock, ReplyTarget, SlackPoster } from "./ports.js";
import { newProcessId } from "./process-id.js";
import { Retention, type RetentionSettings } from "./retention.js";
import { whoami } from "./whoami.js";

/** What the core reads from Slack's directory: who is in a user group, what an account is. */
export interface SlackDirectory {
  usergroupMembers(usergroupId: string): Promise<readonly string[]>;
  /** users.info: undefined when Slack knows no such user; throws when Slack fails. */
  member(userId: string): Promise<Member | undefined>;
}

export interface CoreOptions {
  readonly api: ApiClients;
  readonly catalogue: Catalogue;
  readonly store: Store;
  readonly policy: Policy;
  /** Every write to Slack (the Slack adapter's outbox). */
  readonly poster: SlackPoster;
  /** Posts to a command's response URL (also through the outbox). */
  readonly respondTo: ResponseUrlPost;
  readonly directory: SlackDirectory;
  readonly logger: Logger;
  readonly now: Clock;
  /** Configured values arguments may fall back on (`ORCHESTRATION_PROJECT_ID`, …). */
  readonly defaults: ArgDefaults;
  readonly identity: { readonly overrides: Readonly<Record<string, string>>; readonly cacheTtlMs: number };
  /** The workspaces and organisation opsbot serves; undefined until start-up has resolved them. */
  readonly serving: () => Serving | undefined;
  /** How long users.info answers are trusted (OPSBOT_MEMBER_CACHE_SECONDS). */
  readonly memberCacheTtlMs?: number;
  /**
   * People remembered at most by each per-person cache: users.info answers, identities, the dropdown
   * rate limit (OPSBOT_USER_CACHE_MAX, default 10,000); the least recently seen go first.
   */
  readonly peopleCached?: number;
  /** Dropdown options: per-person limit and cache; tests shorten them. */
  readonly options?: Partial<OptionsSettings>;
  /** How followed operations are polled; tests shorten it. */
  readonly followUpSettings?: Partial<FollowUpSettings>;
  /** How often expired approval requests are swept; 0 turns the sweep off (tests call it). */
  readonly sweepEveryMs?: number;
  /** Sees every audit record first (the metrics count commands by outcome). */
  readonly observeAudit?: (entry: AuditEntry) => void;
  /** This process among the replicas sharing the store (default: a fresh one). */
  readonly processId?: string;
  /**
   * A process whose heartbeat is older than this (by the database's clock) is gone, and its work in
   * flight is taken over (OPSBOT_HEARTBEAT_STALE_MS, default 30 s; tests shorten it).
   */
  readonly heartbeatStaleMs?: number;
  /** How long records are kept, and how they are pruned (OPSBOT_RETENTION_AUDIT_DAYS, OPSBOT_RETENTION_DAYS). */
  readonly retention?: Partial<RetentionSettings>;
  /** Told how many rows each retention batch deleted (the metrics counter). */
  readonly observePruned?: (table: PrunedTable, count: number) => void;
}

/**
 * opsbot's use cases, as the Slack adapter calls them. Everything is built here in order, from narrow
 * interfaces: the Slack side depends on this, never the reverse.
 */
export interface Core {
  readonly catalogue: Catalogue;
  readonly store: Store;
  readonly access: AccessControl;
  readonly approvals: ApprovalDesk;
  readonly followUps: FollowUpEngine;
  /** This process among the replicas sharing the store: the owner of the work it has in flight. */
  readonly processId: string;
  /** The one path of every operation: permission, freeze, approval, run, audit, follow-up, reply. */
  invoke(submission: Submission): Promise<void>;
  /**
   * A permission check bounded in time, for what must happen within Slack's 3 s (opening a form); it
   * refuses when it cannot finish in time.
   */
  quickCheck(userId: string, channelId: string, operationId: string): Promise<AccessCheck>;
  home(userId: string): Promise<HomeContent>;
  /** What the permissions file may get wrong (rules matching reads, unsatisfiable, changes left out). */
  policyWarnings(): Promise<PolicyWarning[]>;
  /** The permissions file's warnings as text, for an admin; none for anyone else. */
  warningsFor(userId: string, channelId: string): Promise<string[]>;
  /** A dropdown's names, only for someone allowed the form and the read; none when refused. */
  options(request: OptionsRequest): Promise<string[]>;
  /** Records a request refused before it reached an operation (another team's, at the adapter's door). */
  recordRefusal(refused: {
    userId: string;
    channelId?: string;
    outcome: string;
    detail: string;
  }): Promise<void>;
  loadedConfiguration(
    loaded: NonNullable<OperationValue["loaded"]>,
    actor: Pick<ReplyTarget, "userId" | "channelId">,
  ): Promise<LoadedConfiguration>;
  /** Refresh on a followed operation: what to tell the clicker, if anything. */
  refreshFollowUp(
    userId: string,
    channelId: string | undefined,
    followUpId: string,
  ): Promise<string | undefined>;
  /** Notes a command in the store before it is acknowledged, and settles it when its work is done. */
  journaled(
    command: ReceivedCommand,
    ack: () => Promise<void>,
    work: () => Promise<void>,
    call?: ParsedCall,
  ): Promise<void>;
  /**
   * Registers this process (with a heartbeat from then on), takes over what gone processes left, then
   * starts the background work, whose sweep keeps taking over from replicas that die later.
   */
  start(): Promise<void>;
  /** Stops the background work (a sweep or poll under way finishes), then marks this process stopped. */
  stop(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const { api, catalogue, store, policy, poster, logger, now, defaults } = options;
  const groups = new GroupResolver({
    groups: groupsReferenced(policy),
    listUsers: async (usergroup) => [...(await options.directory.usergroupMembers(usergroup))],
    onError: (group, error) => logger.warn({ err: error, group }, "a user group could not be looked up"),
  });
  const members = new MemberDirectory({
    lookup: (userId) => options.directory.member(userId),
    ttlMs: options.memberCacheTtlMs ?? 60_000,
    ...(options.peopleCached ? { maxEntries: options.peopleCached } : {}),
  });
  // A failed lookup or a start-up not finished counts as "unknown": only grants by user ID then apply.
  const standing = async (userId: string): Promise<{ member?: Member; standing: Standing }> => {
    const serving = options.serving();
    const member = await members.get(userId).catch((error: unknown) => {
      logger.warn({ err: error, user: userId }, "a Slack user could not be looked up");
      return undefined;
    });
    return { ...(member ? { member } : {}), standing: serving ? standingOf(member, serving) : "unknown" };
  };
  const identities = new IdentityResolver({
    // The environment's overrides win over the file's: they are the quicker fix in an emergency.
    overrides: { ...policy.identityOverrides, ...options.identity.overrides },
    ttlMs: options.identity.cacheTtlMs,
    ...(options.peopleCached ? { maxEntries: options.peopleCached } : {}),
    lookup: {
      async email(userId) {
        const known = await standing(userId);
        const answer = identityEmail(known.member, known.standing);
        if (!answer) return undefined;
        return answer.ok ? answer.email : { withheld: answer.reason };
      },
    },
  });
  const access = new AccessControl(policy, groups, async (userId) => (await standing(userId)).standing);
  // Worked out when asked: the groups' members may change while opsbot runs.
  const warnings = async (): Promise<PolicyWarning[]> =>
    policy.source === "default"
      ? []
      : policyWarnings(policy, catalogue.operations, await access.groupMembers());
  const warningsFor = async (userId: string, channelId: string): Promise<string[]> =>
    (await access.isAdmin(userId, channelId)) ? (await warnings()).map((w) => w.message) : [];
  const audit = new Auditor(
    store.audit,
    logger.child({ module: "audit" }),
    catalogue,
    now,
    options.observeAudit,
  );
  const tally = new OptionsTally(audit);
  const dropdowns = new OptionsService({
    api,
    access,
    tally,
    now,
    ...(options.options ? { settings: options.options } : {}),
    ...(options.peopleCached ? { maxPeople: options.peopleCached } : {}),
  });
  const notifier = new Notifier(
    poster,
    policy,
    store.subscriptions,
    logger.child({ module: "notifications" }),
  );
  const runner = {
    api,
    identities,
    logger,
    opsbot: (actor: Actor): OpsbotContext => ({
      now: now(),
      locks: store.locks,
      subscriptions: store.subscriptions,
      channelsFor: (event) => notifier.channelsFor(event as NotificationEvent),
      audit: store.audit,
      whoami: () => whoami({ identities, access, warnings: warningsFor }, actor.userId, actor.channelId),
    }),
  };
  const processId = options.processId ?? newProcessId();
  const followUps = new FollowUpEngine({
    ...runner,
    owner: processId,
    catalogue,
    defaults,
    store,
    notifier,
    poster,
    now,
    settings: { ...followUpSettingsOf(policy), ...options.followUpSettings },
  });
  const carrying = { ...runner, catalogue, poster, audit, followUps };
  const staleAfterMs = options.heartbeatStaleMs ?? 30_000;
  const approvals = new ApprovalDesk({
    ...carrying,
    store,
    access,
    defaults,
    notifier,
    now,
    processId,
    staleAfterMs,
  });
  const invoking = { ...carrying, access, store, approvals, now };
  const intake = { store, logger, now, processId };
  const retention = new Retention({
    store: store.retention,
    now,
    logger: logger.child({ module: "retention" }),
    ...(options.observePruned ? { onPruned: options.observePruned } : {}),
    ...(options.retention ? { settings: options.retention } : {}),
  });
  const heartbeat = new Heartbeat({
    processes: store.processes,
    processId,
    staleAfterMs,
    logger: logger.child({ module: "heartbeat" }),
  });
  // At least once per stale limit, so that a dead replica's work is taken over within about twice it.
  const sweepEveryMs = options.sweepEveryMs ?? Math.min(15_000, staleAfterMs);
  let sweeper: NodeJS.Timeout | undefined;
  // The sweep under way, which stop() waits for: an approved request it runs must not be cut off.
  let sweeping: Promise<void> | undefined;
  const answerInterrupted = () =>
    answerInterruptedCommands(intake, options.respondTo, staleAfterMs).catch((error: unknown) =>
      logger.error({ err: error }, "answering interrupted commands failed"),
    );
  let tallyFlusher: NodeJS.Timeout | undefined;
  const flushTally = () =>
    tally.flush().catch((error: unknown) => logger.error({ err: error }, "auditing dropdown options failed"));

  return {
    catalogue,
    store,
    access,
    approvals,
    followUps,
    processId,
    invoke: (submission) => invoke(invoking, submission),
    quickCheck: (userId, channelId, operationId) => quickCheck(access, userId, channelId, operationId),
    home: (userId) => homeContent({ store, access }, userId),
    policyWarnings: warnings,
    warningsFor,
    options: (request) => dropdowns.names(request),
    recordRefusal: (refused) =>
      audit.record({
        kind: "refusal",
        correlationId: randomUUID(),
        userId: refused.userId,
        ...(refused.channelId ? { channelId: refused.channelId } : {}),
        outcome: refused.outcome,
        detail: refused.detail,
      }),
    loadedConfiguration: (loaded, actor) =>
      loadedConfiguration({ ...runner, catalogue, defaults, access }, loaded, actor),
    async refreshFollowUp(userId, channelId, followUpId) {
      const followUp = await store.followUps.get(followUpId);
      if (!followUp) return "This follow-up no longer exists.";
      // Polling it is reading its state: the clicker needs the permission to read it, as if typed.
      const permission = await access.check(
        userId,
        channelId ?? followUp.channelId,
        followUp.poll.operationId,
      );
      if (!permission.allowed) return `⛔ ${permission.message}`;
      const result = await followUps.refresh(followUp.id);
      if (result === "finished") return "It has already finished; the message shows how it ended.";
      if (result === "busy")
        return "opsbot is checking it right now; the message updates when the state changes.";
      return undefined;
    },
    journaled: (command, ack, work, call) => journaled(intake, command, ack, work, call),
    async start() {
      await heartbeat.start();
      // Said once at start-up, a line each, where whoever deploys opsbot looks first.
      for (const warning of await warnings())
        logger.warn({ kind: warning.kind, source: policy.source }, `permissions file: ${warning.message}`);
      await approvals
        .recoverInterrupted()
        .catch((error: unknown) => logger.error({ err: error }, "recovering interrupted approvals failed"));
      await answerInterrupted();
      if (sweepEveryMs > 0 && !sweeper) {
        const sweep = () => {
          // A slow sweep is not run twice at once: the next tick finds it still under way.
          if (sweeping) return;
          sweeping = (async () => {
            await approvals
              .sweep()
              .catch((error: unknown) => logger.error({ err: error }, "sweeping approvals failed"));
            await answerInterrupted();
          })().finally(() => {
            sweeping = undefined;
          });
        };
        sweeper = setInterval(sweep, sweepEveryMs);
        sweeper.unref();
        sweep();
      }
      retention.start();
      if (!tallyFlusher) {
        tallyFlusher = setInterval(() => void flushTally(), 60_000);
        tallyFlusher.unref();
      }
      await followUps.start();
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      if (tallyFlusher) clearInterval(tallyFlusher);
      tallyFlusher = undefined;
      await flushTally();
      await retention.stop();
      await sweeping;
      await followUps.stop();
      // Last: until now this process's work was its own; from here the survivors may take it over.
      await heartbeat.stop();
    },
  };
}
