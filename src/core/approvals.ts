import { createHash, randomBytes } from "node:crypto";
import { describeIdentity, type Identity } from "../api/identity.js";
import {
  type ApprovalButtonValue,
  type ApprovalCard,
  approvalMessage,
  approvalRequestedNote,
} from "../blocks/approval.js";
import { errorMessage, refusal } from "../blocks/errors.js";
import { channelMention, escapeMrkdwn, inlineCode, userMention } from "../blocks/text.js";
import type { AnyOperation, Target } from "../catalogue/define.js";
import { commandLineOf } from "../catalogue/parse.js";
import { displayArgs, restoreArgs, withholdArgs } from "../catalogue/sensitive.js";
import { type ArgDefaults, type RawArgs, validateArgs } from "../catalogue/validate.js";
import type { ApprovalRequest, Lock, Store } from "../store/types.js";
import { type CarryOutDeps, carryOut } from "./carry-out.js";
import { activeLock, describeLock } from "./locks.js";
import type { Notifier } from "./notifications/notifier.js";
import type { AccessControl } from "./policy/access.js";
import { fingerprintOf } from "./policy/fingerprint.js";
import { type ApprovalRule, approversText } from "./policy/policy.js";
import type { Clock, ReplyTarget, SlackPoster } from "./ports.js";
import { ephemeral } from "./reply.js";

/** Slack metadata on a request message: a post whose answer was lost is found, not posted twice. */
const APPROVAL_METADATA_TYPE = "opsbot_approval";

export interface ApprovalDeskDeps extends CarryOutDeps {
  readonly store: Pick<Store, "approvals" | "locks">;
  readonly access: Pick<AccessControl, "check" | "ruleOf" | "mayApprove">;
  readonly defaults: ArgDefaults;
  readonly notifier: Pick<Notifier, "notify">;
  readonly poster: Pick<SlackPoster, "post" | "update" | "upload">;
  readonly now: Clock;
  /** This process: the owner of the requests it runs (see ProcessStore). */
  readonly processId: string;
  /** How old a process's heartbeat must be for the requests it was running to count as cut off. */
  readonly staleAfterMs: number;
}

/** What the invocation path hands over when an operation needs approval. */
export interface ApprovalAsk {
  readonly correlationId: string;
  readonly operation: AnyOperation;
  readonly args: Record<string, unknown>;
  readonly raw: RawArgs;
  readonly target: Target;
  readonly rule: ApprovalRule;
  readonly force: boolean;
  readonly lock?: Lock;
  readonly reply: ReplyTarget;
}

/** A click on Approve or Deny. */
export interface ApprovalClick {
  readonly value: ApprovalButtonValue;
  readonly userId: string;
  readonly channelId: string;
  /** Tells the clicker privately. */
  readonly tell: (text: string) => Promise<unknown>;
}

/**
 * Approval requests: posted with Approve / Deny, decided only by the rule's approvers (never the
 * requester, unless the rule allows it), run exactly once as the requester when enough have approved,
 * and only if the call is still the one that was approved. Everything goes through the store, so a
 * request survives a restart and 50 simultaneous clicks make one backend call. A request approved by a
 * process that stopped before running it is run by the next sweep (at start-up), still exactly once.
 */
export class ApprovalDesk {
  readonly #deps: ApprovalDeskDeps;
  /** Requests this process approved and is running: the sweep leaves them to their click. */
  readonly #inHand = new Set<string>();

  constructor(deps: ApprovalDeskDeps) {
    this.#deps = deps;
  }

  async request(ask: ApprovalAsk): Promise<void> {
    const deps = this.#deps;
    const { operation, reply, rule } = ask;
    let identity: Identity | undefined;
    if (operation.needsIdentity) {
      const resolved = await deps.identities.resolve(reply.userId);
      if (!resolved.ok) {
        await reply.respond(ephemeral(refusal(resolved.reason)));
        return;
      }
      identity = resolved.identity;
    }
    const now = deps.now();
    // Sensitive values are kept apart from what the request shows, and only until it ends.
    const { shown, withheld } = withholdArgs(operation, ask.raw);
    const created = await deps.store.approvals.create({
      id: `apr_${randomBytes(12).toString("base64url")}`,
      correlationId: ask.correlationId,
      operationId: operation.id,
      args: displayArgs(operation, ask.args),
      rawArgs: shown,
      ...(Object.keys(withheld).length > 0 ? { withheldArgs: withheld } : {}),
      target: ask.target,
      fingerprint: fingerprintOf(
        callFacts(operation.id, ask.args, ask.target, identity, reply.userId, ask.force),
      ),
      requesterId: reply.userId,
      ...(identity ? { requesterIdentity: describeIdentity(identity) } : {}),
      channelId: reply.channelId,
      rule: {
        index: rule.index,
        name: rule.name,
        required: rule.required,
        allowSelfApproval: rule.allowSelfApproval,
        ...(rule.id ? { id: rule.id } : {}),
        named: rule.named,
        digest: rule.digest,
      },
      force: ask.force,
      createdAt: now,
      expiresAt: now + rule.expiresAfterMs,
    });
    const message = approvalMessage(this.#card(created, operation, rule, ask.lock), created.fingerprint);
    let ts: string | undefined;
    try {
      const posted = await deps.poster.post({
        channel: reply.channelId,
        text: message.text,
        blocks: message.blocks,
        metadata: { event_type: APPROVAL_METADATA_TYPE, event_payload: { request: created.id } },
      });
      ts = posted.ts;
    } catch (error) {
      deps.logger.warn({ err: error, request: created.id }, "the approval request could not be posted");
    }
    if (!ts) {
      // Nobody could approve a request nobody sees: withdraw it rather than leave it pending.
      await deps.store.approvals.deny(created.id, reply.userId, deps.now());
      await reply.respond(
        ephemeral(
          errorMessage(
            "This needs an approval, but opsbot cannot post in this channel: invite it (`/invite @opsbot`) and try again.",
          ),
        ),
      );
      return;
    }
    await deps.store.approvals.setMessage(created.id, { channelId: reply.channelId, ts });
    await reply.respond(ephemeral(approvalRequestedNote(this.#card(created, operation, rule, ask.lock))));
    await deps.audit.record({
      kind: "approval.requested",
      correlationId: ask.correlationId,
      operationId: operation.id,
      args: ask.raw,
      userId: reply.userId,
      channelId: reply.channelId,
      outcome: "pending",
      detail: `${created.id} (${rule.name}, ${rule.required} needed)`,
      ...(created.requesterIdentity ? { identity: created.requesterIdentity } : {}),
    });
    const note = `🔐 ${userMention(reply.userId)} asks to run ${inlineCode(operation.id)} in ${channelMention(reply.channelId)}: ${rule.required} approval${rule.required === 1 ? "" : "s"} needed from ${approversText(rule)}.`;
    if (rule.notify && rule.notify !== reply.channelId)
      await deps.poster.post({ channel: rule.notify, text: note }).catch((error: unknown) => {
        deps.logger.warn(
          { err: error, channel: rule.notify },
          "an approval notification could not be posted",
        );
      });
    await deps.notifier.notify("approval.requested", note, [
      reply.channelId,
      ...(rule.notify ? [rule.notify] : []),
    ]);
  }

  async approve(click: ApprovalClick): Promise<void> {
    const deps = this.#deps;
    const checked = await this.#checkClick(click, "approve");
    if (!checked) return;
    const { request, rule } = checked;
    const result = await deps.store.approvals.approve(request.id, click.userId, deps.now());
    switch (result.kind) {
      case "not-found":
        await click.tell("This approval request no longer exists.");
        return;
      case "already-approved-by-you":
        await click.tell("You have already approved this request; it needs another approver.");
        return;
      case "not-pending":
        await click.tell(`This request is already ${result.request.status}.`);
        return;
      case "expired":
        await this.#show(result.request, rule);
        await click.tell("This request has expired; nothing was run.");
        await this.#audit(result.request, "approval.expired", click.userId, "expired");
        return;
      case "recorded":
        await this.#audit(
          result.request,
          "approval.approved",
          click.userId,
          result.complete ? "complete" : "recorded",
        );
        if (!result.complete) {
          await this.#show(result.request, rule);
          return;
        }
        // The request is shown as running by #execute; no need to show "approved" first.
        this.#inHand.add(result.request.id);
        try {
          await this.#decided(result.request, `approved by ${mentions(result.request)}`);
          await this.#execute(result.request, rule);
        } finally {
          this.#inHand.delete(result.request.id);
        }
    }
  }

  async deny(click: ApprovalClick): Promise<void> {
    const deps = this.#deps;
    const checked = await this.#checkClick(click, "deny");
    if (!checked) return;
    const result = await deps.store.approvals.deny(checked.request.id, click.userId, deps.now());
    if (result.kind === "not-found")
      return void (await click.tell("This approval request no longer exists."));
    if (result.kind === "not-pending")
      return void (await click.tell(`This request is already ${result.request.status}.`));
    await this.#show(result.request, checked.rule);
    await this.#audit(
      result.request,
      result.kind === "denied" ? "approval.denied" : "approval.expired",
      click.userId,
      result.kind,
    );
    if (result.kind === "denied")
      await this.#decided(result.request, `denied by ${userMention(click.userId)}`);
  }

  /**
   * At start-up and at each sweep: requests still `executing` whose process is gone (stopped, or its
   * heartbeat older than the stale limit) were cut off by its end; a live replica's are left to it. Whether
   * the call took effect is unknown, so they are ended as failed with that said plainly, never run again;
   * each is taken over first, so that of two survivors one ends it. Returns how many.
   */
  async recoverInterrupted(): Promise<number> {
    const deps = this.#deps;
    const interrupted = await deps.store.approvals.takeOverInterrupted(
      deps.staleAfterMs,
      deps.processId,
      500,
    );
    for (const request of interrupted) {
      const summary =
        "opsbot stopped while running it: whether it took effect is unknown. Check its state before running it again.";
      const finished = await deps.store.approvals.finish(request.id, { ok: false, summary }, deps.now());
      deps.logger.warn(
        { request: request.id, owner: request.owner },
        "an approved request was cut off by the end of its process",
      );
      await this.#show(finished, deps.access.ruleOf(request.rule));
      await this.#audit(finished, "execution", request.requesterId, "unknown", summary);
    }
    return interrupted.length;
  }

  /**
   * Expires what is past its time and says so on each request message; then runs what was approved but
   * never started, because the process that approved it stopped first (a crash between the last click
   * and the run). The claim keeps that to one run, whoever else tries. First of all, it ends what gone
   * processes were running (recoverInterrupted).
   */
  async sweep(): Promise<number> {
    const deps = this.#deps;
    // A replica that died since the last sweep: its cut-off requests are ended without a restart here.
    await this.recoverInterrupted().catch((error: unknown) =>
      deps.logger.error({ err: error }, "recovering interrupted approvals failed"),
    );
    for (const request of await deps.store.approvals.listInStatus("approved", 50)) {
      if (this.#inHand.has(request.id)) continue;
      deps.logger.warn({ request: request.id }, "running a request approved before a restart");
      const late =
        request.expiresAt <= deps.now()
          ? "opsbot stopped before running it, and the approval has expired since; nothing was run"
          : undefined;
      await this.#execute(request, deps.access.ruleOf(request.rule), late).catch((error: unknown) =>
        deps.logger.error({ err: error, request: request.id }, "an approved request failed"),
      );
    }
    const expired = await deps.store.approvals.expireDue(deps.now());
    for (const request of expired) {
      await this.#show(request, deps.access.ruleOf(request.rule));
      await this.#audit(request, "approval.expired", request.requesterId, "expired");
      await deps.notifier.notify(
        "approval.expired",
        `⌛ The request of ${userMention(request.requesterId)} to run ${inlineCode(request.operationId)} in ${channelMention(request.channelId)} expired without enough approvals.`,
        [request.channelId],
      );
    }
    return expired.length;
  }

  async #decided(request: ApprovalRequest, how: string): Promise<void> {
    await this.#deps.notifier.notify(
      "approval.decided",
      `🔐 The request of ${userMention(request.requesterId)} to run ${inlineCode(request.operationId)} in ${channelMention(request.channelId)} was ${how}.`,
      [request.channelId],
    );
  }

  /** The button must match its request, the clicker must be an approver, and not the requester. */
  async #checkClick(
    click: ApprovalClick,
    action: "approve" | "deny",
  ): Promise<{ request: ApprovalRequest; rule: ApprovalRule } | undefined> {
    const deps = this.#deps;
    const request = await deps.store.approvals.get(click.value.requestId);
    const refuse = async (message: string) => {
      await deps.audit.record({
        kind: "refusal",
        correlationId: request?.correlationId ?? click.value.requestId,
        ...(request ? { operationId: request.operationId } : {}),
        userId: click.userId,
        channelId: click.channelId,
        outcome: `${action}-refused`,
        detail: message,
      });
      await click.tell(`⛔ ${message}`);
      return undefined;
    };
    if (!request) return refuse("This approval request no longer exists.");
    if (request.fingerprint !== click.value.fingerprint)
      return refuse("This button does not match the request it names; nothing was approved.");
    const rule = deps.access.ruleOf(request.rule);
    if (!rule) {
      await this.#endRuleGone(request, click);
      return undefined;
    }
    const self = click.userId === request.requesterId;
    if (self && action === "approve" && !request.rule.allowSelfApproval)
      return refuse("You cannot approve your own request: another approver has to.");
    // The requester may withdraw their own request; everyone else needs to be an approver.
    if (!(self && action === "deny") && !(await deps.access.mayApprove(rule, click.userId, click.channelId)))
      return refuse(`Only ${approversText(rule)} may ${action} this request.`);
    return { request, rule };
  }

  /**
   * The rule a request was created under left the permissions file (or moved or changed without an
   * `id` to follow it): nobody can approve it now, so it ends, saying why, rather than wait for nobody.
   */
  async #endRuleGone(request: ApprovalRequest, click: ApprovalClick): Promise<void> {
    const deps = this.#deps;
    if (request.status !== "pending")
      return void (await click.tell(`This request is already ${request.status}.`));
    const summary = `the approval rule "${request.rule.name}" was removed from the permissions file (or moved or changed without an \`id\`), so nobody can approve this; ask again.`;
    const ended = await deps.store.approvals.endPending(request.id, summary, deps.now());
    if (!ended) {
      const now = await deps.store.approvals.get(request.id);
      return void (await click.tell(`This request is already ${now?.status ?? "gone"}.`));
    }
    await this.#show(ended, undefined);
    await this.#audit(ended, "approval.expired", click.userId, "rule-gone", summary);
    await click.tell(`⌛ This request has ended: ${escapeMrkdwn(summary)} Nothing was run.`);
  }

  /**
   * Runs an approved request once: claimed atomically, then checked again against what was approved.
   * `refusal` ends it without a run (an approval left over from before a restart, now too old).
   */
  async #execute(approved: ApprovalRequest, rule: ApprovalRule | undefined, refusal?: string): Promise<void> {
    const deps = this.#deps;
    const claimed = await deps.store.approvals.claimForExecution(approved.id, deps.now(), deps.processId);
    if (!claimed) return;
    await this.#show(claimed, rule);
    const fail = async (summary: string) => {
      const finished = await deps.store.approvals.finish(claimed.id, { ok: false, summary }, deps.now());
      await this.#show(finished, rule);
      await this.#audit(finished, "execution", claimed.requesterId, "refused", summary);
    };
    if (refusal) return fail(refusal);
    const operation = deps.catalogue.byId(claimed.operationId);
    if (!operation) return fail("this opsbot no longer has that operation");
    const raw = restoreArgs(claimed.rawArgs, claimed.withheldArgs);
    const validation = validateArgs(operation, raw, deps.defaults);
    if (!validation.ok) return fail("its arguments are no longer valid");
    let identity: Identity | undefined;
    if (operation.needsIdentity) {
      const resolved = await deps.identities.resolve(claimed.requesterId);
      if (!resolved.ok) return fail(resolved.reason);
      identity = resolved.identity;
    }
    const target = operation.target?.(validation.args) ?? {};
    const fingerprint = fingerprintOf(
      callFacts(operation.id, validation.args, target, identity, claimed.requesterId, claimed.force),
    );
    if (fingerprint !== claimed.fingerprint)
      return fail(
        "the call is not the one that was approved (its arguments, target or identity changed); nothing was run",
      );
    const permission = await deps.access.check(claimed.requesterId, claimed.channelId, operation.id);
    if (!permission.allowed) return fail(`the requester may no longer run it: ${permission.message}`);
    if (!claimed.force && operation.risk !== "read") {
      const lock = await activeLock(deps.store.locks, target, deps.now());
      if (lock) return fail(`${describeLock(lock)} Nothing was run.`);
    }
    // Run as the requester; the request shows its result before the result is posted in its thread.
    const thread = claimed.message;
    await carryOut(deps, {
      correlationId: claimed.correlationId,
      operation,
      args: validation.args,
      raw,
      requesterId: claimed.requesterId,
      channelId: claimed.channelId,
      replyOnFailure: false,
      ...(claimed.requesterIdentity ? { identity: claimed.requesterIdentity } : {}),
      reply: {
        channelId: thread?.channelId ?? claimed.channelId,
        userId: claimed.requesterId,
        ...(thread ? { threadTs: thread.ts } : {}),
        respond: async (message) => {
          if (!thread) return;
          await deps.poster
            .post({
              channel: thread.channelId,
              thread_ts: thread.ts,
              text: message.text,
              ...(message.blocks ? { blocks: message.blocks } : {}),
            })
            .catch((error: unknown) =>
              deps.logger.warn({ err: error }, "the approved result could not be posted"),
            );
        },
      },
      settle: async (outcome) => {
        const summary = outcome.ok ? outcome.output.title : outcome.message;
        const finished = await deps.store.approvals.finish(
          claimed.id,
          { ok: outcome.ok, summary, durationMs: outcome.durationMs },
          deps.now(),
        );
        await this.#show(finished, rule);
      },
      auditDetail: `approved by ${claimed.approvals.map((a) => a.userId).join(", ")}`,
    });
  }

  async #show(request: ApprovalRequest, rule: ApprovalRule | undefined): Promise<void> {
    const deps = this.#deps;
    if (!request.message) return;
    const operation = deps.catalogue.byId(request.operationId);
    const lock =
      request.force && request.target
        ? await activeLock(deps.store.locks, request.target, deps.now())
        : undefined;
    const message = approvalMessage(this.#card(request, operation, rule, lock), request.fingerprint);
    await deps.poster
      .update(
        { channel: request.message.channelId, ts: request.message.ts },
        { text: message.text, blocks: message.blocks },
        { critical: request.status !== "pending" },
      )
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, request: request.id }, "the approval message could not be updated"),
      );
  }

  #card(
    request: ApprovalRequest,
    operation: AnyOperation | undefined,
    rule: ApprovalRule | undefined,
    lock: Lock | undefined,
  ): ApprovalCard {
    return {
      id: request.id,
      status: request.status,
      // Sensitive values as digests: approvers compare requests by them without seeing the values.
      commandLine: operation
        ? commandLineOf(operation, displayArgs(operation, request.rawArgs))
        : request.operationId,
      operationId: request.operationId,
      requesterId: request.requesterId,
      ...(request.requesterIdentity ? { identity: request.requesterIdentity } : {}),
      ruleName: request.rule.name,
      required: request.rule.required,
      approvals: request.approvals,
      approvers: rule ? approversText(rule) : "nobody (the rule is gone)",
      expiresAt: request.expiresAt,
      correlationId: request.correlationId,
      ...(request.decidedBy ? { decidedBy: request.decidedBy } : {}),
      ...(request.outcome ? { outcome: request.outcome } : {}),
      ...(request.force
        ? { force: { lockedBy: lock?.lockedBy ?? "?", reason: lock?.reason ?? "(lock since removed)" } }
        : {}),
    };
  }

  async #audit(
    request: ApprovalRequest,
    kind: "approval.approved" | "approval.denied" | "approval.expired" | "execution",
    userId: string,
    outcome: string,
    detail?: string,
  ): Promise<void> {
    await this.#deps.audit.record({
      kind,
      correlationId: request.correlationId,
      operationId: request.operationId,
      args: request.rawArgs,
      userId,
      channelId: request.channelId,
      outcome,
      detail: detail ?? request.id,
    });
  }
}

/** The facts an approval is bound to; the identity enters as a digest, never as a token. */
function callFacts(
  operationId: string,
  args: Record<string, unknown>,
  target: Target,
  identity: Identity | undefined,
  requesterId: string,
  force: boolean,
) {
  const key = identity
    ? identity.kind === "header"
      ? `header:${identity.email}`
      : `cookie:${createHash("sha256").update(identity.jwt).digest("hex")}`
    : undefined;
  return { operationId, args, target: { ...target }, identity: key, requesterId, force };
}

function mentions(request: ApprovalRequest): string {
  return request.approvals.map((a) => userMention(a.userId)).join(", ");
}
