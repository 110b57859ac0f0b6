import { describe, expect, it } from "vitest";
import {
  identityEmail,
  type Member,
  type Serving,
  type Standing,
  serves,
  standingOf,
} from "../../../src/core/policy/member.js";
import { MemberDirectory } from "../../../src/core/policy/members.js";
import {
  authorize,
  DEFAULT_POLICY,
  mayApprove,
  type Policy,
  type Subject,
} from "../../../src/core/policy/policy.js";

const SERVING: Serving = { teams: new Set(["T0OURS"]) };
const member = (over: Partial<Member> = {}): Member => ({
  userId: "U0ALICE",
  teamId: "T0OURS",
  enterpriseId: undefined,
  deleted: false,
  bot: false,
  guest: undefined,
  stranger: false,
  email: "alice@example.com",
  emailConfirmed: true,
  ...over,
});

describe("standingOf", () => {
  it.each([
    [{}, "member"],
    [{ guest: "single-channel" }, "single-channel guest"],
    [{ guest: "multi-channel" }, "multi-channel guest"],
    [{ teamId: "T0OTHER" }, "external"],
    [{ stranger: true }, "external"],
    [{ deleted: true, guest: "multi-channel" }, "deactivated"],
    [{ bot: true }, "bot"],
  ] as const)("%o is a %s", (over, standing) => {
    expect(standingOf(member(over), SERVING)).toBe(standing);
  });

  it("is unknown without an answer from Slack", () => {
    expect(standingOf(undefined, SERVING)).toBe("unknown");
  });

  it("serves every workspace of a configured Grid organisation", () => {
    const grid: Serving = { teams: new Set(), enterprise: "E0ORG" };
    expect(standingOf(member({ teamId: "T0ANY", enterpriseId: "E0ORG" }), grid)).toBe("member");
    expect(standingOf(member({ teamId: "T0ANY", enterpriseId: "E0ELSE" }), grid)).toBe("external");
    expect(serves(grid, "T0ANY", "E0ORG")).toBe(true);
    expect(serves(SERVING, "T0OURS")).toBe(true);
    expect(serves(SERVING, undefined)).toBe(false);
  });
});

describe("identityEmail", () => {
  it("is the email only when confirmed and of a full member", () => {
    expect(identityEmail(member(), "member")).toEqual({ ok: true, email: "alice@example.com" });
    expect(identityEmail(member({ emailConfirmed: false }), "member")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not confirmed"),
    });
    expect(identityEmail(member(), "multi-channel guest")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("guest"),
    });
    expect(identityEmail(member({ email: undefined }), "member")).toBeUndefined();
  });
});

describe("grants and standing", () => {
  const policy: Policy = {
    ...DEFAULT_POLICY,
    source: "test",
    roles: new Map([["admin", ["*"]]]),
    grants: [
      { role: "admin", everyone: true, users: [], usergroups: [] },
      { role: "admin", everyone: false, users: ["U0NAMED"], usergroups: ["S0SRE"] },
    ],
  };
  const subject = (userId: string, standing: Standing): Subject => ({
    userId,
    channelId: "C0OPS",
    groups: new Set(["S0SRE"]),
    standing,
  });

  it("gives `everyone` and groups only to full members; a user ID reaches anyone", () => {
    expect(authorize(policy, subject("U0A", "member"), "task:deploy").allowed).toBe(true);
    const excluded: Standing[] = ["single-channel guest", "external", "deactivated", "bot", "unknown"];
    for (const standing of excluded) {
      const decision = authorize(policy, subject("U0A", standing), "task:deploy");
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(decision.message).toContain("by user ID");
    }
    expect(authorize(policy, subject("U0NAMED", "multi-channel guest"), "task:deploy").allowed).toBe(true);
  });

  it("lets a guest approve only when named", () => {
    const rule = { approvers: { users: ["U0NAMED"], usergroups: ["S0SRE"] } };
    expect(mayApprove(rule, subject("U0A", "member"))).toBe(true);
    expect(mayApprove(rule, subject("U0A", "multi-channel guest"))).toBe(false);
    expect(mayApprove(rule, subject("U0NAMED", "multi-channel guest"))).toBe(true);
  });
});

describe("MemberDirectory", () => {
  function directory(options: { ttlMs?: number; maxEntries?: number; fail?: boolean } = {}) {
    let now = 0;
    const calls: string[] = [];
    const members = new MemberDirectory({
      lookup: async (userId) => {
        calls.push(userId);
        if (options.fail) throw new Error("slack down");
        return member({ userId });
      },
      ttlMs: options.ttlMs ?? 1_000,
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
      now: () => now,
    });
    const tick = (ms: number) => {
      now += ms;
    };
    return { members, calls, tick };
  }

  it("asks Slack once per user within the TTL, and again after it", async () => {
    const { members, calls, tick } = directory();
    await Promise.all([members.get("U1"), members.get("U1")]);
    expect(calls).toEqual(["U1"]);
    tick(1_001);
    await members.get("U1");
    expect(calls).toEqual(["U1", "U1"]);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    const { members, calls } = directory({ maxEntries: 2 });
    for (const user of ["U1", "U2", "U3", "U1"]) await members.get(user);
    expect(members.size).toBe(2);
    expect(calls).toEqual(["U1", "U2", "U3", "U1"]);
  });

  it("drops the least recently asked about, not the oldest asked", async () => {
    const { members, calls } = directory({ maxEntries: 2 });
    // U1 is asked again before U3 arrives, so U2 is the one that goes.
    for (const user of ["U1", "U2", "U1", "U3", "U1", "U2"]) await members.get(user);
    expect(members.size).toBe(2);
    expect(calls).toEqual(["U1", "U2", "U3", "U2"]);
  });

  it("does not keep a failure", async () => {
    const { members, calls } = directory({ fail: true });
    await expect(members.get("U1")).rejects.toThrow();
    await expect(members.get("U1")).rejects.toThrow();
    expect(calls).toEqual(["U1", "U1"]);
    expect(members.size).toBe(0);
  });
});
