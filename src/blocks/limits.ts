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
  const collector = new Collector();
  const root = asRecord(value);
  if (!root) return collector.violations;
  if (surface === "message") {
    collector.text("/text", "messageText", root.text);
    collector.count("/blocks", "messageBlocks", root.blocks);
    collector.max("/blocks", "messageBlocksText", sumText(root.blocks));
  } else {
    collector.count("/blocks", "surfaceBlocks", root.blocks);
    collector.text("/private_metadata", "privateMetadata", root.private_metadata);
    collector.text("/callback_id", "callbackId", root.callback_id);
    collector.text("/external_id", "externalId", root.external_id);
  }
  if (surface === "modal") {
    collector.text("/title", "modalTitle", root.title);
    collector.text("/submit", "modalButton", root.submit);
    collector.text("/close", "modalButton", root.close);
    const hasInput = asArray(root.blocks).some((b) => asRecord(b)?.type === "input");
    if (hasInput && root.submit === undefined) {
      collector.add(
        "/submit",
        "modalSubmitRequired",
        1,
        0,
        "/submit: a modal with input blocks needs a submit button",
      );
    }
  }
  for (const [i, block] of asArray(root.blocks).entries()) checkBlock(block, `/blocks/${i}`, collector);
  return collector.violations;
}

function checkBlock(value: unknown, path: string, collector: Collector): void {
  const block = asRecord(value);
  if (!block) return;
  collector.text(`${path}/block_id`, "blockId", block.block_id);
  switch (block.type) {
    case "section": {
      if (textOf(block.text) === "") {
        collector.add(
          `${path}/text`,
          "emptySectionText",
          1,
          0,
          `${path}/text: section text must not be empty`,
        );
      }
      collector.text(`${path}/text`, "sectionText", block.text);
      collector.count(`${path}/fields`, "sectionFields", block.fields);
      for (const [i, field] of asArray(block.fields).entries())
        collector.text(`${path}/fields/${i}`, "sectionFieldText", field);
      checkElement(block.accessory, `${path}/accessory`, collector);
      break;
    }
    case "header":
      collector.text(`${path}/text`, "headerText", block.text);
      break;
    case "actions":
      collector.count(`${path}/elements`, "actionsElements", block.elements);
      for (const [i, element] of asArray(block.elements).entries())
        checkElement(element, `${path}/elements/${i}`, collector);
      break;
    case "context":
      collector.count(`${path}/elements`, "contextElements", block.elements);
      break;
    case "input":
      collector.text(`${path}/label`, "inputLabel", block.label);
      collector.text(`${path}/hint`, "inputHint", block.hint);
      checkElement(block.element, `${path}/element`, collector);
      break;
  }
}

function checkElement(value: unknown, path: string, collector: Collector): void {
  const element = asRecord(value);
  if (!element) return;
  collector.text(`${path}/action_id`, "actionId", element.action_id);
  collector.text(`${path}/placeholder`, "placeholder", element.placeholder);
  checkConfirm(element.confirm, `${path}/confirm`, collector);
  switch (element.type) {
    case "button":
      collector.text(`${path}/text`, "buttonText", element.text);
      collector.text(`${path}/value`, "buttonValue", element.value);
      collector.text(`${path}/url`, "url", element.url);
      collector.text(`${path}/accessibility_label`, "accessibilityLabel", element.accessibility_label);
      return;
    case "static_select":
    case "multi_static_select":
      collector.count(`${path}/options`, "selectOptions", element.options);
      collector.count(`${path}/option_groups`, "optionGroups", element.option_groups);
      asArray(element.option_groups).forEach((group, i) => {
        const options = asRecord(group)?.options;
        collector.count(`${path}/option_groups/${i}/options`, "selectOptions", options);
        checkOptions(options, `${path}/option_groups/${i}/options`, collector);
      });
      break;
    case "overflow":
      collector.count(`${path}/options`, "overflowOptions", element.options);
      break;
    case "checkboxes":
    case "radio_buttons":
      collector.count(`${path}/options`, "checkboxOptions", element.options);
      break;
    case "plain_text_input":
      collector.number(`${path}/max_length`, "textInputLength", element.max_length);
      collector.number(`${path}/min_length`, "textInputLength", element.min_length);
      break;
  }
  checkOptions(element.options, `${path}/options`, collector);
}

function checkOptions(options: unknown, path: string, collector: Collector): void {
  asArray(options).forEach((value, i) => {
    const option = asRecord(value);
    if (!option) return;
    collector.text(`${path}/${i}/text`, "optionText", option.text);
    collector.text(`${path}/${i}/value`, "optionValue", option.value);
    collector.text(`${path}/${i}/description`, "optionDescription", option.description);
    collector.text(`${path}/${i}/url`, "url", option.url);
  });
}

function checkConfirm(value: unknown, path: string, collector: Collector): void {
  const confirm = asRecord(value);
  if (!confirm) return;
  collector.text(`${path}/title`, "confirmTitle", confirm.title);
  collector.text(`${path}/text`, "confirmText", confirm.text);
  collector.text(`${path}/confirm`, "confirmButton", confirm.confirm);
  collector.text(`${path}/deny`, "confirmButton", confirm.deny);
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
  const record = asRecord(value);
  if (!record) return 0;
  let total = 0;
  for (const [key, child] of Object.entries(record))
    total += key === "text" && typeof child === "string" ? child.length : sumText(child);
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
