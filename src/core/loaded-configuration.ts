import { randomUUID } from "node:crypto";
import type { LoadingState } from "../api/deploy/endpoints.js";
import type { OperationValue } from "../blocks/ids.js";
import { SLACK_LIMITS } from "../blocks/limits.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import { type ArgDefaults, validateArgs } from "../catalogue/validate.js";
import type { AccessControl } from "./policy/access.js";
import type { ReplyTarget } from "./ports.js";
import { type RunnerDeps, runInvocation } from "./run.js";

export interface LoadedConfigurationDeps extends RunnerDeps {
  readonly catalogue: Catalogue;
  readonly defaults: ArgDefaults;
  readonly access: Pick<AccessControl, "check">;
}

export type LoadedConfiguration =
  | { readonly ok: true; readonly configuration: string }
  | { readonly ok: false; readonly problem: string };

/**
 * The configuration a finished load holds, as the JSON text a modal's multiline input is prefilled
 * with. Fetched again when the button is clicked rather than carried in it: a button value holds 2,000
 * characters and manifests are longer.
 */
export async function loadedConfiguration(
  deps: LoadedConfigurationDeps,
  loaded: NonNullable<OperationValue["loaded"]>,
  actor: Pick<ReplyTarget, "userId" | "channelId">,
): Promise<LoadedConfiguration> {
  const operation = deps.catalogue.byId(`${loaded.what}:loading`);
  if (!operation) return { ok: false, problem: "cannot be fetched: this opsbot has no load operations" };
  const validation = validateArgs(operation, { workId: loaded.workId }, deps.defaults);
  if (!validation.ok) return { ok: false, problem: "cannot be fetched: the button's work ID is not valid" };
  // Read as the person who clicked, so only with their permission to read it.
  const permission = await deps.access.check(actor.userId, actor.channelId, operation.id);
  if (!permission.allowed) return { ok: false, problem: `cannot be fetched: ${permission.message}` };
  const outcome = await runInvocation(deps, {
    id: randomUUID(),
    operation,
    args: validation.args,
    actor: { userId: actor.userId, channelId: actor.channelId },
  });
  if (!outcome.ok) return { ok: false, problem: `could not be fetched: ${outcome.message}` };
  const state = outcome.result as LoadingState;
  if (!state.configuration)
    return { ok: false, problem: `is not loaded (the load is ${state.state}): paste it here instead` };
  const text = JSON.stringify(state.configuration, null, 2);
  const next = loaded.what === "task" ? "deploy-config" : "run-config";
  if (text.length > SLACK_LIMITS.textInputLength)
    return {
      ok: false,
      problem: `is too long for a form (${text.length} characters): use \`/ops ${loaded.what} ${next} --configuration '…'\``,
    };
  return { ok: true, configuration: text };
}
