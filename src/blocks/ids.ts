import { z } from "zod";
import type { OptionSource } from "../catalogue/define.js";
import type { RawArgs } from "../catalogue/validate.js";
import { SLACK_LIMITS } from "./limits.js";

/**
 * Every callback_id, action_id and block_id opsbot uses, in one place: the builders set them, the
 * handlers register on them and parse them back, so a rename cannot leave a listener deaf. All are far
 * under Slack's 255 characters; the helpers check the ones built from data.
 */

export const CALLBACK = {
  /** The modal of one operation; which one travels in private_metadata. */
  operationModal: "ops_modal",
  /** The modal `/ops` alone opens: choose an operation, then its modal. */
  pickerModal: "ops_picker",
} as const;

export const ACTION = {
  pageNext: "ops_page_next",
  pagePrev: "ops_page_prev",
  /** Runs a prefilled operation (value: encodeOperationValue), e.g. "Deploy this manifest". */
  runOperation: "ops_run",
  /** Opens an operation's modal, prefilled (value: encodeOperationValue). */
  openModal: "ops_open_modal",
  /** The operation select of the picker modal (dispatch_action): its value is an operation id. */
  pickOperation: "ops_pick_operation",
  /** Refresh on a followed operation's parent message (value: the follow-up id). */
  followUpRefresh: "ops_followup_refresh",
  /** Approve / Deny on an approval request (value: encodeApprovalValue). */
  approve: "ops_approve",
  deny: "ops_deny",
  /** The element of each argument input in an operation modal; the block_id names the argument. */
  argValue: "value",
} as const;

export const BLOCK = {
  pager: "ops_pager",
  nextSteps: "ops_next_steps",
  approvalStatus: "ops_approval_status",
  followUpStatus: "ops_followup_status",
  followUpButtons: "ops_followup_buttons",
  approvalButtons: "ops_approval_buttons",
  pickOperation: "ops_pick_operation",
  warning: "ops_warning",
  errors: "ops_errors",
  loading: "ops_loading",
} as const;

/** `ops_run#2`: the second button of one kind in a block, where Slack wants unique action_ids. */
export function numberedAction(action: string, occurrence: number): string {
  return occurrence <= 1 ? action : `${action}#${occurrence}`;
}

/** What a listener registers on to hear an action and its numbered repeats: `app.action(actionPattern(ACTION.runOperation), …)`. */
export function actionPattern(action: string): RegExp {
  return new RegExp(`^${action.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(#\\d+)?$`);
}

const ARG_PREFIX = "arg:";

/** The input block of argument `name` in an operation modal: `arg:frontendPort`. */
export function argBlockId(name: string): string {
  return checked(`${ARG_PREFIX}${name}`, SLACK_LIMITS.blockId);
}

export function argNameOf(blockId: string): string | undefined {
  return blockId.startsWith(ARG_PREFIX) && blockId.length > ARG_PREFIX.length
    ? blockId.slice(ARG_PREFIX.length)
    : undefined;
}

// A Record rather than an array so the compiler insists every OptionSource is listed, and nothing else.
const OPTION_SOURCES: Readonly<Record<OptionSource, true>> = {
  namespaces: true,
  "task-templates": true,
  "pipeline-templates": true,
};
const SOURCE_PREFIX = "source:";

/**
 * The action_id of an external_select fed by `source`: `source:namespaces`. Carrying the source in the
 * action_id lets the options-load listener (`app.options({ action_id: /^source:/ })`) answer without
 * looking the operation up again.
 */
export function sourceActionId(source: OptionSource): string {
  return `${SOURCE_PREFIX}${source}`;
}

export function sourceOf(actionId: string): OptionSource | undefined {
  if (!actionId.startsWith(SOURCE_PREFIX)) return undefined;
  const name = actionId.slice(SOURCE_PREFIX.length);
  return isOptionSource(name) ? name : undefined;
}

function isOptionSource(name: string): name is OptionSource {
  return Object.hasOwn(OPTION_SOURCES, name);
}

/** What a runOperation / openModal / pager button carries: an operation, its raw arguments, a page. */
export interface OperationValue {
  readonly operationId: string;
  readonly args: RawArgs;
  /** 0-based list page, for pager buttons. */
  readonly page?: number;
  /** The modal's configuration comes from this finished load (see OutputAction.loaded). */
  readonly loaded?: { readonly what: "task" | "pipeline"; readonly workId: string };
}

const OperationValueJson = z.object({
  o: z.string().regex(/^[a-z0-9_-]+(:[a-z0-9_-]+)?$/i),
  a: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  p: z.number().int().min(0).max(1_000_000).optional(),
  l: z.object({ k: z.enum(["task", "pipeline"]), w: z.string().min(1).max(200) }).optional(),
});

/**
 * A button value, or undefined when it would pass Slack's 2,000 characters (long arguments): the caller
 * then leaves the button out rather than send a message Slack rejects.
 */
export function encodeOperationValue(value: OperationValue): string | undefined {
  const args: Record<string, string | readonly string[]> = {};
  for (const [name, arg] of Object.entries(value.args)) if (arg !== undefined) args[name] = arg;
  const json = JSON.stringify({
    o: value.operationId,
    a: args,
    ...(value.page ? { p: value.page } : {}),
    ...(value.loaded ? { l: { k: value.loaded.what, w: value.loaded.workId } } : {}),
  });
  return json.length <= SLACK_LIMITS.buttonValue ? json : undefined;
}

/**
 * Reads a button value back. It comes from a Slack payload, so it is checked like any input; the
 * arguments still go through validateArgs and the permission check before anything runs.
 */
export function decodeOperationValue(value: unknown): OperationValue | undefined {
  if (typeof value !== "string") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = OperationValueJson.safeParse(json);
  if (!parsed.success) return undefined;
  const { o: operationId, a: args, p: page, l: loaded } = parsed.data;
  return {
    operationId,
    args,
    ...(page === undefined ? {} : { page }),
    ...(loaded === undefined ? {} : { loaded: { what: loaded.k, workId: loaded.w } }),
  };
}

function checked(id: string, max: number): string {
  if (id.length > max) throw new Error(`Slack id longer than ${max} characters: ${id.slice(0, 40)}…`);
  return id;
}
