import type { types } from "@slack/bolt";
import { z } from "zod";
import type { AnyOperation, ArgDef, Risk } from "../catalogue/define.js";
import { commandWords, isOptional } from "../catalogue/define.js";
import type { ArgIssue, RawArgs } from "../catalogue/validate.js";
import { ACTION, argBlockId, BLOCK, CALLBACK, sourceActionId } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { capitalize, escapeMrkdwn, fitText, plain, section, upperFirst } from "./text.js";

/**
 * The modal of one operation, derived from its argument descriptions, and the way back from Slack's
 * `view.state.values` to the same RawArgs the `/ops` parser produces, so both go through validateArgs.
 */

export interface OperationModalOptions {
  /** Initial values, e.g. what was typed after `/ops task deploy` before the modal opened. */
  readonly prefill?: RawArgs;
  /** Shown at the top, e.g. why the typed command could not run as it was. */
  readonly errors?: readonly ArgIssue[];
  /** Comes back with view_submission; at most 3,000 characters. */
  readonly privateMetadata: string;
  /** The placeholder to open at once (the trigger_id expires in 3 s), before any backend call. */
  readonly loading?: boolean;
}

// Two blocks (warning, errors) may come before the inputs.
const MAX_ARGS = SLACK_LIMITS.surfaceBlocks - 2;
const YES = "true";
const NO = "false";
const TRUTHY = /^(true|yes|y|on|1)$/i;
const FALSY = /^(false|no|n|off|0)$/i;

export function operationModal(operation: AnyOperation, options: OperationModalOptions): types.ModalView {
  checkMetadata(options.privateMetadata);
  const submitLabel = submitFor(operation.risk, operation.verb || operation.resource);
  const base = {
    type: "modal" as const,
    callback_id: CALLBACK.operationModal,
    title: plain(capitalize(commandWords(operation)), SLACK_LIMITS.modalTitle),
    close: plain("Cancel", SLACK_LIMITS.modalButton),
    private_metadata: options.privateMetadata,
  };
  if (options.loading) return { ...base, blocks: [{ ...section("⏳ Loading…"), block_id: BLOCK.loading }] };

  const args = Object.entries(operation.args);
  if (args.length > MAX_ARGS)
    throw new RangeError(`${operation.id} has more arguments than a modal can hold`);
  const blocks: types.KnownBlock[] = [];
  if (operation.risk === "destructive")
    blocks.push({
      ...section(
        `⚠️ *${escapeMrkdwn(operation.id)}* cannot be undone. Check the values before you press *${submitLabel}*.`,
      ),
      block_id: BLOCK.warning,
    });
  if (options.errors && options.errors.length > 0) blocks.push(errorSection(operation, options.errors));
  for (const [name, def] of args) blocks.push(inputBlock(name, def, options.prefill?.[name]));
  if (args.length === 0) blocks.push(section(`${escapeMrkdwn(operation.summary)}: nothing to fill in.`));
  return { ...base, submit: plain(submitLabel, SLACK_LIMITS.modalButton), blocks };
}

/** "Run" for reads, otherwise the verb itself ("Deploy", "Delete"), so the button says what happens. */
function submitFor(risk: Risk, verb: string): string {
  const label = capitalize(verb);
  return risk === "read" || label.length > SLACK_LIMITS.modalButton ? "Run" : label;
}

function checkMetadata(metadata: string): void {
  if (metadata.length > SLACK_LIMITS.privateMetadata)
    throw new RangeError(
      `private_metadata is ${metadata.length} characters; Slack allows ${SLACK_LIMITS.privateMetadata}`,
    );
}

function errorSection(operation: AnyOperation, issues: readonly ArgIssue[]): types.SectionBlock {
  // Each message is capped first so that many issues still show one line each, not one long one. The
  // field is named by its label, as the form shows it.
  const lines = issues.map(
    (i) =>
      `• *${escapeMrkdwn(operation.args[i.arg]?.label ?? i.arg)}* ${fitText(i.message, 300, escapeMrkdwn)}`,
  );
  return {
    ...section(fitText(lines.join("\n"), 2_900, (t) => `❌ Please fix:\n${t}`)),
    block_id: BLOCK.errors,
  };
}

/** The action_id of an argument's element: `value`, or `source:<source>` for an external select. */
export function inputActionId(def: ArgDef): string {
  return def.input === "external_select" && def.source && !def.repeatable
    ? sourceActionId(def.source)
    : ACTION.argValue;
}

function inputBlock(name: string, def: ArgDef, prefill: RawArgs[string]): types.InputBlock {
  const hint = def.repeatable ? [def.hint, "One value per line."].filter(Boolean).join(" ") : def.hint;
  return {
    type: "input",
    block_id: argBlockId(name),
    label: plain(def.label, SLACK_LIMITS.inputLabel),
    optional: isOptional(def),
    element: inputElement(def, prefill),
    ...(hint ? { hint: plain(hint, SLACK_LIMITS.inputHint) } : {}),
  };
}

function inputElement(def: ArgDef, prefill: RawArgs[string]): types.InputBlockElement {
  const action_id = inputActionId(def);
  const placeholder = def.placeholder
    ? { placeholder: plain(def.placeholder, SLACK_LIMITS.placeholder) }
    : {};
  const values = prefill === undefined ? [] : typeof prefill === "string" ? [prefill] : [...prefill];
  // A single-valued argument typed twice shows the first; validateArgs will say it was given twice.
  const first = values[0];
  if (def.repeatable)
    return {
      type: "plain_text_input",
      action_id,
      multiline: true,
      ...placeholder,
      ...textInitial(values.join("\n")),
    };
  switch (def.input) {
    case "number": {
      // Slack refuses a view whose number_input starts with something that is not a number.
      const number = first?.trim().replace(/^\+/, "");
      const initial = number !== undefined && /^-?\d+$/.test(number) ? { initial_value: number } : {};
      return { type: "number_input", action_id, is_decimal_allowed: false, ...placeholder, ...initial };
    }
    case "select": {
      const choices = def.choices ?? [];
      // Slack rejects a select without options; a typed value still goes through validation.
      if (choices.length === 0)
        return { type: "plain_text_input", action_id, ...placeholder, ...textInitial(first) };
      if (choices.length > SLACK_LIMITS.selectOptions)
        throw new RangeError(`more than 100 choices for ${def.label}`);
      const options = choices.map((c) => option(c, c));
      const initial = options.find((o) => o.value === first);
      return {
        type: "static_select",
        action_id,
        options,
        ...placeholder,
        ...(initial ? { initial_option: initial } : {}),
      };
    }
    case "external_select": {
      // Without a source there is nothing to load options from: let the value be typed instead.
      if (!def.source) return { type: "plain_text_input", action_id, ...placeholder, ...textInitial(first) };
      const initial =
        first !== undefined && first.length <= SLACK_LIMITS.optionValue
          ? { initial_option: option(first, first) }
          : {};
      return { type: "external_select", action_id, min_query_length: 0, ...placeholder, ...initial };
    }
    case "boolean": {
      // A select rather than a checkbox keeps "not given" apart from "no", and a required checkbox would
      // force the user to tick it.
      const options = [option("Yes", YES), option("No", NO)];
      const initial = options.find((o) => o.value === yesNo(first));
      return {
        type: "static_select",
        action_id,
        options,
        ...placeholder,
        ...(initial ? { initial_option: initial } : {}),
      };
    }
    case "multiline":
      return { type: "plain_text_input", action_id, multiline: true, ...placeholder, ...textInitial(first) };
    case "text":
      return { type: "plain_text_input", action_id, ...placeholder, ...textInitial(first) };
  }
}

/** What `/ops … --force yes` typed means, as the select's value. */
function yesNo(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return TRUTHY.test(value.trim()) ? YES : FALSY.test(value.trim()) ? NO : undefined;
}

/** Longer text than a text input can hold is left out rather than cut: a cut value could be submitted. */
function textInitial(value: string | undefined): { initial_value?: string } {
  return value !== undefined && value !== "" && value.length <= SLACK_LIMITS.textInputLength
    ? { initial_value: value }
    : {};
}

function option(text: string, value: string): types.PlainTextOption {
  return { text: plain(text, SLACK_LIMITS.optionText), value };
}

const SelectedOption = z.object({ value: z.string() });
const ElementState = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: SelectedOption.nullish(),
});
const StateValues = z.record(z.string(), z.record(z.string(), z.unknown()));

/**
 * `view.state.values` back to RawArgs. The payload comes from outside, so its shape is checked: an input
 * that is missing or malformed reads as not given, and validateArgs then says what is required.
 */
export function readModalValues(operation: AnyOperation, stateValues: unknown): RawArgs {
  const parsed = StateValues.safeParse(stateValues);
  if (!parsed.success) return {};
  const raw: Record<string, string | readonly string[]> = {};
  for (const [name, def] of Object.entries(operation.args)) {
    const element = ElementState.safeParse(parsed.data[argBlockId(name)]?.[inputActionId(def)]);
    if (!element.success) continue;
    const { value, selected_option } = element.data;
    if (def.repeatable) {
      const lines = (value ?? "")
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "");
      if (lines.length > 0) raw[name] = lines;
    } else if (selected_option) raw[name] = selected_option.value;
    else if (typeof value === "string" && value.trim() !== "") raw[name] = value;
  }
  return raw;
}

/**
 * Issues as `response_action: "errors"` wants them: block_id → message. Only inputs that exist may be
 * named (Slack rejects the response otherwise), so an issue about anything else, such as a cross-field
 * rule, is shown on the first input.
 */
export function modalErrors(operation: AnyOperation, issues: readonly ArgIssue[]): Record<string, string> {
  const names = Object.keys(operation.args);
  const first = names[0];
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const known = names.includes(issue.arg);
    const name = known ? issue.arg : first;
    if (name === undefined) continue;
    const message = upperFirst(known ? issue.message : `${issue.arg}: ${issue.message}`);
    const blockId = argBlockId(name);
    errors[blockId] = fitText(errors[blockId] ? `${errors[blockId]}; ${message}` : message, 1_000, (t) => t);
  }
  return errors;
}

// The picker lives in its own file (it is about the catalogue, not one operation); exported here too so
// every modal builder can be found in one place.
export { pickedOperationId, pickerModal } from "./picker.js";
