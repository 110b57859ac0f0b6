import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import {
  assertWithinLimits,
  BlockLimitError,
  checkHomeView,
  checkMessage,
  checkModalView,
  type LimitViolation,
  SLACK_LIMITS,
  truncateText,
} from "../../src/blocks/limits.js";

const plain = (text: string): types.PlainTextElement => ({ type: "plain_text", text });
const mrkdwn = (text: string): types.MrkdwnElement => ({ type: "mrkdwn", text });
const section = (text: string): types.SectionBlock => ({ type: "section", text: mrkdwn(text) });
const option = (text: string, value = text): types.PlainTextOption => ({ text: plain(text), value });
const x = (n: number) => "x".repeat(n);

const summary = (violations: LimitViolation[]) => violations.map((v) => `${v.rule} ${v.path}`);

function modal(blocks: types.KnownBlock[], extra: Partial<types.ModalView> = {}): types.ModalView {
  return {
    type: "modal",
    title: plain("Deploy"),
    submit: plain("Run"),
    close: plain("Cancel"),
    blocks,
    ...extra,
  };
}

describe("checkMessage", () => {
  it("accepts a realistic message, including values exactly at the limits", () => {
    const blocks: types.KnownBlock[] = [
      { type: "header", text: plain(x(150)) },
      { type: "section", text: mrkdwn(x(3000)), fields: Array.from({ length: 10 }, () => mrkdwn("f")) },
      {
        type: "actions",
        block_id: x(255),
        elements: [
          { type: "button", action_id: x(255), text: plain(x(75)), value: x(2000) },
          {
            type: "static_select",
            action_id: "env",
            options: Array.from({ length: 100 }, (_, i) => option(`env ${i}`, x(75))),
          },
        ],
      },
      { type: "context", elements: Array.from({ length: 10 }, () => mrkdwn("c")) },
    ];
    expect(checkMessage({ text: "fallback", blocks })).toEqual([]);
    expect(
      checkMessage({ blocks: Array.from({ length: 50 }, () => ({ type: "divider" as const })) }),
    ).toEqual([]);
  });

  it.each<[string, types.KnownBlock, string]>([
    ["section text", section(x(3001)), "sectionText /blocks/0/text/text"],
    ["empty section text", section(""), "emptySectionText /blocks/0/text"],
    [
      "too many fields",
      { type: "section", fields: Array.from({ length: 11 }, () => mrkdwn("f")) },
      "sectionFields /blocks/0/fields",
    ],
    [
      "a long field",
      { type: "section", fields: [mrkdwn("a"), mrkdwn(x(2001))] },
      "sectionFieldText /blocks/0/fields/1/text",
    ],
    ["header text", { type: "header", text: plain(x(151)) }, "headerText /blocks/0/text/text"],
    ["block_id", { type: "divider", block_id: x(256) }, "blockId /blocks/0/block_id"],
    [
      "button text",
      { type: "actions", elements: [{ type: "button", text: plain(x(76)) }] },
      "buttonText /blocks/0/elements/0/text/text",
    ],
    [
      "button value",
      { type: "actions", elements: [{ type: "button", text: plain("b"), value: x(2001) }] },
      "buttonValue /blocks/0/elements/0/value",
    ],
    [
      "button url",
      { type: "actions", elements: [{ type: "button", text: plain("b"), url: x(3001) }] },
      "url /blocks/0/elements/0/url",
    ],
    [
      "action_id",
      { type: "actions", elements: [{ type: "button", text: plain("b"), action_id: x(256) }] },
      "actionId /blocks/0/elements/0/action_id",
    ],
    [
      "actions elements",
      {
        type: "actions",
        elements: Array.from({ length: 26 }, () => ({ type: "button" as const, text: plain("b") })),
      },
      "actionsElements /blocks/0/elements",
    ],
    [
      "context elements",
      { type: "context", elements: Array.from({ length: 11 }, () => mrkdwn("c")) },
      "contextElements /blocks/0/elements",
    ],
    [
      "select options",
      {
        type: "actions",
        elements: [
          { type: "static_select", options: Array.from({ length: 101 }, (_, i) => option(`o${i}`)) },
        ],
      },
      "selectOptions /blocks/0/elements/0/options",
    ],
    [
      "option text",
      { type: "actions", elements: [{ type: "static_select", options: [option(x(76), "v")] }] },
      "optionText /blocks/0/elements/0/options/0/text/text",
    ],
    [
      "option value",
      { type: "actions", elements: [{ type: "static_select", options: [option("t", x(76))] }] },
      "optionValue /blocks/0/elements/0/options/0/value",
    ],
    [
      "grouped option value",
      {
        type: "actions",
        elements: [
          { type: "static_select", option_groups: [{ label: plain("g"), options: [option("t", x(76))] }] },
        ],
      },
      "optionValue /blocks/0/elements/0/option_groups/0/options/0/value",
    ],
    [
      "overflow options",
      {
        type: "actions",
        elements: [
          { type: "overflow", action_id: "o", options: Array.from({ length: 6 }, (_, i) => option(`o${i}`)) },
        ],
      },
      "overflowOptions /blocks/0/elements/0/options",
    ],
    [
      "checkbox options",
      {
        type: "actions",
        elements: [{ type: "checkboxes", options: Array.from({ length: 11 }, (_, i) => option(`o${i}`)) }],
      },
      "checkboxOptions /blocks/0/elements/0/options",
    ],
    [
      "confirm text",
      {
        type: "actions",
        elements: [
          {
            type: "button",
            text: plain("b"),
            confirm: { title: plain("t"), text: plain(x(301)), confirm: plain("y"), deny: plain("n") },
          },
        ],
      },
      "confirmText /blocks/0/elements/0/confirm/text/text",
    ],
    [
      "accessory",
      { type: "section", text: mrkdwn("s"), accessory: { type: "button", text: plain(x(76)) } },
      "buttonText /blocks/0/accessory/text/text",
    ],
  ])("reports %s", (_name, block, expected) => {
    expect(summary(checkMessage({ text: "t", blocks: [block] }))).toEqual([expected]);
  });

  it("reports more than 50 blocks, and message text over 40,000 characters", () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: "divider" as const }));
    expect(summary(checkMessage({ text: x(40_001), blocks }))).toEqual([
      "messageText /text",
      "messageBlocks /blocks",
    ]);
  });

  it("reports blocks whose text adds up past the msg_blocks_too_long margin", () => {
    const blocks = Array.from({ length: 5 }, () => section(x(2500)));
    const [violation] = checkMessage({ text: "t", blocks });
    expect(violation).toMatchObject({
      rule: "messageBlocksText",
      limit: SLACK_LIMITS.messageBlocksText,
      actual: 12_500,
    });
  });
});

describe("checkModalView and checkHomeView", () => {
  const input = (label: string, element: types.InputBlockElement, hint?: string): types.InputBlock => ({
    type: "input",
    block_id: "b",
    label: plain(label),
    element,
    ...(hint === undefined ? {} : { hint: plain(hint) }),
  });
  const text = (max_length?: number): types.PlainTextInput => ({
    type: "plain_text_input",
    action_id: "a",
    ...(max_length === undefined ? {} : { max_length }),
  });

  it("accepts a modal at its limits", () => {
    const blocks = Array.from({ length: 100 }, () => input("Name", text(3000)));
    const view = modal(blocks, { title: plain(x(24)), private_metadata: x(3000), callback_id: x(255) });
    expect(checkModalView(view)).toEqual([]);
  });

  it("reports the modal's own limits with paths from the view's root", () => {
    const view = modal([input(x(2001), text(3001), x(2001))], {
      title: plain(x(25)),
      submit: plain(x(25)),
      close: plain(x(25)),
      private_metadata: x(3001),
      callback_id: x(256),
    });
    expect(summary(checkModalView(view))).toEqual([
      "privateMetadata /private_metadata",
      "callbackId /callback_id",
      "modalTitle /title/text",
      "modalButton /submit/text",
      "modalButton /close/text",
      "inputLabel /blocks/0/label/text",
      "inputHint /blocks/0/hint/text",
      "textInputLength /blocks/0/element/max_length",
    ]);
  });

  it("requires a submit button when the modal has inputs, and at most 100 blocks", () => {
    const { submit: _submit, ...noSubmit } = modal([input("Name", text())]);
    expect(summary(checkModalView(noSubmit))).toEqual(["modalSubmitRequired /submit"]);
    const many = modal(Array.from({ length: 101 }, () => section("s")));
    expect(summary(checkModalView(many))).toEqual(["surfaceBlocks /blocks"]);
  });

  it("checks Home tabs for block count and their blocks", () => {
    const home: types.HomeView = {
      type: "home",
      blocks: [...Array.from({ length: 100 }, () => section("s")), section(x(3001))],
    };
    expect(summary(checkHomeView(home))).toEqual([
      "surfaceBlocks /blocks",
      "sectionText /blocks/100/text/text",
    ]);
  });
});

describe("assertWithinLimits", () => {
  it("passes quietly for a valid message, modal or home view", () => {
    expect(() => assertWithinLimits({ text: "ok", blocks: [section("ok")] })).not.toThrow();
    expect(() => assertWithinLimits(modal([section("ok")]))).not.toThrow();
    expect(() => assertWithinLimits({ type: "home", blocks: [] })).not.toThrow();
  });

  it("throws every violation, with its path, in one error", () => {
    let caught: unknown;
    try {
      assertWithinLimits(modal([section(x(3001))], { title: plain(x(30)) }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BlockLimitError);
    expect((caught as BlockLimitError).violations).toHaveLength(2);
    expect((caught as BlockLimitError).message).toContain("/title/text: modalTitle is 30, limit 24");
    expect((caught as BlockLimitError).message).toContain(
      "/blocks/0/text/text: sectionText is 3001, limit 3000",
    );
  });
});

describe("truncateText", () => {
  it.each<[string, number, string]>([
    ["short", 10, "short"],
    ["exactly10!", 10, "exactly10!"],
    ["hello world, again", 10, "hello wor…"],
    ["hello     world", 10, "hello…"],
    ["abc", 1, "a"],
    ["abc", 0, ""],
    ["ab🚀cd", 4, "ab…"],
    ["🚀🚀🚀", 3, "🚀…"],
    ["a🚀🚀", 3, "a…"],
  ])("truncateText(%j, %i) = %j", (text, max, expected) => {
    const out = truncateText(text, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  it("takes another ellipsis and keeps a section within its limit", () => {
    expect(truncateText("abcdefghij", 8, " [more]")).toBe("a [more]");
    const text = truncateText(x(5000), SLACK_LIMITS.sectionText);
    expect(checkMessage({ text: "t", blocks: [section(text)] })).toEqual([]);
  });
});
