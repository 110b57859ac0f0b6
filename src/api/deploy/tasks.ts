import { z } from "zod";
import { defineEndpoint } from "../endpoint.js";
import { launchResult, loadingState, loadStarted, runState, template } from "./responses.js";
import {
  branch,
  CRONJOB_NAME_MAX,
  directory,
  kubeName,
  repository,
  safeId,
  schedule,
  taskConfiguration,
  templatePath,
} from "./validators.js";

/**
 * Deploy API task routes (seed 003, REFERENCE.md §2.3 T1-T10). Deploys are GETs or POSTs that act:
 * all `retry: "unsafe"`. Form fields left out are not sent, so the API applies its documented
 * defaults (namespace = repository, branch = master, schedule = "").
 */

export const backend = "deploy" as const;

/** Where a task or pipeline comes from: a git repository and a folder in it (may contain `/`). */
export const source = { repository, directory };

/** Kubernetes refuses CronJob names above 52 characters; say so before deploying. */
export function cronJobNameCheck(
  input: { name?: string | undefined; schedule?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (input.schedule && input.name && input.name.length > CRONJOB_NAME_MAX)
    ctx.addIssue({
      code: "custom",
      path: ["name"],
      message: `must be at most ${CRONJOB_NAME_MAX} characters for a scheduled task (CronJob)`,
    });
}

export const taskEndpoints = {
  deployTask: defineEndpoint({
    backend,
    id: "deployTask",
    summary: "Deploy a task from a repository folder (namespace = repository, name from its manifest)",
    method: "GET",
    path: "/v1/task/deploy/{repository}/{directory*}",
    input: z.object(source),
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  deployTaskAs: defineEndpoint({
    backend,
    id: "deployTaskAs",
    summary: "Deploy a task under a given name (namespace = repository)",
    method: "GET",
    path: "/v1/task/deployas/{repository}/{directory*}/{name}",
    input: z.object({ ...source, name: kubeName }),
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  deployTaskInNamespaceAs: defineEndpoint({
    backend,
    id: "deployTaskInNamespaceAs",
    summary: "Deploy a task under a given name in a given namespace",
    method: "GET",
    path: "/v1/task/deployinas/{repository}/{directory*}/{namespace}/{name}",
    input: z.object({ ...source, namespace: kubeName, name: kubeName }),
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  deployTaskElaborate: defineEndpoint({
    backend,
    id: "deployTaskElaborate",
    summary: "Deploy a task by name in a namespace, choosing the branch and an optional cron schedule",
    method: "POST",
    path: "/v1/task/elaborate/deployinas/{repository}/{directory*}/{namespace}/{name}",
    input: z
      .object({
        ...source,
        namespace: kubeName,
        name: kubeName,
        branch: branch.optional(),
        schedule: schedule.optional(),
      })
      .superRefine(cronJobNameCheck),
    body: "multipart",
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  deployTaskV2: defineEndpoint({
    backend,
    id: "deployTaskV2",
    summary: "Deploy a task with namespace, name, branch and schedule given in the form",
    method: "POST",
    path: "/v2/task/elaborate/deploy/{repository}/{directory*}",
    input: z
      .object({
        ...source,
        namespace: kubeName.optional(),
        name: kubeName.optional(),
        branch: branch.optional(),
        schedule: schedule.optional(),
      })
      .superRefine(cronJobNameCheck),
    body: "multipart",
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  loadTaskConfiguration: defineEndpoint({
    backend,
    id: "loadTaskConfiguration",
    summary: "Start loading a task's manifest.json from git; answers a work_id",
    method: "POST",
    path: "/v2/task/load/configuration/from-git/{repository}/{directory*}",
    input: z.object({ ...source, branch: branch.optional() }),
    body: "multipart",
    response: loadStarted,
    responseFormat: "json-or-text",
    // Not protected, but each call starts a new load: not repeated blindly.
    retry: "unsafe",
    needsIdentity: false,
  }),
  getTaskConfigurationLoadingState: defineEndpoint({
    backend,
    id: "getTaskConfigurationLoadingState",
    summary: "Get the state of a manifest.json load (pending, done with the configuration, or error)",
    method: "GET",
    path: "/v2/task/get/configuration-loading-state/{work_id}",
    input: z.object({ work_id: safeId }),
    response: loadingState,
    retry: "safe",
    needsIdentity: false,
  }),
  deployTaskWithConfiguration: defineEndpoint({
    backend,
    id: "deployTaskWithConfiguration",
    summary: "Deploy a task from a manifest.json given in the form",
    method: "POST",
    path: "/v2/task/deploy/with-configuration",
    input: z
      .object({
        namespace: kubeName,
        configuration: taskConfiguration,
        repository: repository.optional(),
        directory: directory.optional(),
      })
      .superRefine((input, ctx) => {
        // The API builds the image from the repository folder when the manifest names a destination.
        if (input.configuration["image-destination"] === undefined) return;
        for (const field of ["repository", "directory"] as const)
          if (input[field] === undefined)
            ctx.addIssue({
              code: "custom",
              path: [field],
              message: "is required when the manifest has an image-destination",
            });
      }),
    body: "multipart",
    response: launchResult,
    responseFormat: "json-or-text",
    retry: "unsafe",
    needsIdentity: true,
  }),
  getTaskState: defineEndpoint({
    backend,
    id: "getTaskState",
    summary: "Get the status of a task",
    method: "GET",
    path: "/v1/task/state/{id}",
    input: z.object({ id: safeId }),
    response: runState,
    retry: "safe",
    needsIdentity: false,
  }),
  getTaskTemplate: defineEndpoint({
    backend,
    id: "getTaskTemplate",
    summary: "Get a task template (a manifest.json) by its file name",
    method: "POST",
    path: "/v2/task/get/template",
    input: z.object({ template_path: templatePath }),
    body: "multipart",
    response: template,
    // A read sent as POST: repeating it is harmless.
    retry: "safe",
    needsIdentity: false,
  }),
};
