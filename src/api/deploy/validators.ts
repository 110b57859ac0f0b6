import { z } from "zod";
import { cronProblem } from "../validators.js";

/**
 * Input rules for the Deploy API (DataTask). Each validator reports one specific problem so the Slack
 * user learns what to fix. These run before the path module's own checks, which remain the last guard
 * against values that could change the route (`..`, encoded `/`, control characters).
 */

const KUBE_NAME_MAX = 63;
/** Kubernetes appends 11 characters to a CronJob's name for its Jobs, so CronJob names stop at 52. */
export const CRONJOB_NAME_MAX = 52;

/** Why a value is not an RFC 1123 DNS label (a Kubernetes namespace or object name), or undefined. */
export function kubeNameProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > KUBE_NAME_MAX) return `must be at most ${KUBE_NAME_MAX} characters`;
  if (/[A-Z]/.test(value)) return "must be lowercase";
  if (!/^[a-z0-9-]+$/.test(value)) return "may only contain lowercase letters, digits and '-'";
  if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value))
    return "must start and end with a letter or digit";
  return undefined;
}

/** A text field whose absence reads "is required" rather than zod's type message. */
const textField = () =>
  z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") });

const refined = (problem: (value: string) => string | undefined) =>
  textField().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });

/** A Kubernetes namespace or task/pipeline name (RFC 1123 DNS label). */
export const kubeName = refined(kubeNameProblem);

const REPOSITORY_MAX = 100;
const REPOSITORY_PART = /^[A-Za-z0-9._-]+$/;

/** Why a value is not a git repository name (the Deploy API's `:repository`), or undefined. */
export function repositoryProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > REPOSITORY_MAX) return `must be at most ${REPOSITORY_MAX} characters`;
  if (!REPOSITORY_PART.test(value)) return "may only contain letters, digits, '-', '_' and '.'";
  if (value.startsWith(".")) return "must not start with '.'";
  return undefined;
}

export const repository = refined(repositoryProblem);

/** Why a value is not a relative path of safe parts (`jobs/nightly`), or undefined. */
function relativePathProblem(value: string, max: number): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > max) return `must be at most ${max} characters`;
  for (const part of value.split("/")) {
    if (part.length === 0)
      return "must be a relative path without empty parts (no leading, trailing or double '/')";
    if (part === "." || part === "..") return "must not contain '.' or '..' parts";
    if (!REPOSITORY_PART.test(part))
      return `part "${part.slice(0, 40)}" may only contain letters, digits, '-', '_' and '.'`;
    if (part.startsWith(".")) return `part "${part.slice(0, 40)}" must not start with '.'`;
  }
  return undefined;
}

/** A folder in the repository; may contain `/` (sent as one path segment with `%2F`, see path.ts). */
export const directory = refined((value) => relativePathProblem(value, 255));

/** A template file name or path in the template store (`jobs/python.json`). */
export const templatePath = refined((value) => relativePathProblem(value, 255));

/** Why a value is not a usable git branch name (git check-ref-format rules), or undefined. */
export function branchProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > 255) return "must be at most 255 characters";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(value)) return "must not contain spaces or control characters";
  const bad = value.match(/[~^:?*[\\]/)?.[0];
  if (bad) return `must not contain '${bad}'`;
  if (value.includes("..")) return "must not contain '..'";
  if (value.includes("@{")) return "must not contain '@{'";
  if (value.includes("//")) return "must not contain '//'";
  if (value.startsWith("-") || value.startsWith("/")) return "must not start with '-' or '/'";
  if (value.endsWith("/") || value.endsWith(".") || value.endsWith(".lock"))
    return "must not end with '/', '.' or '.lock'";
  if (value === "@") return "must not be '@'";
  if (value.split("/").some((part) => part.startsWith("."))) return "no part may start with '.'";
  return undefined;
}

export const branch = refined(branchProblem);

/** A CronJob schedule; the empty string means "not scheduled" (the API's default). */
export const schedule = textField().superRefine((value, ctx) => {
  if (value === "") return;
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `not a valid cron schedule: ${problem}` });
});

/** A task, pipeline or configuration-loading (`work_id`) identifier. */
export const safeId = refined((value) => {
  if (value.length === 0) return "must not be empty";
  if (value.length > 128) return "must be at most 128 characters";
  if (!/^[A-Za-z0-9._-]+$/.test(value)) return "may only contain letters, digits, '-', '_' and '.'";
  if (value === "." || value === "..") return "must not be '.' or '..'";
  return undefined;
});

const MAX_CONFIGURATION_CHARS = 64 * 1024;

/** A JSON object given as an object or as JSON text; always becomes the object (sent as JSON text). */
const jsonObject = z
  .union([z.string(), z.record(z.string(), z.unknown())], {
    error: "must be a JSON object or its JSON text",
  })
  .transform((value, ctx) => {
    let parsed: unknown = value;
    if (typeof value === "string") {
      if (value.length > MAX_CONFIGURATION_CHARS) {
        ctx.addIssue({ code: "custom", message: `must be at most ${MAX_CONFIGURATION_CHARS} characters` });
        return z.NEVER;
      }
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      ctx.addIssue({ code: "custom", message: "must be a JSON object" });
      return z.NEVER;
    }
    return parsed as Record<string, unknown>;
  });

export const TASK_TYPES = ["job", "deployment", "service"] as const;

/** A task's manifest.json: a Kubernetes `name` and a `type`; other fields are the API's business. */
export const taskConfiguration = jsonObject.pipe(
  z.looseObject({
    name: kubeName,
    type: z.enum(TASK_TYPES, { error: "must be job, deployment or service" }),
    schedule: schedule.optional(),
  }),
);

/** A pipeline.json: a `name` and a non-empty `tasks` list of `{name, namespacetask: "<repo>/<dir>"}`. */
export const pipelineConfiguration = jsonObject.pipe(
  z.looseObject({
    name: z.string().trim().min(1, "must not be empty").max(253, "must be at most 253 characters"),
    tasks: z
      .array(
        z.looseObject({
          name: z.string().min(1, "must not be empty"),
          namespacetask: z.string().regex(/^[^/\s]+\/\S+$/, 'must look like "<repository>/<directory>"'),
          dependance: z.array(z.string()).optional(),
        }),
        { error: "must be a list of tasks" },
      )
      .min(1, "must list at least one task"),
  }),
);

/**
 * A Kubernetes name made from a repository or folder name (`quick_start` -> `quick-start`). The Deploy
 * API must do something like it when no namespace is given (its own example repository is not a valid
 * namespace); opsbot uses the same rule to know which namespace such a deploy lands in (change freezes).
 */
export function kubeNameFrom(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name.slice(0, 63).replace(/-+$/, "") || "task";
}
