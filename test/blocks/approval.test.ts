import { describe, expect, it } from "vitest";
import {
  type ApprovalCard,
  type ApprovalState,
  approvalMessage,
  approvalRequestedNote,
  decodeApprovalValue,
  encodeApprovalValue,
} from "../../src/blocks/approval.js";
import { ACTION, BLOCK } from "../../src/blocks/ids.js";
import { checkMessage } from "../../src/blocks/limits.js";

const FINGERPRINT = "a".repeat(64);
const card = (over: Partial<ApprovalCard> = {}): ApprovalCard => ({
  id: "apr_1",
  status: "pending",
  commandLine: "/ops job delete analytics nightly-report",
  operationId: "job:delete",
  requesterId: "U0ALICE",
  identity: "alice@example.com",
  ruleName: "deletes need an SRE",
  required: 2,
  approvals: [{ userId: "U0BOB" }],
  approvers: "<!subteam^S0SRE>",
  expiresAt: Date.parse("2026-11-23T12:00:00Z"),
  correlationId: "c0rr",
  ...over,
});

const buttons = (message: ReturnType<typeof approvalMessage>) =>
  message.blocks.flatMap((b) =>
    b.type === "actions" && b.block_id === BLOCK.approvalButtons ? b.elements : [],
  );

describe("approvalMessage", () => {
  it("shows the exact command, the identity, the rule and the approvals so far, with Approve and Deny", () => {
    const message = approvalMessage(card(), FINGERPRINT);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain("/ops job delete analytics nightly-report");
    expect(text).toContain("alice@example.com");
    expect(text).toContain("deletes need an SRE");
    expect(text).toContain("1 of 2: <@U0BOB>");
    expect(text).toContain("1 more approval from <!subteam^S0SRE>");
    const [approve, deny] = buttons(message) as { action_id: string; value: string; confirm?: unknown }[];
    expect(approve?.action_id).toBe(ACTION.approve);
    expect(deny?.action_id).toBe(ACTION.deny);
    expect(deny?.confirm).toBeDefined();
    expect(decodeApprovalValue(approve?.value)).toEqual({ requestId: "apr_1", fingerprint: FINGERPRINT });
    expect(checkMessage(message)).toEqual([]);
  });

  it.each<[ApprovalState, string]>([
    ["succeeded", "and done: deleted"],
    ["failed", "but it failed: deleted"],
    ["denied", "Denied by <@U0CAROL>"],
    ["expired", "Expired"],
    ["executing", "running"],
  ])("drops the buttons once %s and says so", (status, says) => {
    // An expired request has an outcome only when it was ended early (see the next test).
    const outcome =
      status === "expired" ? {} : { outcome: { ok: status === "succeeded", summary: "deleted" } };
    const message = approvalMessage(card({ status, decidedBy: "U0CAROL", ...outcome }), FINGERPRINT);
    expect(buttons(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain(says);
    expect(checkMessage(message)).toEqual([]);
  });

  it("says why a request was ended before its expiry, escaped", () => {
    const summary =
      'the approval rule "<!channel> deploys" was removed from the permissions file; ask again.';
    const message = approvalMessage(
      card({ status: "expired", outcome: { ok: false, summary } }),
      FINGERPRINT,
    );
    const shown = JSON.stringify(message.blocks);
    expect(buttons(message)).toEqual([]);
    expect(shown).toContain("⌛ Ended: the approval rule");
    expect(shown).toContain("&lt;!channel&gt; deploys");
    expect(shown).not.toContain("<!channel>");
    expect(shown).not.toContain("Expired before enough approvals");
  });

  it("keeps typed text inert and within Slack's limits however long it is", () => {
    const message = approvalMessage(
      card({
        commandLine: `/ops task deploy <!channel> ${"x".repeat(10_000)}`,
        ruleName: "<!here>".repeat(100),
      }),
      FINGERPRINT,
    );
    const text = JSON.stringify(message.blocks);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<!here>");
    expect(checkMessage(message)).toEqual([]);
  });

  it("marks a change-freeze override", () => {
    const message = approvalMessage(
      card({ force: { lockedBy: "U0SRE", reason: "release freeze" } }),
      FINGERPRINT,
    );
    expect(JSON.stringify(message.blocks)).toContain("locked by <@U0SRE>: release freeze");
  });

  it("tells the requester what it waits for", () => {
    expect(approvalRequestedNote(card()).text).toContain("needs 2 approvals from <!subteam^S0SRE>");
  });
});

describe("approval button values", () => {
  it("round-trips and refuses anything else", () => {
    const value = encodeApprovalValue({ requestId: "apr_1", fingerprint: FINGERPRINT });
    expect(decodeApprovalValue(value)).toEqual({ requestId: "apr_1", fingerprint: FINGERPRINT });
    for (const bad of [
      undefined,
      "",
      "{}",
      "[1]",
      '{"r":"../x","f":"aa"}',
      `{"r":"a","f":"${"z".repeat(64)}"}`,
    ])
      expect(decodeApprovalValue(bad)).toBeUndefined();
  });
});
