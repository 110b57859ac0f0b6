import { z } from "zod";

/** Validation rules shared by the endpoint descriptions and the simulators. */

export const uuid = z.uuid({ error: "must be a UUID" });

export const port = z
  .number({ error: "must be a whole number" })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535")
  .max(65_535, "must be between 0 and 65535");

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** RFC 1123 host name (dot-separated labels of 1-63 characters, at most 253 in all) or an IPv4 address. */
export function isHostname(value: string): boolean {
  if (IPV4.test(value)) return true;
  if (/^[\d.]+$/.test(value)) return false; // looks numeric but is not a valid IPv4 address
  if (value.length === 0 || value.length > 253) return false;
  return value.split(".").every((label) => DNS_LABEL.test(label));
}

export const hostname = z.string().refine(isHostname, "must be an RFC 1123 host name or an IPv4 address");

/** Orchestration label and annotation keys: 1-59 characters, alphanumeric at both ends, `-_.` inside. */
export const metadataKey = z
  .string()
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9._-]{0,57}[A-Za-z0-9])?$/,
    "must be 1-59 characters, start and end with a letter or digit, and use only letters, digits, -, _ and .",
  );

/** Orchestration label values: empty, or up to 63 characters with the same rules as keys. */
export const labelValue = z
  .string()
  .regex(
    /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/,
    "must be empty or up to 63 characters, start and end with a letter or digit, and use only letters, digits, -, _ and .",
  );

/** Annotation values may be any text. */
export const annotationValue = z.string();

const CRON_MACROS = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 7, names: DAYS },
];

/**
 * Checks a Kubernetes CronJob schedule: five fields (numbers, `*`, ranges, steps, lists, month and day
 * names) or one of the @ macros. Returns the problem, or undefined when the expression is valid.
 */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith("@")) return CRON_MACROS.has(text.toLowerCase()) ? undefined : `unknown macro ${text}`;
  const parts = text.split(/\s+/);
  if (parts.length !== 5)
    return `needs 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const field = CRON_FIELDS[i];
    if (!field) break;
    for (const item of part.split(",")) {
      const problem = cronItemProblem(item, field);
      if (problem) return `${field.name}: ${problem}`;
    }
  }
  return undefined;
}

function cronItemProblem(item: string, field: (typeof CRON_FIELDS)[number]): string | undefined {
  const [range = "", step, extra] = item.split("/");
  if (extra !== undefined) return `"${item}" has more than one /`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive number`;
  if (range === "*") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return `"${range}" is not a value or a range`;
  const values = bounds.map((b) => cronValue(b, field));
  if (values.some((v) => v === undefined)) return `"${range}" must be within ${field.min}-${field.max}`;
  const [from = 0, to = from] = values as number[];
  if (to < from) return `range "${range}" goes backwards`;
  return undefined;
}

function cronValue(token: string, field: (typeof CRON_FIELDS)[number]): number | undefined {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return field.names === MONTHS ? named + 1 : named;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  return value >= field.min && value <= field.max ? value : undefined;
}

export const cronSchedule = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `not a valid cron schedule: ${problem}` });
});

/** A required text argument: trimmed, not empty, bounded. */
export const text = (max = 1024) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/** RFC 3339 timestamp as the APIs send it; kept as a string, validated. */
export const timestamp = z.iso.datetime({
  offset: true,
  local: false,
  error: "must be an RFC 3339 timestamp",
});
