import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { DEFAULT_PAGE_SIZE, pageOf, renderOutput } from "../../src/blocks/output.js";
import type { ListItem, Output } from "../../src/catalogue/output.js";
import { allText, expectMessageWithinLimits } from "./fakes.js";

const list = (n: number, extra: Partial<Extract<Output, { kind: "list" }>> = {}): Output => ({
  kind: "list",
  title: "Tasks",
  empty: "No tasks.",
  items: Array.from({ length: n }, (_, i): ListItem => ({ title: `task ${i + 1}`, code: `id-${i + 1}` })),
  ...extra,
});

function sections(blocks: readonly types.KnownBlock[]): types.SectionBlock[] {
  return blocks.filter((b): b is types.SectionBlock => b.type === "section");
}

function pager(blocks: readonly types.KnownBlock[]): types.Button[] {
  const actions = blocks.find((b): b is types.ActionsBlock => b.type === "actions");
  return (actions?.elements ?? []).filter((e): e is types.Button => e.type === "button");
}

function contextText(blocks: readonly types.KnownBlock[]): string {
  const context = blocks.find((b): b is types.ContextBlock => b.type === "context");
  const first = context?.elements[0];
  return first && "text" in first ? first.text : "";
}

describe("renderOutput: records", () => {
  it("shows a header with the tone and the fields in sections of at most ten", () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: `v${i}` }));
    const message = renderOutput({ kind: "record", title: "Deployed", tone: "success", fields });
    expect(message.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "✅ Deployed", emoji: true },
    });
    expect(sections(message.blocks).map((s) => s.fields?.length)).toEqual([10, 10, 3]);
    expect(message.text).toBe("✅ Deployed");
    expectMessageWithinLimits(message);
  });

  it.each([
    ["failure", "❌ Failed"],
    ["warning", "⚠️ Failed"],
    ["info", "Failed"],
  ] as const)("prefixes the %s tone", (tone, title) => {
    expect(renderOutput({ kind: "record", title: "Failed", tone }).text).toBe(title);
  });

  it("formats code and time values, and text above the fields", () => {
    const message = renderOutput({
      kind: "record",
      title: "Task",
      text: "Running since <yesterday>",
      fields: [
        { label: "ID", value: "a`b", code: true },
        { label: "Started", value: "2023-11-14T22:13:20Z", time: true },
        { label: "Ended", value: "not a date", time: true },
      ],
    });
    const [text, fields] = sections(message.blocks);
    expect(text?.text?.text).toBe("Running since &lt;yesterday&gt;");
    expect(fields?.fields?.map((f) => f.text)).toEqual([
      "*ID*\n`aˋb`",
      "*Started*\n<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>",
      "*Ended*\nnot a date",
    ]);
  });

  it("escapes backend text so it cannot mention or link", () => {
    const message = renderOutput({
      kind: "record",
      title: "<!channel> hi",
      text: "<!here> & <https://evil.example|click>",
      fields: [
        { label: "<@U123>", value: "<!everyone>" },
        { label: "code", value: "<!channel>", code: true },
        { label: "time", value: "<!channel>", time: true },
      ],
    });
    // plain_text (the header) is never parsed for mentions, so only mrkdwn needs escaping.
    const mrkdwn = allText(message.blocks.slice(1));
    expect(mrkdwn).not.toMatch(/<[!@h]/);
    expect(mrkdwn).toContain("&lt;!here&gt; &amp; &lt;https://evil.example|click&gt;");
    expect(message.text).toBe("&lt;!channel&gt; hi");
  });
});

describe("renderOutput: lists", () => {
  it("says the empty text when there are no items", () => {
    const message = renderOutput(list(0));
    expect(sections(message.blocks).map((s) => s.text?.text)).toEqual(["No tasks."]);
    expect(message.text).toBe("Tasks: No tasks.");
    expectMessageWithinLimits(message);
  });

  it("shows one section per item: bold title, code, then label: value lines", () => {
    const message = renderOutput({
      kind: "list",
      title: "Tasks",
      empty: "none",
      items: [{ title: "web <1>", code: "t-1", fields: [{ label: "Status", value: "running" }] }],
    });
    expect(sections(message.blocks)[0]?.text?.text).toBe("*web &lt;1&gt;* `t-1`\nStatus: running");
    expect(contextText(message.blocks)).toBe("Showing 1–1 of 1");
    expect(pager(message.blocks)).toEqual([]);
    expect(message.text).toBe("Tasks: 1 item");
  });

  it("pages 74 items by 15 with Prev/Next values from the caller", () => {
    const message = renderOutput(list(74), { page: 1, pageButtonValue: (p) => `page=${p}` });
    expect(sections(message.blocks)).toHaveLength(15);
    expect(sections(message.blocks)[0]?.text?.text).toBe("*task 16* `id-16`");
    expect(contextText(message.blocks)).toBe("Showing 16–30 of 74");
    expect(pager(message.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ACTION.pagePrev, "page=0"],
      [ACTION.pageNext, "page=2"],
    ]);
    expect(message.blocks.at(-1)?.block_id).toBe(BLOCK.pager);
    expect(message.text).toBe("Tasks: 74 items");
    expectMessageWithinLimits(message);
  });

  it("has only Next on the first page and only Prev on the last, and clamps pages out of range", () => {
    expect(pager(renderOutput(list(74)).blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ACTION.pageNext, "1"],
    ]);
    const last = renderOutput(list(74), { page: 4 });
    expect(contextText(last.blocks)).toBe("Showing 61–74 of 74");
    expect(pager(last.blocks).map((b) => b.action_id)).toEqual([ACTION.pagePrev]);
    expect(contextText(renderOutput(list(74), { page: 99 }).blocks)).toBe("Showing 61–74 of 74");
    expect(contextText(renderOutput(list(74), { page: -3 }).blocks)).toBe("Showing 1–15 of 74");
    expect(contextText(renderOutput(list(74), { page: Number.NaN }).blocks)).toBe("Showing 1–15 of 74");
  });

  it("computes pages, clamping the size between 1 and 40", () => {
    expect(pageOf(74, {})).toEqual({ page: 0, size: DEFAULT_PAGE_SIZE, pages: 5 });
    expect(pageOf(75, { page: 4 })).toEqual({ page: 4, size: 15, pages: 5 });
    expect(pageOf(0, { page: 3 })).toEqual({ page: 0, size: 15, pages: 1 });
    expect(pageOf(10, { pageSize: 0 })).toEqual({ page: 0, size: 1, pages: 10 });
    expect(pageOf(1_000, { pageSize: 500 })).toEqual({ page: 0, size: 40, pages: 25 });
  });

  it("leaves out a pager button whose value is missing or too long for Slack", () => {
    const none = renderOutput(list(40), { page: 1, pageButtonValue: () => undefined });
    expect(none.blocks.some((b) => b.type === "actions")).toBe(false);
    const long = renderOutput(list(40), {
      page: 1,
      pageButtonValue: (p) => (p === 0 ? "x".repeat(2_001) : "ok"),
    });
    expect(pager(long.blocks).map((b) => b.action_id)).toEqual([ACTION.pageNext]);
  });

  it("says when the backend has more than it returned", () => {
    expect(contextText(renderOutput(list(3, { nextCursor: "c" })).blocks)).toContain("the backend has more");
  });

  it("offers the command for the next page when there is one", () => {
    const message = renderOutput(list(3, { nextCursor: "c" }), { more: "/ops port list <p> --cursor c" });
    expect(contextText(message.blocks)).toBe(
      "Showing 1–3 of 3 on this page\nMore: `/ops port list &lt;p&gt; --cursor c`",
    );
  });
});

describe("renderOutput: documents", () => {
  const doc = (content: string, summary?: string): Output => ({
    kind: "document",
    title: "Manifest",
    filename: "manifest.json",
    content,
    format: "json",
    ...(summary ? { summary } : {}),
  });

  it("shows short content inline as an escaped code block", () => {
    const message = renderOutput(doc('{"a": "<!channel>"}', "1 task"));
    expect(sections(message.blocks).map((s) => s.text?.text)).toEqual([
      "1 task",
      '```{"a": "&lt;!channel&gt;"}```',
    ]);
    expect(message.file).toBeUndefined();
    expect(message.text).toBe("Manifest: 1 task");
  });

  it("keeps a fence inside the content from closing the block early", () => {
    const text = sections(renderOutput(doc("a```b")).blocks)[0]?.text?.text;
    expect(text).toBe("```aˋˋˋb```");
  });

  it("attaches long content as a file with a summary in the message", () => {
    const content = "x".repeat(2_801);
    const message = renderOutput(doc(content, "big"));
    expect(message.file).toEqual({ filename: "manifest.json", content, title: "Manifest" });
    expect(contextText(message.blocks)).toContain("attached as `manifest.json`");
    expectMessageWithinLimits(message);
  });

  it("attaches content that only escaping makes too long", () => {
    const message = renderOutput(doc("&".repeat(1_000)));
    expect(message.file?.content).toHaveLength(1_000);
  });

  it("says when a document is empty", () => {
    expect(sections(renderOutput(doc("")).blocks)[0]?.text?.text).toBe("_(empty)_");
  });
});
