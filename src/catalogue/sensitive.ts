import { createHash } from "node:crypto";
import type { AnyOperation } from "./define.js";
import { commandLineOf } from "./parse.js";
import type { RawArgs } from "./validate.js";

/**
 * Arguments the catalogue marks `sensitive` (a pasted configuration, log text) are never shown or kept
 * for display as they are: logs, audit rows, approval cards, exports and command notes carry a digest
 * instead. The digest lets an approver see that two requests carry the same value without seeing it.
 */

type Described = Pick<AnyOperation, "args">;

const MARK = /^‹redacted sha256:[0-9a-f]{12}›$/;

/** What is shown in place of a sensitive value: `‹redacted sha256:<first 12 hex digits>›`. */
export function redactedValue(value: unknown): string {
  // Already redacted (a row stored that way, shown again): the digest of the digest would mislead.
  if (typeof value === "string" && MARK.test(value)) return value;
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  return `‹redacted sha256:${createHash("sha256").update(text).digest("hex").slice(0, 12)}›`;
}

export function isRedacted(value: unknown): boolean {
  return typeof value === "string" && MARK.test(value);
}

/** The names of the operation's sensitive arguments. */
export function sensitiveArgNames(operation: Described): string[] {
  return Object.entries(operation.args)
    .filter(([, def]) => def.sensitive === true)
    .map(([name]) => name);
}

/**
 * The arguments as they may be shown or stored for display: sensitive values replaced by their digest
 * (each value of a repeated flag on its own), the others as they are. An unknown operation (one since
 * removed) has nothing marked, so its arguments are returned unchanged.
 */
export function displayArgs(operation: Described | undefined, args: RawArgs): RawArgs;
export function displayArgs(
  operation: Described | undefined,
  args: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>>;
export function displayArgs(
  operation: Described | undefined,
  args: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const names = operation ? sensitiveArgNames(operation) : [];
  if (!names.some((name) => args[name] !== undefined)) return args;
  const shown: Record<string, unknown> = { ...args };
  for (const name of names) {
    const value = args[name];
    if (value === undefined) continue;
    shown[name] = Array.isArray(value) ? value.map(redactedValue) : redactedValue(value);
  }
  return shown;
}

/**
 * Splits typed arguments into what may be kept for display (sensitive values as digests) and what is
 * withheld: the real sensitive values, kept apart only as long as the call may still be made.
 */
export function withholdArgs(
  operation: Described,
  raw: RawArgs,
): { readonly shown: RawArgs; readonly withheld: Readonly<Record<string, string | readonly string[]>> } {
  const withheld: Record<string, string | readonly string[]> = {};
  for (const name of sensitiveArgNames(operation)) {
    const value = raw[name];
    if (value !== undefined && !isRedacted(value)) withheld[name] = value;
  }
  return { shown: displayArgs(operation, raw), withheld };
}

/** The typed arguments again, from what was kept for display and what was withheld. */
export function restoreArgs(
  shown: RawArgs,
  withheld: Readonly<Record<string, string | readonly string[]>> | undefined,
): RawArgs {
  return withheld ? { ...shown, ...withheld } : shown;
}

/**
 * A command as a note may keep it: as typed when nothing sensitive was given, otherwise rebuilt from its
 * arguments with the sensitive ones as digests (`task deploy-config --configuration "‹redacted …›"`).
 */
export function displayCommandText(
  operation: AnyOperation,
  raw: RawArgs,
  force: boolean,
  typed: string,
): string {
  const shown = displayArgs(operation, raw);
  if (shown === raw) return typed;
  return `${commandLineOf(operation, shown).replace(/^\/ops /, "")}${force ? " --force" : ""}`;
}
