import { type Json, list, record, str } from "./json.js";
import { type Directory, displayMrkdwn } from "./mrkdwn.js";
import { PLAIN, type Style } from "./style.js";

/**
 * Block Kit as readable lines for the console: pure (JSON in, text out), so it is tested on its own.
 * Blocks come from the Slack stand-in as parsed JSON, so every shape is checked, never assumed: an
 * unknown block is named rather than dropped, so nothing the bot sent goes unseen.
 */

export interface ConfirmDialog {
  readonly title: string | undefined;
  readonly text: string;
  readonly confirm: string | undefined;
  readonly deny: string | undefined;
}

/** A button the console can click: numbered in the transcript, everything a block_actions payload needs. */
export interface Button {
  readonly n: number;
  readonly text: string;
  readonly actionId: string;
  readonly blockId: string | undefined;
  readonly value: string | undefined;
  readonly url: string | undefined;
  readonly style: string | undefined;
  readonly confirm: ConfirmDialog | undefined;
}

export interface Rendered {
  readonly lines: string[];
  readonly buttons: Button[];
}

export interface RenderOptions {
  readonly style?: Style;
  readonly names?: Directory;
  /** The number of the first button, so numbering runs on across everything one command printed. */
  readonly firstButton?: number;
}

/** What the console knows about an open modal beyond its JSON: values typed so far, errors shown. */
export interface ModalState {
  /** block_id → the value as shown (what the next submission sends). */
  readonly values?: ReadonlyMap<string, string>;
  /** block_id → message, from `response_action: "errors"`. */
  readonly errors?: Readonly<Record<string, string>>;
}

/** A text object (plain_text or mrkdwn) as display text. */
function textOf(value: unknown, names: Directory): string {
  const t = record(value);
  const text = str(t?.text) ?? "";
  return t?.type === "mrkdwn" ? displayMrkdwn(text, names) : text;
}

function optionText(option: unknown, names: Directory): string {
  const o = record(option);
  const text = textOf(o?.text, names);
  const value = str(o?.value);
  return value === undefined || value === text ? text : `${text} (${value})`;
}

/** Options of a select, flattened out of option_groups when it has them. */
export function optionsOf(element: unknown): Json[] {
  const e = record(element);
  const direct = list(e?.options);
  const grouped = list(e?.option_groups).flatMap((g) => list(record(g)?.options));
  return [...direct, ...grouped].flatMap((o) => {
    const option = record(o);
    return option ? [option] : [];
  });
}

class Renderer {
  readonly lines: string[] = [];
  readonly buttons: Button[] = [];
  readonly #style: Style;
  readonly #names: Directory;
  #next: number;

  constructor(options: RenderOptions) {
    this.#style = options.style ?? PLAIN;
    this.#names = options.names ?? {};
    this.#next = options.firstButton ?? 1;
  }

  text(value: unknown): string {
    return textOf(value, this.#names);
  }

  push(text: string, indent = ""): void {
    for (const line of text.split("\n")) this.lines.push(`${indent}${line}`);
  }

  /** `[3] Deploy` for a button, registered for `click`; other interactive elements are only named. */
  element(value: unknown, blockId: string | undefined): string {
    const e = record(value);
    const s = this.#style;
    if (e?.type !== "button") {
      const placeholder = e?.placeholder ? ` "${this.text(e.placeholder)}"` : "";
      return s.dim(`{${str(e?.type) ?? "element"}${placeholder}}`);
    }
    const confirm = record(e.confirm);
    const button: Button = {
      n: this.#next++,
      text: this.text(e.text),
      actionId: str(e.action_id) ?? "",
      blockId,
      value: str(e.value),
      url: str(e.url),
      style: str(e.style),
      confirm: confirm
        ? {
            title: confirm.title ? this.text(confirm.title) : undefined,
            text: this.text(confirm.text),
            confirm: confirm.confirm ? this.text(confirm.confirm) : undefined,
            deny: confirm.deny ? this.text(confirm.deny) : undefined,
          }
        : undefined,
    };
    this.buttons.push(button);
    const colour = button.style === "danger" ? s.red : button.style === "primary" ? s.green : s.cyan;
    return colour(`[${button.n}] ${button.text}`) + (button.confirm ? s.dim(" (asks to confirm)") : "");
  }

  block(value: unknown, modal: ModalState | undefined): void {
    const b = record(value);
    const s = this.#style;
    const blockId = str(b?.block_id);
    switch (b?.type) {
      case "header":
        this.push(s.bold(`# ${this.text(b.text)}`));
        return;
      case "divider":
        this.push(s.dim("─".repeat(40)));
        return;
      case "section":
        this.section(b, blockId);
        return;
      case "context": {
        const parts = list(b.elements).map((e) => {
          const r = record(e);
          return r?.type === "image" ? `[image: ${str(r.alt_text) ?? ""}]` : this.text(r);
        });
        this.push(s.dim(parts.join(" · ")));
        return;
      }
      case "actions":
        this.push(
          list(b.elements)
            .map((e) => this.element(e, blockId))
            .join("  "),
        );
        return;
      case "input":
        this.input(b, blockId, modal);
        return;
      case "image":
        this.push(s.dim(`[image: ${str(b.alt_text) ?? str(b.image_url) ?? ""}]`));
        return;
      case "rich_text":
        this.push(richText(b));
        return;
      default:
        this.push(s.dim(`[${str(b?.type) ?? "unknown"} block]`));
    }
  }

  section(b: Json, blockId: string | undefined): void {
    if (b.text) this.push(this.text(b.text));
    for (const field of list(b.fields)) {
      const text = this.text(field);
      // The builders write fields as `*Label*\nvalue`: one `Label: value` line reads better.
      const labelled = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(text);
      this.push(labelled ? `${this.#style.bold(`${labelled[1]}:`)} ${labelled[2]}` : text, "  ");
    }
    if (b.accessory) this.push(this.element(b.accessory, blockId), "  ");
  }

  input(b: Json, blockId: string | undefined, modal: ModalState | undefined): void {
    const s = this.#style;
    const element = record(b.element);
    const required = b.optional === true ? "" : s.red(" *");
    const key = blockId ? s.dim(` [${blockId}]`) : "";
    this.push(
      `${s.bold(this.text(b.label))}${required}${key} ${s.dim(describeElement(element, this.#names))}`,
    );
    const shown = (blockId && modal?.values?.get(blockId)) ?? initialValue(element, this.#names);
    if (shown !== undefined && shown !== "") this.push(`= ${shown}`, "  ");
    if (b.hint) this.push(s.dim(`hint: ${this.text(b.hint)}`), "  ");
    const error = blockId ? modal?.errors?.[blockId] : undefined;
    if (error) this.push(s.red(`✖ ${error}`), "  ");
  }
}

/** `text`, `number`, `select: tcp | udp`, … : what the field takes, so `submit` can be typed right. */
function describeElement(element: Json | undefined, names: Directory): string {
  const type = str(element?.type) ?? "unknown";
  switch (type) {
    case "plain_text_input":
      return element?.multiline ? "text, several lines (\\n in submit)" : "text";
    case "number_input":
      return element?.is_decimal_allowed ? "number" : "whole number";
    case "static_select":
    case "multi_static_select":
    case "radio_buttons":
    case "checkboxes": {
      const options = optionsOf(element).map((o) => optionText(o, names));
      const kind = type === "static_select" || type === "radio_buttons" ? "one of" : "any of (a,b)";
      // A long list goes on lines of its own, so each option stays readable.
      return options.length > LONG_LIST
        ? `${kind} ${options.length}:\n${wrap(options, " | ")}`
        : `${kind}: ${options.join(" | ")}`;
    }
    case "external_select":
    case "multi_external_select":
      return "search (`select <field> [text]` lists options)";
    default:
      return type.replace(/_/g, " ");
  }
}

const LONG_LIST = 8;
const WRAP_AT = 100;

/** Joins items into lines of at most WRAP_AT characters, each indented under the field. */
function wrap(items: readonly string[], separator: string): string {
  const lines: string[] = [];
  let current = "";
  for (const item of items) {
    if (current && current.length + separator.length + item.length > WRAP_AT) {
      lines.push(current);
      current = item;
    } else current = current ? `${current}${separator}${item}` : item;
  }
  if (current) lines.push(current);
  return lines.map((l) => `    ${l}`).join("\n");
}

function initialValue(element: Json | undefined, names: Directory): string | undefined {
  if (!element) return undefined;
  const initial = str(element.initial_value) ?? str(element.initial_date) ?? str(element.initial_time);
  if (initial !== undefined) return initial;
  if (element.initial_option) return optionText(element.initial_option, names);
  const many = list(element.initial_options).map((o) => optionText(o, names));
  return many.length > 0 ? many.join(", ") : undefined;
}

/** rich_text is flattened to its words; the bot does not send it, but a listener in a test might. */
function richText(b: Json): string {
  const words: string[] = [];
  const walk = (node: unknown): void => {
    const n = record(node);
    if (!n) return;
    if (typeof n.text === "string") words.push(n.text);
    for (const child of list(n.elements)) walk(child);
  };
  walk(b);
  return words.join("");
}

/** A message: its blocks, or its fallback text when it has none (Slack shows the text then). */
export function renderMessage(
  message: { readonly text?: unknown; readonly blocks?: unknown },
  options: RenderOptions = {},
): Rendered {
  const r = new Renderer(options);
  const blocks = list(message.blocks);
  if (blocks.length > 0) for (const block of blocks) r.block(block, undefined);
  else r.push(displayMrkdwn(str(message.text) ?? "", options.names));
  return { lines: r.lines, buttons: r.buttons };
}

/**
 * A modal: title, blocks with each input's label, block_id, what it takes, current value, hint and error,
 * then its submit and close buttons.
 */
export function renderModal(view: unknown, state: ModalState = {}, options: RenderOptions = {}): Rendered {
  const v = record(view);
  const s = options.style ?? PLAIN;
  const r = new Renderer(options);
  r.push(s.bold(`▣ ${r.text(v?.title) || "(untitled modal)"}`));
  for (const block of list(v?.blocks)) r.block(block, state);
  const submit = v?.submit ? r.text(v.submit) : undefined;
  const close = v?.close ? r.text(v.close) : "Close";
  // Errors on blocks that do not exist would make Slack refuse the response: show them anyway.
  const known = new Set(list(v?.blocks).map((b) => str(record(b)?.block_id)));
  for (const [blockId, error] of Object.entries(state.errors ?? {}))
    if (!known.has(blockId)) r.push(s.red(`✖ ${blockId}: ${error}`));
  const buttons = [submit ? s.green(`⟨${submit}⟩ = submit`) : undefined, s.dim(`⟨${close}⟩ = close`)];
  r.push(buttons.filter((b) => b !== undefined).join("  "));
  return { lines: r.lines, buttons: r.buttons };
}
