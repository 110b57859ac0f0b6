import { describe, expect, it } from "vitest";
import { escapeAsSlack } from "../../../devkit/demo/mentions.js";
import type { Directory } from "../../../devkit/demo/mrkdwn.js";
import { decodeSlackEscapeAt } from "../../../src/catalogue/command-line/slack-text.js";

const names: Directory = {
  users: new Map([
    ["U0DEMO1", "alice"],
    ["U0DEMO2", "bob"],
  ]),
  channels: new Map([["C0DEMO", "ops-demo"]]),
  groups: new Map([["S0DEMOSRE", "sre"]]),
};

describe("escapeAsSlack", () => {
  it("turns known @users, @groups and #channels into Slack's escapes, as should_escape does", () => {
    expect(escapeAsSlack("audit --user @bob", names)).toBe("audit --user <@U0DEMO2|bob>");
    expect(escapeAsSlack("@Alice and @sre in #ops-demo", names)).toBe(
      "<@U0DEMO1|alice> and <!subteam^S0DEMOSRE|@sre> in <#C0DEMO|ops-demo>",
    );
    expect(escapeAsSlack("--user=@bob", names)).toBe("--user=<@U0DEMO2|bob>");
    expect(escapeAsSlack("ping @bob, then @here.", names)).toBe("ping <@U0DEMO2|bob>, then <!here>.");
  });

  it("leaves names nobody has, addresses and inner # as typed", () => {
    expect(escapeAsSlack("--user @someone #elsewhere", names)).toBe("--user @someone #elsewhere");
    expect(escapeAsSlack("mail bob@example.com about a#1", names)).toBe("mail bob@example.com about a#1");
    expect(escapeAsSlack("@bobby @bob.x", names)).toBe("@bobby @bob.x");
  });

  it("escapes &, < and > first, so typed brackets never pass for a mention", () => {
    expect(escapeAsSlack("a <@U0DEMO2> & b > c", names)).toBe("a &lt;@U0DEMO2&gt; &amp; b &gt; c");
    expect(escapeAsSlack('{"n": "<x>"} @bob', names)).toBe('{"n": "&lt;x&gt;"} <@U0DEMO2|bob>');
  });

  it("makes text the bot's own Slack decoding reads back as the IDs", () => {
    const sent = escapeAsSlack("@bob", names);
    expect(decodeSlackEscapeAt(sent, 0)).toEqual({ text: "U0DEMO2", end: sent.length });
    const channel = escapeAsSlack("#ops-demo", names);
    expect(decodeSlackEscapeAt(channel, 0)?.text).toBe("C0DEMO");
    const group = escapeAsSlack("@sre", names);
    expect(decodeSlackEscapeAt(group, 0)?.text).toBe("S0DEMOSRE");
  });
});
