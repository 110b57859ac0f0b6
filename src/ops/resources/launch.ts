import type { LaunchResult, LoadingState, RunState } from "../../api/deploy/endpoints.js";
import { json, type Output, record } from "../output.js";
import { code, field, fields, toneOf } from "./common.js";

/** Renders shared by task and pipeline operations (the Deploy API answers both alike). */

/** What a deploy or run answered; a bare-text answer is shown as the record's text. */
export function launched(title: string, result: LaunchResult): Output {
  return record(
    title,
    fields(
      code("ID", result.id),
      code("Name", result.name),
      code("Namespace", result.namespace),
      field("Kind", result.kind),
      field("Status", result.status),
    ),
    {
      tone: result.status && toneOf(result.status) === "failure" ? "failure" : "success",
      ...(result.message ? { text: result.message } : {}),
    },
  );
}

export function runState(title: string, state: RunState): Output {
  return record(
    title,
    fields(code("ID", state.id), field("Status", state.status), field("Deployed by", state.deployedBy)),
    { tone: toneOf(state.status), ...(state.message ? { text: state.message } : {}) },
  );
}

/** A configuration load just started: the work ID is what the follow-up polls. */
export function loadStarted(what: "task" | "pipeline", workId: string): Output {
  return record(`Loading the ${what} configuration`, fields(code("Work ID", workId)), {
    tone: "info",
    text: `opsbot follows the loading and posts the configuration when it is ready (or \`/ops ${what} loading ${workId}\`).`,
  });
}

/** A load's state: the configuration as a document once done, a record while pending or failed. */
export function loadingState(what: "task" | "pipeline", state: LoadingState): Output {
  if (state.configuration)
    return json(
      `The ${what} configuration is loaded`,
      what === "task" ? "manifest.json" : "pipeline.json",
      state.configuration,
      `Loaded (${state.state})`,
    );
  return record(`Loading the ${what} configuration: ${state.state}`, fields(code("Work ID", state.work_id)), {
    tone: state.error ? "failure" : "info",
    ...(state.error ? { text: state.error } : {}),
  });
}

/** Deploy list items (tasks, pods, pipelines, namespaces) read alike. */
export function deployList(
  title: string,
  items: readonly {
    name: string;
    namespace?: string | undefined;
    kind?: string | undefined;
    status?: string | undefined;
    id?: unknown;
  }[],
  empty: string,
): Output {
  return {
    kind: "list",
    title,
    empty,
    items: items.map((item) => ({
      title: item.name,
      ...(typeof item.id === "string" ? { code: item.id } : {}),
      fields: fields(
        code("Namespace", item.namespace),
        field("Kind", item.kind),
        field("Status", item.status),
      ),
    })),
  };
}
