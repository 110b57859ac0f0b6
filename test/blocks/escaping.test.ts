import { describe, expect, it } from "vitest";
import { type ApprovalCard, approvalMessage, approvalRequestedNote } from "../../src/blocks/approval.js";
import { errorMessage, unknownOutcome } from "../../src/blocks/errors.js";
import { followUpParent, transitionReply } from "../../src/blocks/followup.js";
import { homeView } from "../../src/blocks/home.js";
import { checkMessage } from "../../src/blocks/limits.js";
import { renderOutput } from "../../src/blocks/output.js";
import { foreignMarkup, HOSTILE_TEXT as HOSTILE } from "../fuzz/arbitraries.js";

// Every builder, with hostile text in each free-text field: what reaches Slack mentions and links only
// the IDs the builder was given as IDs, and stays within Slack's limits.

const OWN = { users: ["U0ALICE", "U0BOB"], channels: ["C0OPS"], usergroups: ["S0SRE"] };
const AT = Date.parse("2026-11-23T12:00:00Z");

const card = (hostile: string, over: Partial<ApprovalCard> = {}): ApprovalCard => ({
  id: "apr_1",
  status: "pending",
  commandLine: `/ops lock namespace prod --reason "${hostile}"`,
  operationId: "lock",
  requesterId: "U0ALICE",
  identity: hostile,
  ruleName: hostile,
  required: 1,
  approvals: [],
  approvers: "<!subteam^S0SRE>",
  expiresAt: AT,
  correlationId: "c0rr",
  force: { lockedBy: "U0BOB", reason: hostile },
  outcome: { ok: false, summary: hostile },
  ...over,
});

describe.each(HOSTILE.map((hostile) => [hostile.slice(0, 40), hostile]))("hostile text %j", (_, hostile) => {
  it("the approval card (a lock reason in an override, a rule, an outcome) links and mentions nothing", () => {
    for (const status of ["pending", "failed", "succeeded", "denied"] as const) {
      const message = approvalMessage(card(hostile, { status, decidedBy: "U0BOB" }), "a".repeat(64));
      expect(foreignMarkup(message, OWN)).toEqual([]);
      expect(checkMessage(message)).toEqual([]);
    }
    expect(foreignMarkup(approvalRequestedNote(card(hostile)), OWN)).toEqual([]);
  });

  it("an ID that is not one never becomes a mention", () => {
    const message = approvalMessage(
      card(hostile, {
        requesterId: hostile,
        decidedBy: hostile,
        status: "denied",
        force: { lockedBy: hostile, reason: "r" },
      }),
      "a".repeat(64),
    );
    expect(foreignMarkup(message, OWN)).toEqual([]);
  });

  it("the follow-up parent and its thread replies (states, subjects, notes from backends)", () => {
    for (const phase of ["active", "failed", "unknown"] as const) {
      const parent = followUpParent({
        id: "fu_1",
        operationId: "task:deploy",
        subject: hostile,
        requesterId: "U0ALICE",
        identity: hostile,
        phase,
        state: hostile,
        startedAt: AT,
        updatedAt: AT + 5_000,
        note: hostile,
      });
      expect(foreignMarkup(parent, OWN)).toEqual([]);
      expect(foreignMarkup(transitionReply(hostile, phase, AT, AT), OWN)).toEqual([]);
    }
  });

  it("rendered output: titles, labels, values, codes, mentions that are not IDs, dates that are not", () => {
    const fields = [
      { label: hostile, value: hostile },
      { label: "Code", value: hostile, code: true },
      { label: "By", value: hostile, mention: "user" as const },
      { label: "In", value: hostile, mention: "channel" as const },
      { label: "At", value: hostile, time: true },
      { label: "Who", value: "U0ALICE", mention: "user" as const },
    ];
    const outputs = [
      { kind: "record" as const, title: hostile, text: hostile, fields },
      { kind: "list" as const, title: hostile, empty: hostile, items: [] },
      {
        kind: "list" as const,
        title: hostile,
        empty: "-",
        items: [{ title: hostile, code: hostile, fields }],
      },
      {
        kind: "document" as const,
        title: hostile,
        summary: hostile,
        filename: hostile,
        content: hostile,
        format: "text" as const,
      },
    ];
    for (const output of outputs) expect(foreignMarkup(renderOutput(output), OWN)).toEqual([]);
  });

  it("error and unknown-outcome replies echo backend text inertly", () => {
    expect(foreignMarkup(errorMessage(`Deploy API: ${hostile}`, hostile), OWN)).toEqual([]);
    expect(foreignMarkup(unknownOutcome(hostile, hostile), OWN)).toEqual([]);
  });

  it("the App Home tab", () => {
    const approval = {
      id: "apr_1",
      operationId: hostile,
      requesterId: hostile,
      channelId: hostile,
      status: hostile,
      expiresAt: AT,
      approvals: 0,
      required: 1,
    };
    const view = homeView({
      waitingForYou: [approval],
      yourRequests: [approval],
      yourOperations: [
        {
          id: "fu_1",
          operationId: "task:deploy",
          title: hostile,
          channelId: "C0OPS",
          status: hostile,
          state: hostile,
          startedAt: AT,
        },
      ],
      policyNote: hostile,
    });
    expect(foreignMarkup(view, OWN)).toEqual([]);
  });
});

describe("what the bot builds itself still shows", () => {
  it("mentions the requester, the approvers and the locker, and dates", () => {
    const text = JSON.stringify(approvalMessage(card("quarter close"), "a".repeat(64)));
    expect(text).toContain("<@U0ALICE>");
    expect(text).toContain("<@U0BOB>");
    expect(text).toContain("<!subteam^S0SRE>");
    expect(text).toContain("<!date^");
    expect(text).toContain("quarter close");
  });
});
