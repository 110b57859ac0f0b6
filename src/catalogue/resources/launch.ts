import type { LaunchResult, RunState } from "../../api/deploy/endpoints.js";
import { type Output, record } from "../output.js";
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
