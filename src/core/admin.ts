import { randomUUID } from "node:crypto";
import { refusal } from "../blocks/errors.js";
import { renderOutput } from "../blocks/output.js";
import type { AdminCommand, LockTarget } from "../catalogue/admin.js";
import type { Output } from "../catalogue/output.js";
import type { AuditEntry, Store } from "../store/types.js";
import type { Auditor } from "./audit.js";
import { describeLock } from "./locks.js";
import type { Notifier } from "./notifications/notifier.js";
import type { AccessControl } from "./policy/access.js";
import { NOTIFICATION_EVENTS } from "./policy/policy.js";
import type { Clock, ReplyTarget } from "./ports.js";
import { ephemeral } from "./reply.js";

export interface AdminDeps {
  readonly store: Pick<Store, "locks" | "subscriptions" | "audit">;
  readonly access: Pick<AccessControl, "check">;
  readonly audit: Pick<Auditor, "record">;
  readonly notifier: Pick<Notifier, "channelsFor">;
  readonly now: Clock;
}

/**
 * `/ops lock`, `/ops unlock` and `/ops audit`: opsbot's own admin commands. Permission names are the
 * bare words; listing the freezes is open to everyone, since a refusal shows them anyway.
 */
export async function runAdminCommand(
  deps: AdminDeps,
  command: AdminCommand,
  reply: ReplyTarget,
): Promise<void> {
  const now = deps.now();
  if (command.kind === "subscriptions") {
    const lines: string[] = [];
    for (const event of NOTIFICATION_EVENTS) {
      const channels = await deps.notifier.channelsFor(event);
      lines.push(
        `• \`${event}\`: ${channels.length > 0 ? channels.map((c) => `<#${c}>`).join(", ") : "_nowhere_"}`,
      );
    }
    await reply.respond({ response_type: "ephemeral", text: `Where events go:\n${lines.join("\n")}` });
    return;
  }
  if (command.kind === "locks") {
    const locks = await deps.store.locks.list(now);
    const text =
      locks.length === 0
        ? "🔓 No change freezes: every namespace and allocation is open."
        : `🔒 Change freezes:\n${locks.map((l) => `• ${describeLock(l)}`).join("\n")}`;
    await reply.respond({ response_type: "ephemeral", text });
    return;
  }
  const permission = await deps.access.check(reply.userId, reply.channelId, command.kind);
  const correlationId = randomUUID();
  if (!permission.allowed) {
    await deps.audit.record({
      kind: "refusal",
      correlationId,
      operationId: command.kind,
      userId: reply.userId,
      channelId: reply.channelId,
      outcome: "forbidden",
      detail: permission.message,
    });
    await reply.respond(ephemeral(refusal(permission.message)));
    return;
  }
  switch (command.kind) {
    case "lock": {
      const lock = await deps.store.locks.lock({
        target: command.target,
        reason: command.reason,
        lockedBy: reply.userId,
        lockedAt: now,
        ...(command.until === undefined ? {} : { until: command.until }),
      });
      await audit(deps, "lock", correlationId, reply, command.target, command.reason);
      await reply.respond({
        response_type: "in_channel",
        text: `🔒 ${describeLock(lock)} Changes to it are refused; an admin can override with \`--force\` and an approval.`,
      });
      return;
    }
    case "unlock": {
      const removed = await deps.store.locks.unlock(command.target);
      if (!removed) {
        await reply.respond({ response_type: "ephemeral", text: `${name(command.target)} is not locked.` });
        return;
      }
      await audit(deps, "unlock", correlationId, reply, command.target, removed.reason);
      await reply.respond({
        response_type: "in_channel",
        text: `🔓 <@${reply.userId}> unlocked ${name(command.target)} (it was locked by <@${removed.lockedBy}>: ${removed.reason}).`,
      });
      return;
    }
    case "subscribe":
    case "unsubscribe": {
      const channelId = command.channelId ?? reply.channelId;
      const changed =
        command.kind === "subscribe"
          ? await deps.store.subscriptions.add({
              event: command.event,
              channelId,
              createdBy: reply.userId,
              createdAt: now,
            })
          : await deps.store.subscriptions.remove(command.event, channelId);
      await deps.audit.record({
        kind: "command",
        correlationId,
        operationId: command.kind,
        args: { event: command.event, channel: channelId },
        userId: reply.userId,
        channelId: reply.channelId,
        outcome: changed ? "done" : "unchanged",
      });
      const done = command.kind === "subscribe" ? "now receives" : "no longer receives";
      const already = command.kind === "subscribe" ? "already receives" : "was not subscribed to";
      await reply.respond({
        response_type: "ephemeral",
        text: `<#${channelId}> ${changed ? done : already} \`${command.event}\`.`,
      });
      return;
    }
    case "audit": {
      const entries = await deps.store.audit.query({
        limit: command.limit,
        ...(command.user ? { userId: command.user } : {}),
        ...(command.operation ? { operationId: command.operation } : {}),
        ...(command.since === undefined ? {} : { since: command.since }),
      });
      const message = renderOutput(auditOutput(entries, command.format));
      if (message.file) {
        await reply.respond({
          response_type: "ephemeral",
          text: `${entries.length} audit entries are too long for a message: narrow them with --since, --user, --operation or --limit.`,
        });
        return;
      }
      await reply.respond(ephemeral(message));
    }
  }
}

function name(target: LockTarget): string {
  return `${target.kind} \`${target.name}\``;
}

async function audit(
  deps: AdminDeps,
  kind: "lock" | "unlock",
  correlationId: string,
  reply: ReplyTarget,
  target: LockTarget,
  reason: string,
): Promise<void> {
  await deps.audit.record({
    kind,
    correlationId,
    operationId: kind,
    args: { [target.kind]: target.name },
    userId: reply.userId,
    channelId: reply.channelId,
    outcome: "done",
    detail: reason,
  });
}

const CSV_COLUMNS = [
  "at",
  "kind",
  "operation",
  "user",
  "identity",
  "channel",
  "outcome",
  "duration_ms",
  "correlation_id",
  "detail",
] as const;

/** The audit log as a list to read, or as CSV / JSON to copy. */
export function auditOutput(entries: readonly AuditEntry[], format: "list" | "csv" | "json"): Output {
  if (format === "json")
    return {
      kind: "document",
      title: "Audit log",
      filename: "audit.json",
      format: "json",
      content: JSON.stringify(entries, null, 2),
    };
  if (format === "csv") {
    const rows = entries.map((e) => [
      new Date(e.at).toISOString(),
      e.kind,
      e.operationId ?? "",
      e.userId,
      e.identity ?? "",
      e.channelId ?? "",
      e.outcome,
      e.durationMs === undefined ? "" : String(e.durationMs),
      e.correlationId,
      e.detail ?? "",
    ]);
    const content = [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n");
    return { kind: "document", title: "Audit log", filename: "audit.csv", format: "text", content };
  }
  return {
    kind: "list",
    title: "Audit log",
    empty: "Nothing recorded matches.",
    items: entries.map((e) => ({
      title: `${e.kind} ${e.operationId ?? ""}`.trim(),
      code: e.outcome,
      fields: [
        { label: "When", value: new Date(e.at).toISOString(), time: true },
        { label: "User", value: e.userId, code: true },
        ...(e.identity ? [{ label: "As", value: e.identity, code: true }] : []),
        ...(e.channelId ? [{ label: "Channel", value: e.channelId, code: true }] : []),
        ...(e.durationMs === undefined ? [] : [{ label: "Took", value: `${e.durationMs} ms` }]),
        ...(e.detail ? [{ label: "Detail", value: e.detail }] : []),
        { label: "Reference", value: e.correlationId, code: true },
      ],
    })),
  };
}

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet does not run it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
