import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { errorMessage, refusal, unknownOutcome } from "../../src/blocks/errors.js";
import { expectMessageWithinLimits } from "./fakes.js";

const texts = (blocks: readonly types.KnownBlock[]) =>
  blocks.map((b) => {
    if (b.type === "section") return b.text?.text;
    if (b.type === "context") return b.elements.map((e) => ("text" in e ? e.text : "")).join("");
    return b.type;
  });

describe("errorMessage", () => {
  it("shows the message with ❌ and the usage as code in a context block", () => {
    const message = errorMessage("Unknown flag `--nmae`.", "/ops task deploy <repository> [--name <name>]");
    expect(texts(message.blocks)).toEqual([
      "❌ Unknown flag `--nmae`.",
      "Usage: `/ops task deploy &lt;repository&gt; [--name &lt;name&gt;]`",
    ]);
    expect(message.blocks[1]?.type).toBe("context");
    expect(message.text).toBe("❌ Unknown flag `--nmae`.");
    expectMessageWithinLimits(message);
  });

  it("has no usage block without usage, and escapes what the user typed", () => {
    const message = errorMessage("Unknown resource `<!channel>`.");
    expect(texts(message.blocks)).toEqual(["❌ Unknown resource `&lt;!channel&gt;`."]);
    expect(message.text).not.toContain("<!channel>");
  });

  it("stays within limits for huge messages", () => {
    const message = errorMessage("&".repeat(5_000), "u".repeat(5_000));
    expectMessageWithinLimits(message);
    expect(message.text.length).toBeLessThanOrEqual(1_000);
  });
});

describe("refusal", () => {
  it("says it is not allowed and why", () => {
    const message = refusal("task:delete needs the deployers group");
    expect(texts(message.blocks)).toEqual(["⛔ task:delete needs the deployers group"]);
    expect(message.text).toBe("⛔ task:delete needs the deployers group");
    expectMessageWithinLimits(refusal("<".repeat(10_000)));
  });
});

describe("unknownOutcome", () => {
  it("warns rather than fails, and shows the command that tells whether the change was made", () => {
    const message = unknownOutcome(
      "Deploy API: did not answer within 15 s; the outcome is unknown",
      "/ops task list [--namespace <namespace>]",
    );
    expect(texts(message.blocks)).toEqual([
      "⚠️ Deploy API: did not answer within 15 s; the outcome is unknown",
      "Check with `/ops task list [--namespace &lt;namespace&gt;]` before running it again.",
    ]);
    expect(message.text).toMatch(/^⚠️ /);
    expect(message.text).not.toContain("❌");
    expectMessageWithinLimits(message);
  });

  it("leaves the check out when there is none", () => {
    expect(texts(unknownOutcome("Orchestration API: the connection failed").blocks)).toHaveLength(1);
  });
});
