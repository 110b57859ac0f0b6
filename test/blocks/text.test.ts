import { describe, expect, it } from "vitest";
import {
  channelMention,
  codeBlock,
  escapeMrkdwn,
  inlineCode,
  mrkdwn,
  plain,
  slackDate,
  usergroupMention,
  userMention,
} from "../../src/blocks/text.js";
import { foreignMarkup, HOSTILE_TEXT as HOSTILE } from "../fuzz/arbitraries.js";

describe("escapeMrkdwn: the one rule for data", () => {
  it.each(HOSTILE)("leaves no mention or link in %j", (hostile) => {
    const escaped = escapeMrkdwn(hostile);
    expect(escaped).not.toMatch(/[<>]/);
    expect(foreignMarkup(mrkdwn(escaped))).toEqual([]);
  });

  it("escapes &, < and > once, so an entity typed by someone shows as typed", () => {
    expect(escapeMrkdwn("a & b <c> &lt;")).toBe("a &amp; b &lt;c&gt; &amp;lt;");
  });

  it("breaks the bare special mentions with an invisible joiner, whatever their case", () => {
    expect(escapeMrkdwn("@here @Channel @everyone @hereafter")).toBe(
      "@\u2060here @\u2060Channel @\u2060everyone @\u2060hereafter",
    );
    expect(escapeMrkdwn("mail@example.com @alice")).toBe("mail@example.com @alice");
  });

  it("keeps inline code and code blocks closed over backticks, and escaped", () => {
    expect(inlineCode("a`<!here>`b")).toBe("`aˋ&lt;!here&gt;ˋb`");
    expect(codeBlock("```<@U1>```")).toBe("```ˋˋˋ&lt;@U1&gt;ˋˋˋ```");
  });
});

describe("the bot's own mentions", () => {
  it("are built only from Slack IDs", () => {
    expect(userMention("U0ALICE")).toBe("<@U0ALICE>");
    expect(userMention("W0ALICE")).toBe("<@W0ALICE>");
    expect(channelMention("C0OPS")).toBe("<#C0OPS>");
    expect(usergroupMention("S0SRE")).toBe("<!subteam^S0SRE>");
  });

  it.each([
    "U1> <!channel",
    "!channel",
    "U123|Approve",
    "u0alice",
    "<@U1>",
    "",
    "C1><https://evil.example|Approve",
  ])("show anything else as escaped text: %j", (id) => {
    for (const built of [userMention(id), channelMention(id), usergroupMention(id)]) {
      expect(built).not.toMatch(/[<>]/);
      expect(built.length).toBeGreaterThan(0);
    }
  });

  it("date tokens carry an escaped fallback (ISO to the second), and a time that is no number is text", () => {
    const ms = Date.parse("2026-12-01T09:00:00Z");
    expect(slackDate(ms)).toBe("<!date^1796115600^{date_short_pretty} {time}|2026-12-01T09:00:00Z>");
    expect(slackDate(ms, "{time_secs}", "<!here>|x")).toBe("<!date^1796115600^{time_secs}|&lt;!here&gt;|x>");
    expect(slackDate(Number.NaN)).not.toMatch(/[<>]/);
  });
});

describe("text objects", () => {
  it("mrkdwn is verbatim: Slack links nothing the bot did not write", () => {
    expect(mrkdwn("@here https://x.example #ops")).toEqual({
      type: "mrkdwn",
      text: "@here https://x.example #ops",
      verbatim: true,
    });
  });

  it("plain text is left as it is: Slack shows it literally, so escaping it would show entities", () => {
    expect(plain("<!channel> & co").text).toBe("<!channel> & co");
  });
});
