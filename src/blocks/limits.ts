import type { types } from "@slack/bolt";

/**
 * Slack's Block Kit size limits, checked offline. @slack/types checks structure at compile time but no
 * lengths, and Slack answers `invalid_blocks` (or `msg_blocks_too_long`) at run time, so builders are
 * tested against these. Lengths are counted in UTF-16 code units, which is never fewer than the
 * characters Slack counts, so a pass here is a pass there.
 */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  surfaceBlocks: 100,
  /** Slack truncates longer message text; 4,000 is the recommended size. */
  messageText: 40_000,
  /** Safety margin under the ~13k aggregate at which Slack answers msg_blocks_too_long (bolt-js#2509). */
  messageBlocksText: 12_000,
  blockId: 255,
  actionId: 255,
  callbackId: 255,
  externalId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  contextElements: 10,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  selectOptions: 100,
  optionGroups: 100,
  checkboxOptions: 10,
  overflowOptions: 5,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  textInputLength: 3000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
} as const;

export type LimitRule = keyof typeof SLACK_LIMITS | "emptySectionText" | "modalSubmitRequired";

export interface LimitViolation {
  /** JSON pointer into the checked value, e.g. `/blocks/3/fields/0/text`. */
  readonly path: string;
  readonly rule: LimitRule;
  readonly limit: number;
  readonly actual: number;
  readonly message: string;
}

export interface MessageContent {
  readonly text?: string;
  readonly blocks?: readonly types.AnyBlock[];
}

export type Surface = "message" | "modal" | "home";

export class BlockLimitError extends Error {
  constructor(readonly violations: readonly LimitViolation[]) {
    super(`Block Kit limits exceeded:\n${violations.map((v) => `  ${v.message}`).join("\n")}`);
    this.name = "BlockLimitError";
  }
}

export function checkMessage(message: MessageContent): LimitViolation[] {
  return checkSurfaceJson("message", message);
}

export function checkModalView(view: types.ModalView): LimitViolation[] {
  return checkSurfaceJson("modal", view);
}

export function checkHomeView(view: types.HomeView): LimitViolation[] {
  return checkSurfaceJson("home", view);
}

/** For tests: throws a BlockLimitError listing every violation. */
export function assertWithinLimits(subject: MessageContent | types.ModalView | types.HomeView): void {
  const violations = "type" in subject ? checkSurfaceJson(subject.type, subject) : checkMessage(subject);
  if (violations.length > 0) throw new BlockLimitError(violations);
}

/** Shortens `text` to at most `max` UTF-16 units, ending in `ellipsis`, never splitting a surrogate pair. */
export function truncateText(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  const suffix = ellipsis.length < max ? ellipsis : "";
  let cut = max - suffix.length;
  if (isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut).trimEnd()}${suffix}`;
}

/**
 * Checks untrusted JSON (a view or a `{text, blocks}` message) as Slack would; the typed functions above
 * are thin wrappers. Unknown block and element types are skipped rather than reported.
 */
export function checkSurfaceJson(surface: Surface, value: unknown): LimitViolation[] {
  const c = new Collector();
  const root = asRecord(value);
  if (!root) return c.violations;
  if (surface === "message") {
    c.text("/text", "messageText", root.text);
    c.count("/blocks", "messageBlocks", root.blocks);
    c.max("/blocks", "messageBlocksText", sumText(root.blocks));
  } else {
    c.count("/blocks", "surfaceBlocks", root.blocks);
    c.text("/private_metadata", "privateMetadata", root.private_metadata);
    c.text("/callback_id", "callbackId", root.callback_id);
    c.text("/external_id", "externalId", root.external_id);
  }
  if (surface === "modal") {
    c.text("/title", "modalTitle", root.title);
    c.text("/submit", "modalButton", root.submit);
    c.text("/close", "modalButton", root.close);
    const hasInput = asArray(root.blocks).some((b) => asRecord(b)?.type === "input");
    if (hasInput && root.submit === undefined) {
      c.add(
        "/submit",
        "modalSubmitRequired",
        1,
        0,
        "/submit: a modal with input blocks needs a submit button",
      );
    }
  }
  for (const [i, block] of asArray(root.blocks).entries()) checkBlock(block, `/blocks/${i}`, c);
  return c.violations;
}

function checkBlock(block: unknown, path: string, c: Collector): void {
  const b = asRecord(block);
  if (!b) return;
  c.text(`${path}/block_id`, "blockId", b.block_id);
  switch (b.type) {
    case "section": {
      if (textOf(b.text) === "") {
        c.add(`${path}/text`, "emptySectionText", 1, 0, `${path}/text: section text must not be empty`);
      }
      c.text(`${path}/text`, "sectionText", b.text);
      c.count(`${path}/fields`, "sectionFields", b.fields);
      for (const [i, f] of asArray(b.fields).entries()) c.text(`${path}/fields/${i}`, "sectionFieldText", f);
      checkElement(b.accessory, `${path}/accessory`, c);
      break;
    }
    case "header":
      c.text(`${path}/text`, "headerText", b.text);
      break;
    case "actions":
      c.count(`${path}/elements`, "actionsElements", b.elements);
      for (const [i, e] of asArray(b.elements).entries()) checkElement(e, `${path}/elements/${i}`, c);
      break;
    case "context":
      c.count(`${path}/elements`, "contextElements", b.elements);
      break;
    case "input":
      c.text(`${path}/label`, "inputLabel", b.label);
      c.text(`${path}/hint`, "inputHint", b.hint);
      checkElement(b.element, `${path}/element`, c);
      break;
  }
}

function checkElement(element: unknown, path: string, c: Collector): void {
  const e = asRecord(element);
  if (!e) return;
  c.text(`${path}/action_id`, "actionId", e.action_id);
  c.text(`${path}/placeholder`, "placeholder", e.placeholder);
  checkConfirm(e.confirm, `${path}/confirm`, c);
  switch (e.type) {
    case "button":
      c.text(`${path}/text`, "buttonText", e.text);
      c.text(`${path}/value`, "buttonValue", e.value);
      c.text(`${path}/url`, "url", e.url);
      c.text(`${path}/accessibility_label`, "accessibilityLabel", e.accessibility_label);
      return;
    case "static_select":
    case "multi_static_select":
      c.count(`${path}/options`, "selectOptions", e.options);
      c.count(`${path}/option_groups`, "optionGroups", e.option_groups);
      asArray(e.option_groups).forEach((g, i) => {
        const options = asRecord(g)?.options;
        c.count(`${path}/option_groups/${i}/options`, "selectOptions", options);
        checkOptions(options, `${path}/option_groups/${i}/options`, c);
      });
      break;
    case "overflow":
      c.count(`${path}/options`, "overflowOptions", e.options);
      break;
    case "checkboxes":
    case "radio_buttons":
      c.count(`${path}/options`, "checkboxOptions", e.options);
      break;
    case "plain_text_input":
      c.number(`${path}/max_length`, "textInputLength", e.max_length);
      c.number(`${path}/min_length`, "textInputLength", e.min_length);
      break;
  }
  checkOptions(e.options, `${path}/options`, c);
}

function checkOptions(options: unknown, path: string, c: Collector): void {
  asArray(options).forEach((option, i) => {
    const o = asRecord(option);
    if (!o) return;
    c.text(`${path}/${i}/text`, "optionText", o.text);
    c.text(`${path}/${i}/value`, "optionValue", o.value);
    c.text(`${path}/${i}/description`, "optionDescription", o.description);
    c.text(`${path}/${i}/url`, "url", o.url);
  });
}

function checkConfirm(confirm: unknown, path: string, c: Collector): void {
  const d = asRecord(confirm);
  if (!d) return;
  c.text(`${path}/title`, "confirmTitle", d.title);
  c.text(`${path}/text`, "confirmText", d.text);
  c.text(`${path}/confirm`, "confirmButton", d.confirm);
  c.text(`${path}/deny`, "confirmButton", d.deny);
}

class Collector {
  readonly violations: LimitViolation[] = [];

  add(path: string, rule: LimitRule, limit: number, actual: number, message: string): void {
    this.violations.push({ path, rule, limit, actual, message });
  }

  max(path: string, rule: keyof typeof SLACK_LIMITS, actual: number): void {
    const limit = SLACK_LIMITS[rule];
    if (actual > limit) this.add(path, rule, limit, actual, `${path}: ${rule} is ${actual}, limit ${limit}`);
  }

  /** A string, or a text object `{type, text}` whose `text` is measured (the path then ends in /text). */
  text(path: string, rule: keyof typeof SLACK_LIMITS, value: unknown): void {
    if (typeof value === "string") this.max(path, rule, value.length);
    else if (typeof asRecord(value)?.text === "string")
      this.max(`${path}/text`, rule, textOf(value)?.length ?? 0);
  }

  count(path: string, rule: keyof typeof SLACK_LIMITS, value: unknown): void {
    if (Array.isArray(value)) this.max(path, rule, value.length);
  }

  number(path: string, rule: keyof typeof SLACK_LIMITS, value: unknown): void {
    if (typeof value === "number") this.max(path, rule, value);
  }
}

/** Sum of every string under a `text` key: what Slack's aggregate msg_blocks_too_long check appears to count. */
function sumText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + sumText(v), 0);
  const r = asRecord(value);
  if (!r) return 0;
  let total = 0;
  for (const [key, v] of Object.entries(r))
    total += key === "text" && typeof v === "string" ? v.length : sumText(v);
  return total;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const text = asRecord(value)?.text;
  return typeof text === "string" ? text : undefined;
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
