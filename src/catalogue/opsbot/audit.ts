import { z } from "zod";
import type { AuditEntry } from "../../store/types.js";
import { arg, defineOperation } from "../define.js";
import type { Output } from "../output.js";
import { durationMs } from "./time.js";

/** `/ops audit`: who did what, newest first, as a list to read or CSV / JSON to copy (admins). */
export const audit = defineOperation({
  id: "audit",
  resource: "audit",
  verb: "",
  summary: "Who did what, newest first (admins)",
  risk: "read",
  backend: "opsbot",
  needsIdentity: false,
  args: {
    user: arg.flag(
      z
        .string()
        .regex(/^[UW][A-Z0-9]{2,}$/, "must be a Slack user: mention them (`@name`)")
        .optional(),
      { label: "User", hint: "Only what this person did", placeholder: "@someone" },
    ),
    operation: arg.flag(
      z
        .string()
        .regex(/^[a-z*][a-z0-9*-]*(:[a-z*][a-z0-9*-]*)?$/, "must look like resource:verb (e.g. task:deploy)")
        .optional(),
      { label: "Operation", hint: "resource:verb, * for either side", placeholder: "task:deploy" },
    ),
    since: arg.flag(
      z
        .string()
        .refine((text) => durationMs(text) !== undefined, "must be a duration like 30m, 2h or 7d")
        .optional(),
      { label: "Since", hint: "How far back: 30m, 2h, 7d", placeholder: "1h" },
    ),
    limit: arg.flag(
      z
        .number()
        .int("must be a whole number")
        .min(1, "must be at least 1")
        .max(1_000, "must be at most 1000")
        .default(20),
      { label: "Limit", hint: "How many entries (1 to 1000)", placeholder: "20", input: "number" },
    ),
    format: arg.flag(
      z.enum(["list", "csv", "json"], { error: "must be list, csv or json" }).default("list"),
      {
        label: "Format",
        hint: "A list to read, or CSV / JSON to copy",
        input: "select",
        choices: ["list", "csv", "json"],
      },
    ),
  },
  async run(ctx, args) {
    const since = args.since === undefined ? undefined : durationMs(args.since);
    return ctx.opsbot.audit.query({
      limit: args.limit,
      ...(args.user ? { userId: args.user } : {}),
      ...(args.operation ? { operationId: args.operation } : {}),
      ...(since === undefined ? {} : { since: ctx.opsbot.now - since }),
    });
  },
  render: (entries, args) => ({
    ...auditOutput(entries, args.format),
    tooLong: `${entries.length} audit entries are too long for a message: narrow them with --since, --user, --operation or --limit.`,
  }),
});

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
    const rows = entries.map((entry) => [
      new Date(entry.at).toISOString(),
      entry.kind,
      entry.operationId ?? "",
      entry.userId,
      entry.identity ?? "",
      entry.channelId ?? "",
      entry.outcome,
      entry.durationMs === undefined ? "" : String(entry.durationMs),
      entry.correlationId,
      entry.detail ?? "",
    ]);
    const content = [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n");
    return { kind: "document", title: "Audit log", filename: "audit.csv", format: "text", content };
  }
  return {
    kind: "list",
    title: "Audit log",
    empty: "Nothing recorded matches.",
    items: entries.map((entry) => ({
      title: `${entry.kind} ${entry.operationId ?? ""}`.trim(),
      code: entry.outcome,
      fields: [
        { label: "When", value: new Date(entry.at).toISOString(), time: true },
        { label: "User", value: entry.userId, code: true },
        ...(entry.identity ? [{ label: "As", value: entry.identity, code: true }] : []),
        ...(entry.channelId ? [{ label: "Channel", value: entry.channelId, code: true }] : []),
        ...(entry.durationMs === undefined ? [] : [{ label: "Took", value: `${entry.durationMs} ms` }]),
        ...(entry.detail ? [{ label: "Detail", value: entry.detail }] : []),
        { label: "Reference", value: entry.correlationId, code: true },
      ],
    })),
  };
}

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet does not run it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
