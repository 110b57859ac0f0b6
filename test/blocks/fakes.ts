import type { types, ViewStateValue } from "@slack/bolt";
import { expect } from "vitest";
import { z } from "zod";
import { checkMessage, checkModalView } from "../../src/blocks/limits.js";
import type { RenderedMessage } from "../../src/blocks/text.js";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import {
  type AnyOperation,
  type ArgDef,
  arg,
  defineOperation,
  type Risk,
} from "../../src/catalogue/define.js";
import { opsbotOperations } from "../../src/catalogue/opsbot/index.js";
import { record } from "../../src/catalogue/output.js";

/** Small operations covering every input kind; the real catalogue is written elsewhere. */

const done = { run: async () => ({}), render: () => record("done", []) };

export const taskDeploy = defineOperation({
  id: "task:deploy",
  resource: "task",
  verb: "deploy",
  summary: "Deploy a task from a repository",
  risk: "write",
  backend: "deploy",
  needsIdentity: true,
  args: {
    repository: arg.positional(z.string().min(1), {
      label: "Repository",
      hint: "Git URL of the task",
      placeholder: "https://git.example.com/team/task.git",
    }),
    namespace: arg.flag(z.string(), { label: "Namespace", input: "external_select", source: "namespaces" }),
    replicas: arg.flag(z.number().int().min(1), { label: "Replicas", input: "number" }),
    protocol: arg.flag(z.enum(["tcp", "udp"]), {
      label: "Protocol",
      input: "select",
      choices: ["tcp", "udp"],
    }),
    selector: arg.flag(z.array(z.string()).min(1, "give at least one selector"), {
      label: "Selectors",
      hint: "key=value",
      repeatable: true,
    }),
    replace: arg.flag(z.boolean().optional(), { label: "Replace", input: "boolean" }),
    notes: arg.flag(z.string().optional(), { label: "Notes", input: "multiline" }),
    name: arg.flag(z.string().optional(), { label: "Name" }),
  },
  ...done,
});

export const taskDelete = defineOperation({
  id: "task:delete",
  resource: "task",
  verb: "delete",
  summary: "Delete a task",
  risk: "destructive",
  backend: "deploy",
  needsIdentity: true,
  args: {
    namespace: arg.positional(z.string(), { label: "Namespace" }),
    name: arg.positional(z.string(), { label: "Name" }),
  },
  ...done,
});

export const taskList = defineOperation({
  id: "task:list",
  resource: "task",
  verb: "list",
  summary: "List tasks",
  risk: "read",
  backend: "deploy",
  needsIdentity: false,
  args: { namespace: arg.flag(z.string().optional(), { label: "Namespace" }) },
  ...done,
});

export const portCreate = defineOperation({
  id: "port:create",
  resource: "port",
  verb: "create",
  summary: "Create a port on an aggregator pipeline",
  risk: "write",
  backend: "calyptia",
  needsIdentity: false,
  args: {
    pipelineId: arg.positional(z.uuid(), { label: "Pipeline ID" }),
    frontendPort: arg.flag(z.number().int(), { label: "Frontend port", input: "number" }),
  },
  ...done,
});

export const portList = defineOperation({
  id: "port:list",
  resource: "port",
  verb: "list",
  summary: "List ports",
  risk: "read",
  backend: "calyptia",
  needsIdentity: false,
  args: {},
  ...done,
});

/** An operation with just what the builders read, for one-off shapes (no args, huge args). */
export function fakeOperation(
  resource: string,
  verb: string,
  args: Record<string, ArgDef>,
  risk: Risk = "write",
): AnyOperation {
  return defineOperation({
    id: `${resource}:${verb}`,
    resource,
    verb,
    summary: `${verb} a ${resource}`,
    risk,
    backend: "deploy",
    needsIdentity: false,
    args,
    ...done,
  });
}

/** A few backend operations, and opsbot's own commands as every catalogue has them. */
export const catalogue = new Catalogue([
  taskDeploy,
  taskDelete,
  taskList,
  portCreate,
  portList,
  ...opsbotOperations,
]);

export function expectMessageWithinLimits(message: RenderedMessage): void {
  expect(checkMessage({ text: message.text, blocks: message.blocks })).toEqual([]);
  expect(message.text.length).toBeGreaterThan(0);
}

export function expectModalWithinLimits(view: types.ModalView): void {
  expect(checkModalView(view)).toEqual([]);
}

/** All mrkdwn and plain text of some blocks, for "contains" assertions. */
export function allText(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * What Slack would send back in `view.state.values` if the user submitted the modal as it opened: each
 * input's initial value or option, keyed by block_id and action_id, in Slack's own shapes.
 */
export function submittedState(view: types.ModalView): Record<string, Record<string, ViewStateValue>> {
  const state: Record<string, Record<string, ViewStateValue>> = {};
  for (const block of view.blocks) {
    if (!isInput(block)) continue;
    const input = block;
    const element = input.element;
    const blockId = input.block_id ?? "";
    const actionId = "action_id" in element ? (element.action_id ?? "") : "";
    let value: ViewStateValue;
    switch (element.type) {
      case "plain_text_input":
      case "number_input":
        value = { type: element.type, value: element.initial_value ?? null };
        break;
      case "static_select":
      case "external_select":
        value = {
          type: element.type,
          selected_option: element.initial_option
            ? { text: element.initial_option.text, value: element.initial_option.value ?? "" }
            : null,
        };
        break;
      default:
        throw new Error(`no simulation for ${element.type}`);
    }
    state[blockId] = { [actionId]: value };
  }
  return state;
}

export function isInput(block: types.AnyBlock): block is types.InputBlock {
  return block.type === "input";
}

export function inputs(view: types.ModalView): types.InputBlock[] {
  return view.blocks.filter(isInput);
}
