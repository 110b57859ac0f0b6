import { describe, expect, it } from "vitest";
import { errorMessage } from "../../src/blocks/errors.js";
import { encodeOperationValue } from "../../src/blocks/ids.js";
import { renderOutput } from "../../src/blocks/output.js";
import type { Field, Output } from "../../src/catalogue/output.js";
import { expectMessageWithinLimits } from "./fakes.js";

/** Backend data of any size must still produce a message Slack accepts. */

const big = (n: number, char = "x") => char.repeat(n);
const fields = (n: number, size: number): Field[] =>
  Array.from({ length: n }, (_, i) => ({
    label: `label ${i} ${big(size, "l")}`,
    value: big(size, i % 3 === 0 ? "&" : "v"),
    ...(i % 2 === 0 ? { code: true } : {}),
  }));

describe("huge inputs stay within Slack's limits", () => {
  it("a 1,000-item list with 5,000-character fields, on every page", () => {
    const list: Output = {
      kind: "list",
      title: big(1_000, "T"),
      empty: "none",
      items: Array.from({ length: 1_000 }, (_, i) => ({
        title: `${i} ${big(5_000, "<")}`,
        code: big(5_000, "`"),
        fields: fields(8, 5_000),
      })),
    };
    for (let page = 0; page < 67; page++) {
      const message = renderOutput(list, {
        page,
        pageButtonValue: (p) =>
          encodeOperationValue({ operationId: "task:list", args: { q: big(500) }, page: p }),
      });
      expectMessageWithinLimits(message);
      // Room for the context line callers add.
      expect(message.blocks.length).toBeLessThanOrEqual(48);
    }
    // Long titles and IDs are cut so that each item still shows its first fields.
    expect(JSON.stringify(renderOutput(list).blocks[1])).toContain("label 1 ");
    const last = renderOutput(list, { page: 66 });
    expect(JSON.stringify(last.blocks)).toContain("Showing 991–1000 of 1000");
  });

  it("a 1,000-item list with the largest page size", () => {
    const list: Output = {
      kind: "list",
      title: "t",
      empty: "none",
      items: Array.from({ length: 1_000 }, (_, i) => ({
        title: `${i} ${big(3_000)}`,
        fields: fields(3, 5_000),
      })),
    };
    expectMessageWithinLimits(renderOutput(list, { pageSize: 1_000 }));
  });

  it("a record with 200 fields of 5,000 characters and long text", () => {
    const message = renderOutput({
      kind: "record",
      title: big(500),
      tone: "warning",
      text: big(10_000, ">"),
      fields: fields(200, 5_000),
    });
    expectMessageWithinLimits(message);
    expect(JSON.stringify(message.blocks)).toMatch(/\d+ more fields not shown/);
  });

  it("a record with 5,000-character time values", () => {
    const message = renderOutput({
      kind: "record",
      title: "t",
      fields: Array.from({ length: 12 }, () => ({
        label: "when",
        value: `2024-01-01T00:00:00Z${big(5_000)}`,
        time: true,
      })),
    });
    expectMessageWithinLimits(message);
  });

  it("a 100 KB document goes to a file", () => {
    const content = JSON.stringify(Array.from({ length: 2_000 }, (_, i) => ({ i, name: `<!channel> ${i}` })));
    expect(content.length).toBeGreaterThan(50_000);
    const message = renderOutput({
      kind: "document",
      title: big(300),
      summary: big(5_000, "&"),
      filename: "big.json",
      content: content + big(100_000 - content.length),
      format: "json",
    });
    expectMessageWithinLimits(message);
    expect(message.file?.content).toHaveLength(100_000);
  });

  it("an error message with 5,000-character parts", () => {
    expectMessageWithinLimits(errorMessage(big(5_000, "<"), big(5_000, ">")));
  });
});
