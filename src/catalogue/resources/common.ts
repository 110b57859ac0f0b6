import { z } from "zod";
import { kubeName } from "../../api/deploy/validators.js";
import type { CallOptions, IdentityCallOptions } from "../../api/endpoint.js";
import { allocationId, projectId } from "../../api/orchestration/schemas.js";
import { arg, type IdentifiedContext, type RunContext } from "../define.js";
import type { Field, Tone } from "../output.js";

/** Pieces shared by the resource modules: call options, common arguments and field builders. */

/** Call options for an unprotected route: only the cancellation signal travels. */
export const callOptions = (ctx: RunContext): CallOptions => (ctx.signal ? { signal: ctx.signal } : {});

/** Call options for a protected Deploy route: the asking person's identity, and the signal. */
export const asCaller = (ctx: IdentifiedContext): IdentityCallOptions => ({
  identity: ctx.identity,
  ...(ctx.signal ? { signal: ctx.signal } : {}),
});

/** `--namespace` for Deploy lists and launches, offered from the namespaces the API knows. */
export const namespaceFlag = (hint: string) =>
  arg.flag(kubeName.optional(), {
    label: "Namespace",
    hint,
    placeholder: "analytics",
    input: "external_select",
    source: "namespaces",
  });

/** `--project`, defaulting to the configured Orchestration project. */
export const projectFlag = arg.flag(projectId, {
  label: "Project",
  hint: "Orchestration project ID; the configured project when left empty",
  placeholder: "my-project-123456",
  defaultFrom: "orchestration.projectId",
});

/** `--allocation`, defaulting to the configured Orchestration allocation. */
export const allocationFlag = arg.flag(allocationId, {
  label: "Allocation",
  hint: "Allocation UUID; the configured allocation when left empty",
  placeholder: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
  defaultFrom: "orchestration.allocationId",
});

/** A whole-number page size or count flag. */
export const countFlag = <S extends z.ZodType>(schema: S, label: string, hint: string, placeholder = "50") =>
  arg.flag(schema, { label, hint, placeholder, input: "number" });

type Value = string | number | boolean | null | undefined;

/** A field, or nothing when the backend left the value out (so records never show empty rows). */
export function field(
  label: string,
  value: Value,
  options: { code?: boolean; time?: boolean } = {},
): Field | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return { label, value: String(value), ...options };
}

export const code = (label: string, value: Value) => field(label, value, { code: true });
export const time = (label: string, value: Value) => field(label, value, { time: true });

/** Drops the fields the backend did not fill. */
export const fields = (...items: readonly (Field | undefined)[]): Field[] =>
  items.filter((item): item is Field => item !== undefined);

// Whole words only: "broken" must not read as "ok". In-progress states ("running", "pending") stay neutral.
const FAILED = /^(failed|failure|error|unhealthy|killed)$/i;
const GOOD = /^(succeeded|success|done|ok|ready|active)$/i;

/** The tone of a state word: failures stand out, settled good states read as success. */
export function toneOf(state: string | null | undefined): Tone {
  if (!state) return "info";
  if (FAILED.test(state)) return "failure";
  if (GOOD.test(state)) return "success";
  return "info";
}

/**
 * `key=value` texts (repeatable flags, or `a=b,c=d` in one) as a map. A malformed pair is reported with
 * the text the user gave, so they can see which one to fix; the message follows the flag's name
 * (`--selector "harbor" must look like key=value`), so it does not repeat it.
 */
export function pairsOf(texts: readonly string[], ctx: z.RefinementCtx): Record<string, string> {
  const map: Record<string, string> = {};
  for (const text of texts)
    for (const pair of text.split(",")) {
      const eq = pair.indexOf("=");
      const key = eq > 0 ? pair.slice(0, eq).trim() : "";
      if (!key) {
        ctx.addIssue({ code: "custom", message: `"${pair}" must look like key=value` });
        continue;
      }
      if (key in map) ctx.addIssue({ code: "custom", message: `has the key "${key}" twice` });
      map[key] = pair.slice(eq + 1).trim();
    }
  return map;
}

/** A repeatable `--flag key=value` whose pairs become one map, then checked by the API's own rule. */
export const keyValues = <S extends z.ZodType<unknown, Record<string, string>>>(rule: S) =>
  z
    .array(z.string())
    // Optional: no flag given is an empty list, so usage and modals show it as optional.
    .default([])
    .transform((texts, ctx) => pairsOf(texts, ctx))
    .pipe(rule);

/** States after which a task or pipeline run will not change by itself. */
const FINAL_FAILED = /^(failed|failure|error|killed|cancelled|canceled)$/i;
const FINAL_GOOD = /^(succeeded|success|done|completed|complete)$/i;

/** A run's progress from its status word (task and pipeline state alike). */
export function runProgress(status: string | undefined): { state: string; outcome?: "succeeded" | "failed" } {
  const state = status ?? "unknown";
  if (FINAL_FAILED.test(state)) return { state, outcome: "failed" };
  if (FINAL_GOOD.test(state)) return { state, outcome: "succeeded" };
  return { state };
}
