import type { types } from "@slack/bolt";
import { type AnyOperation, commandWords } from "../catalogue/define.js";
import type { OutputAction } from "../catalogue/output.js";
import type { RawArgs } from "../catalogue/validate.js";
import { ACTION, BLOCK, encodeOperationValue, numberedAction, type OperationValue } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { capitalize, escapeMrkdwn, fitText, mrkdwn, plain } from "./text.js";

/**
 * Buttons that carry an operation and its arguments, e.g. "Deploy this manifest" under a loaded
 * configuration. The handler decodes the value with decodeOperationValue and runs it through the same
 * validation, permission and approval path as a typed command.
 */

export interface OperationButtonOptions {
  /** `run` runs at once (after a confirm dialog for anything that changes something); `open` opens its modal. */
  readonly action: "run" | "open";
  /** Defaults to "Resource verb". */
  readonly label?: string;
  /** For `open`: the modal's configuration comes from this finished load. */
  readonly loaded?: OperationValue["loaded"];
}

/** The button, or undefined when the arguments are too long for a button value (2,000 characters). */
export function operationButton(
  operation: AnyOperation,
  args: RawArgs,
  options: OperationButtonOptions,
): types.Button | undefined {
  const value = encodeOperationValue({
    operationId: operation.id,
    args,
    ...(options.loaded ? { loaded: options.loaded } : {}),
  });
  if (value === undefined) return undefined;
  const text = plain(options.label ?? capitalize(commandWords(operation)), SLACK_LIMITS.buttonText);
  const button: types.Button = {
    type: "button",
    action_id: options.action === "run" ? ACTION.runOperation : ACTION.openModal,
    text,
    value,
  };
  if (options.action === "open") return button;
  if (operation.risk === "destructive") button.style = "danger";
  else if (operation.risk === "write") button.style = "primary";
  // A click in a busy channel is easy to make by mistake; a change asks once more.
  if (operation.risk !== "read")
    button.confirm = {
      title: plain(`${capitalize(operation.verb || operation.resource)}?`, SLACK_LIMITS.confirmTitle),
      text: mrkdwn(
        fitText(
          `${operation.summary}${operation.risk === "destructive" ? ". This cannot be undone." : "."}`,
          SLACK_LIMITS.confirmText,
          escapeMrkdwn,
        ),
      ),
      confirm: plain(capitalize(operation.verb || operation.resource), SLACK_LIMITS.confirmButton),
      deny: plain("Cancel", SLACK_LIMITS.confirmButton),
      ...(operation.risk === "destructive" ? { style: "danger" as const } : {}),
    };
  return button;
}

/**
 * An actions block of the buttons that could be built (up to Slack's 25), or undefined if none. Slack
 * wants action_ids unique within a block, so repeats get a `#n` suffix (see actionPattern).
 */
export function actionsBlock(
  blockId: string,
  buttons: readonly (types.Button | undefined)[],
): types.ActionsBlock | undefined {
  const seen = new Map<string, number>();
  const elements = buttons
    .filter((b): b is types.Button => b !== undefined)
    .slice(0, SLACK_LIMITS.actionsElements)
    .map((button) => {
      const id = button.action_id ?? "";
      const occurrence = (seen.get(id) ?? 0) + 1;
      seen.set(id, occurrence);
      return occurrence === 1 ? button : { ...button, action_id: numberedAction(id, occurrence) };
    });
  return elements.length > 0 ? { type: "actions", block_id: blockId, elements } : undefined;
}

/**
 * The buttons of a result's next steps (Output.actions). An action naming an operation the catalogue
 * does not have is left out: a button that can only fail helps nobody.
 */
export function outputActionsBlock(
  actions: readonly OutputAction[],
  operationById: (id: string) => AnyOperation | undefined,
): types.ActionsBlock | undefined {
  return actionsBlock(
    BLOCK.nextSteps,
    actions.map((action) => {
      const operation = operationById(action.operationId);
      return operation
        ? operationButton(operation, action.args, {
            action: action.mode,
            label: action.label,
            ...(action.loaded ? { loaded: action.loaded } : {}),
          })
        : undefined;
    }),
  );
}
