import { type AnyOperation, type ArgDef, argWord } from "./define.js";

/** Argument values as typed (command text or modal fields), before validation. */
export type RawArgs = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ArgIssue {
  readonly arg: string;
  readonly message: string;
}

/** Configured values that arguments may default to. */
export interface ArgDefaults {
  readonly "orchestration.projectId"?: string | undefined;
  readonly "orchestration.allocationId"?: string | undefined;
}

export type Validation =
  | { readonly ok: true; readonly args: Record<string, unknown> }
  | { readonly ok: false; readonly issues: readonly ArgIssue[] };

const TRUE_WORDS = new Set(["true", "yes", "y", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "n", "off", "0"]);

/**
 * The one validation path for an operation's arguments, whether they came from `/ops` text, a modal or
 * an approval being executed: text is coerced by the argument's input kind, then its zod rule decides.
 */
export function validateArgs(operation: AnyOperation, raw: RawArgs, defaults: ArgDefaults = {}): Validation {
  const args: Record<string, unknown> = {};
  const issues: ArgIssue[] = [];
  for (const [name, def] of Object.entries(operation.args)) {
    const coerced = coerce(def, raw[name], defaults);
    if ("issue" in coerced) {
      issues.push({ arg: name, message: coerced.issue });
      continue;
    }
    const parsed = def.schema.safeParse(coerced.value);
    if (parsed.success) {
      if (parsed.data !== undefined) args[name] = parsed.data;
    } else {
      const first = parsed.error.issues[0];
      const missing = coerced.value === undefined;
      issues.push({ arg: name, message: missing ? "is required" : (first?.message ?? "is not valid") });
    }
  }
  if (issues.length === 0 && operation.check) {
    for (const problem of operation.check(args)) issues.push({ arg: problem.arg, message: problem.message });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, args };
}

/**
 * Problems as one line naming each argument as it is typed (`--frontend-port must be …`), for replies
 * to a command or a button; a form shows each next to its field instead.
 */
export function describeIssues(operation: AnyOperation, issues: readonly ArgIssue[]): string {
  return issues.map((i) => `\`${argWord(i.arg, operation.args[i.arg])}\` ${i.message}`).join("; ");
}

function coerce(
  def: ArgDef,
  value: string | readonly string[] | undefined,
  defaults: ArgDefaults,
): { value: unknown } | { issue: string } {
  let values = value === undefined ? [] : typeof value === "string" ? [value] : [...value];
  values = values.map((v) => v.trim()).filter((v) => v !== "");
  if (values.length === 0) {
    const fallback = def.defaultFrom ? defaults[def.defaultFrom] : undefined;
    if (fallback !== undefined) return { value: def.repeatable ? [fallback] : fallback };
    return { value: def.repeatable ? [] : undefined };
  }
  if (def.repeatable) return { value: values };
  if (values.length > 1) return { issue: "must be given only once" };
  const text = values[0] ?? "";
  switch (def.input) {
    case "number":
      return /^[+-]?\d+$/.test(text) ? { value: Number(text) } : { issue: "must be a whole number" };
    case "boolean": {
      const lower = text.toLowerCase();
      if (TRUE_WORDS.has(lower)) return { value: true };
      if (FALSE_WORDS.has(lower)) return { value: false };
      return { issue: "must be yes or no" };
    }
    default:
      return { value: text };
  }
}
