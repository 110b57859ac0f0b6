import { describe, expect, it } from "vitest";
import { channelMention, mrkdwn, slackDate, usergroupMention, userMention } from "../../src/blocks/text.js";
import { foreignMarkup, strayPath, templatePatterns, unclearParts } from "./arbitraries.js";

// The fuzz suites' own checks, checked: a stray path is caught, a template path is not.

describe("the fuzz oracle", () => {
  const { deploy, calyptia } = templatePatterns();

  it("accepts paths its templates allow, one segment a placeholder, with a query string", () => {
    expect(strayPath("/v1/list/namespaces", deploy)).toBeUndefined();
    expect(strayPath("/v1/task/deployas/analytics/jobs%2Fnightly/fuzz-job", deploy)).toBeUndefined();
    expect(strayPath("/v1/aggregator_pipelines/abc/ports?last=10", calyptia)).toBeUndefined();
  });

  it("catches a path with an extra segment, a traversal or an unknown route", () => {
    expect(strayPath("/v1/task/deployas/analytics/jobs/nightly/fuzz-job", deploy)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/../ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/%2e%2e/ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/aggregator_pipelines/a/b/ports", calyptia)).toBeDefined();
    expect(strayPath("/v1/admin", deploy)).toBeDefined();
  });

  it("calls a message unclear when it leaks a placeholder the user did not type", () => {
    expect(unclearParts("Unknown resource `undefined`", "undefined deploy")).toEqual([]);
    expect(unclearParts("port must be undefined")).toEqual(["undefined"]);
    expect(unclearParts(" ")).toEqual(["an empty message"]);
  });
});

describe("foreignMarkup, the fuzz oracle for mentions and links", () => {
  const own = { users: ["U0ALICE"], channels: ["C0OPS"], usergroups: ["S0SRE"] };

  it("accepts what the bot built: known IDs and its date tokens", () => {
    const text = `${userMention("U0ALICE")} in ${channelMention("C0OPS")} for ${usergroupMention("S0SRE")} at ${slackDate(0)}`;
    expect(foreignMarkup({ text, blocks: [{ type: "section", text: mrkdwn(text) }] }, own)).toEqual([]);
  });

  it("catches mentions, links and bare specials the bot did not build, and mrkdwn without verbatim", () => {
    expect(foreignMarkup({ text: "<!channel> <@U0BOB> <https://evil|Approve> @here" }, own)).toEqual([
      "<!channel>",
      "<@U0BOB>",
      "<https://evil|Approve>",
      "@here",
    ]);
    expect(foreignMarkup({ type: "mrkdwn", text: "hi" })).toEqual(["mrkdwn without verbatim: hi"]);
    expect(foreignMarkup({ text: "<!date^1^{time}|<!here>>" })).not.toEqual([]);
  });

  it("ignores plain text, which Slack never reads as markup", () => {
    expect(foreignMarkup({ type: "plain_text", text: "<!channel>" })).toEqual([]);
  });
});
