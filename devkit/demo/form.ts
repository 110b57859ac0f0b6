import type { ViewStateValue } from "@slack/bolt";
import { type Json, list, record, str } from "./json.js";
import { optionsOf } from "./render.js";

/**
 * Filling in a modal from `submit field=value …`: which input a name means, and what Slack would put in
 * `view.state.values` for each input type. Pure, so it is tested without a bot.
 */

export interface InputField {
  readonly blockId: string;
  readonly actionId: string;
  readonly type: string;
  readonly label: string;
  readonly element: Json;
}

export type ViewValues = Record<string, Record<string, ViewStateValue>>;

/** The input blocks of a view, in order. */
export function inputFields(view: unknown): InputField[] {
  return list(record(view)?.blocks).flatMap((b) => {
    const block = record(b);
    const element = record(block?.element);
    const blockId = str(block?.block_id);
    if (block?.type !== "input" || !element || !blockId) return [];
    return [
      {
        blockId,
        actionId: str(element.action_id) ?? "",
        type: str(element.type) ?? "",
        label: str(record(block.label)?.text) ?? blockId,
        element,
      },
    ];
  });
}

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * The input `name` means: its block_id, the block_id without a `prefix:` (opsbot's `arg:port` is
 * `port`), or its label with case and punctuation ignored (`frontend-port` for "Frontend port").
 */
export function resolveField(fields: readonly InputField[], name: string): InputField | undefined {
  const short = (id: string) => id.slice(id.indexOf(":") + 1);
  return (
    fields.find((f) => f.blockId === name) ??
    fields.find((f) => short(f.blockId) === name) ??
    fields.find((f) => squash(short(f.blockId)) === squash(name)) ??
    fields.find((f) => squash(f.label) === squash(name))
  );
}

/** What the input starts with, in the same words `submit` takes. */
export function initialRaw(field: InputField): string | undefined {
  const e = field.element;
  const value = str(e.initial_value) ?? str(e.initial_date) ?? str(e.initial_time);
  if (value !== undefined) return value;
  const option = str(record(e.initial_option)?.value);
  if (option !== undefined) return option;
  const many = list(e.initial_options).flatMap((o) => str(record(o)?.value) ?? []);
  if (many.length > 0) return many.join(",");
  const users = list(e.initial_users).filter((u): u is string => typeof u === "string");
  return users.length > 0 ? users.join(",") : (str(e.initial_user) ?? str(e.initial_channel));
}

type Converted = { ok: true; value: ViewStateValue } | { ok: false; message: string };

function selectedOption(field: InputField, raw: string): Converted | { ok: true; option: Json } {
  const options = optionsOf(field.element);
  const wanted = raw.trim().toLowerCase();
  const found =
    options.find((o) => str(o.value) === raw) ??
    options.find((o) => str(o.value)?.toLowerCase() === wanted) ??
    options.find((o) => str(record(o.text)?.text)?.toLowerCase() === wanted);
  if (found) return { ok: true, option: found };
  const choices = options.map((o) => str(o.value)).join(", ");
  return { ok: false, message: `${field.label}: no option ${JSON.stringify(raw)} (choose from ${choices})` };
}

function asOption(option: Json): NonNullable<ViewStateValue["selected_option"]> {
  const text = str(record(option.text)?.text) ?? str(option.value) ?? "";
  return { text: { type: "plain_text", text }, value: str(option.value) ?? "" };
}

const splitList = (raw: string) =>
  raw
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");

/** One input's state as Slack reports it; `raw` undefined is an untouched input (Slack sends null). */
export function stateValueOf(field: InputField, raw: string | undefined): Converted {
  const type = field.type;
  const given = raw !== undefined && raw !== "";
  switch (type) {
    case "static_select":
    case "radio_buttons": {
      if (!given) return { ok: true, value: { type, selected_option: null } };
      const found = selectedOption(field, raw);
      return "option" in found
        ? { ok: true, value: { type, selected_option: asOption(found.option) } }
        : found;
    }
    case "external_select":
      // Any text goes: the options come from the bot, and `select` shows what it offers.
      return {
        ok: true,
        value: {
          type,
          selected_option: given ? { text: { type: "plain_text", text: raw }, value: raw } : null,
        },
      };
    case "checkboxes":
    case "multi_static_select": {
      const picked: NonNullable<ViewStateValue["selected_options"]> = [];
      for (const one of given ? splitList(raw) : []) {
        const found = selectedOption(field, one);
        if (!("option" in found)) return found;
        picked.push(asOption(found.option));
      }
      return { ok: true, value: { type, selected_options: picked } };
    }
    case "multi_external_select":
      return {
        ok: true,
        value: {
          type,
          selected_options: (given ? splitList(raw) : []).map((v) => ({
            text: { type: "plain_text", text: v },
            value: v,
          })),
        },
      };
    case "users_select":
      return { ok: true, value: { type, selected_user: given ? raw : null } };
    case "multi_users_select":
      return { ok: true, value: { type, selected_users: given ? splitList(raw) : [] } };
    case "conversations_select":
      return { ok: true, value: { type, selected_conversation: given ? raw : null } };
    case "channels_select":
      return { ok: true, value: { type, selected_channel: given ? raw : null } };
    case "datepicker":
      return { ok: true, value: { type, selected_date: given ? raw : null } };
    case "timepicker":
      return { ok: true, value: { type, selected_time: given ? raw : null } };
    default:
      // plain_text_input, number_input, email_text_input, url_text_input: the text as typed.
      return { ok: true, value: { type, value: given ? raw : null } };
  }
}

/**
 * `view.state.values` for a submission: every input, from what was typed (by block_id), else its initial
 * value, else empty, as Slack sends all of them.
 */
export function buildStateValues(
  fields: readonly InputField[],
  typed: ReadonlyMap<string, string>,
): { ok: true; values: ViewValues } | { ok: false; message: string } {
  const values: ViewValues = {};
  for (const field of fields) {
    const converted = stateValueOf(field, typed.get(field.blockId) ?? initialRaw(field));
    if (!converted.ok) return converted;
    values[field.blockId] = { [field.actionId]: converted.value };
  }
  return { ok: true, values };
}
