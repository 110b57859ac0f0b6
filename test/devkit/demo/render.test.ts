import { describe, expect, it } from "vitest";
import { decodeEntities, displayMrkdwn } from "../../../devkit/demo/mrkdwn.js";
import { renderMessage, renderModal } from "../../../devkit/demo/render.js";
import { ANSI } from "../../../devkit/demo/style.js";

const names = {
  users: new Map([["U0DEMO1", "alice"]]),
  channels: new Map([["C0DEMO", "ops-demo"]]),
  groups: new Map([["S0DEMOSRE", "sre"]]),
};
const plain = (text: string) => ({ type: "plain_text", text });
const mrkdwn = (text: string) => ({ type: "mrkdwn", text });

describe("displayMrkdwn", () => {
  it("shows mentions, channels, user groups and specials by name", () => {
    expect(displayMrkdwn("<@U0DEMO1> in <#C0DEMO> and <#C0OTHER|general>", names)).toBe(
      "@alice in #ops-demo and #general",
    );
    expect(displayMrkdwn("<@U0NOBODY> <!subteam^S0DEMOSRE> <!subteam^S1|@oncall> <!here>", names)).toBe(
      "@U0NOBODY @sre @oncall @here",
    );
  });

  it("shows a date as Slack does, in the reader's zone, and a link by its label and address", () => {
    const utc = { timeZone: "UTC", now: () => Date.parse("2026-12-05T12:00:00Z") };
    expect(displayMrkdwn("at <!date^1700000000^{date_short} {time}|2023-11-14T22:13:20Z>", utc)).toBe(
      "at Nov 14, 2023 22:13",
    );
    const berlin = { ...utc, timeZone: "Europe/Berlin" };
    const today = Date.parse("2026-12-05T09:30:05Z") / 1000;
    expect(displayMrkdwn(`<!date^${today}^{date_short_pretty} {time_secs}|x>`, berlin)).toBe(
      "today 10:30:05",
    );
    expect(displayMrkdwn(`<!date^${today - 86_400}^{date_pretty} {date_num}|x>`, berlin)).toBe(
      "yesterday 2026-12-04",
    );
    expect(displayMrkdwn(`<!date^${today}^{date_long}|x>`, utc)).toBe("Saturday, December 5th, 2026");
    expect(displayMrkdwn("<!date^nope^{date}|the fallback>", utc)).toBe("the fallback");
    expect(displayMrkdwn("<https://example.com/a?b=1&amp;c=2|the docs> <https://x.test>")).toBe(
      "the docs (https://example.com/a?b=1&c=2) https://x.test",
    );
  });

  it("decodes Slack's entities, leaving escaped brackets as text rather than mentions", () => {
    expect(displayMrkdwn("a &lt;@U0DEMO1&gt; &amp; b", names)).toBe("a <@U0DEMO1> & b");
    expect(decodeEntities("&amp;lt;")).toBe("&lt;");
  });

  it("puts code fences on lines of their own and keeps the code as it is", () => {
    expect(displayMrkdwn('Loaded\n```{\n  "a": 1\n}```')).toBe('Loaded\n\n```\n{\n  "a": 1\n}\n```');
    expect(displayMrkdwn("run `x &lt; y`")).toBe("run `x < y`");
  });
});

describe("renderMessage", () => {
  it("renders header, section text and fields, context, divider, image and unknown blocks", () => {
    const { lines, buttons } = renderMessage(
      {
        text: "fallback",
        blocks: [
          { type: "header", text: plain("Ports") },
          {
            type: "section",
            text: mrkdwn("*tcp* on <#C0DEMO>"),
            fields: [mrkdwn("*Status*\nactive"), mrkdwn("free")],
          },
          { type: "divider" },
          {
            type: "context",
            elements: [mrkdwn("`port:create` by <@U0DEMO1>"), { type: "image", alt_text: "logo" }],
          },
          { type: "image", alt_text: "graph", image_url: "https://x.test/g.png" },
          { type: "video" },
        ],
      },
      { names },
    );
    expect(lines).toEqual([
      "# Ports",
      "*tcp* on #ops-demo",
      "  Status: active",
      "  free",
      "─".repeat(40),
      "`port:create` by @alice · [image: logo]",
      "[image: graph]",
      "[video block]",
    ]);
    expect(buttons).toEqual([]);
  });

  it("shows the fallback text when there are no blocks", () => {
    expect(renderMessage({ text: "hi <@U0DEMO1>" }, { names }).lines).toEqual(["hi @alice"]);
  });

  it("numbers buttons from firstButton and keeps what a click needs", () => {
    const { lines, buttons } = renderMessage(
      {
        blocks: [
          {
            type: "actions",
            block_id: "ops_pager",
            elements: [
              { type: "button", action_id: "ops_page_prev", text: plain("◀ Prev"), value: "p0" },
              {
                type: "button",
                action_id: "ops_run",
                text: plain("Delete"),
                value: "v",
                style: "danger",
                confirm: {
                  title: plain("Sure?"),
                  text: mrkdwn("Delete *x*"),
                  confirm: plain("Yes"),
                  deny: plain("No"),
                },
              },
              { type: "static_select", action_id: "pick", placeholder: plain("Choose") },
            ],
          },
          {
            type: "section",
            block_id: "s1",
            text: mrkdwn("Docs"),
            accessory: { type: "button", action_id: "open", text: plain("Open"), url: "https://x.test" },
          },
        ],
      },
      { firstButton: 3 },
    );
    expect(lines).toEqual([
      '[3] ◀ Prev  [4] Delete (asks to confirm)  {static_select "Choose"}',
      "Docs",
      "  [5] Open",
    ]);
    expect(buttons.map((b) => [b.n, b.text, b.actionId, b.blockId, b.value])).toEqual([
      [3, "◀ Prev", "ops_page_prev", "ops_pager", "p0"],
      [4, "Delete", "ops_run", "ops_pager", "v"],
      [5, "Open", "open", "s1", undefined],
    ]);
    expect(buttons[1]?.confirm).toEqual({ title: "Sure?", text: "Delete *x*", confirm: "Yes", deny: "No" });
    expect(buttons[2]?.url).toBe("https://x.test");
  });

  it("colours only when given the ANSI style", () => {
    const message = { blocks: [{ type: "header", text: plain("T") }] };
    expect(renderMessage(message).lines[0]).toBe("# T");
    expect(renderMessage(message, { style: ANSI }).lines[0]).toBe("\u001b[1m# T\u001b[22m");
  });
});

describe("renderModal", () => {
  const view = {
    type: "modal",
    title: plain("Port create"),
    submit: plain("Create"),
    close: plain("Cancel"),
    blocks: [
      { type: "section", block_id: "ops_warning", text: mrkdwn("⚠️ *port:create* &amp; more") },
      {
        type: "input",
        block_id: "arg:protocol",
        label: plain("Protocol"),
        element: {
          type: "static_select",
          action_id: "value",
          options: [
            { text: plain("tcp"), value: "tcp" },
            { text: plain("Yes"), value: "true" },
          ],
          initial_option: { text: plain("tcp"), value: "tcp" },
        },
        hint: plain("tcp or udp"),
      },
      {
        type: "input",
        block_id: "arg:frontendPort",
        label: plain("Frontend port"),
        optional: true,
        element: { type: "number_input", action_id: "value", is_decimal_allowed: false },
      },
      {
        type: "input",
        block_id: "arg:ns",
        label: plain("Namespace"),
        element: { type: "external_select", action_id: "source:namespaces" },
      },
    ],
  };

  it("shows each input's label, block_id, kind, value, hint and error, then submit and close", () => {
    const { lines } = renderModal(view, {
      values: new Map([["arg:frontendPort", "99999"]]),
      errors: { "arg:frontendPort": "Must be between 0 and 65535", ops_gone: "Out of date" },
    });
    expect(lines).toEqual([
      "▣ Port create",
      "⚠️ *port:create* & more",
      "Protocol * [arg:protocol] one of: tcp | Yes (true)",
      "  = tcp",
      "  hint: tcp or udp",
      "Frontend port [arg:frontendPort] whole number",
      "  = 99999",
      "  ✖ Must be between 0 and 65535",
      "Namespace * [arg:ns] search (`select <field> [text]` lists options)",
      "✖ ops_gone: Out of date",
      "⟨Create⟩ = submit  ⟨Cancel⟩ = close",
    ]);
  });

  it("lists a long set of options on lines of their own", () => {
    const options = Array.from({ length: 12 }, (_, i) => ({ text: plain(`op ${i}`), value: `op${i}` }));
    const { lines } = renderModal({
      title: plain("opsbot"),
      blocks: [
        {
          type: "input",
          block_id: "pick",
          label: plain("Operation"),
          element: { type: "static_select", option_groups: [{ label: plain("g"), options }] },
        },
      ],
    });
    expect(lines[1]).toBe("Operation * [pick] one of 12:");
    expect(lines[2]).toMatch(/^ {4}op 0 \(op0\) \| op 1 \(op1\)/);
  });
});
