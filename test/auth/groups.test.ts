import { describe, expect, it } from "vitest";
import { GroupResolver } from "../../src/auth/groups.js";

function setup(members: Record<string, string[] | Error>) {
  let now = 0;
  const calls: string[] = [];
  const errors: string[] = [];
  const resolver = new GroupResolver({
    groups: ["S0SRE", "S0OPS", "S0SRE"],
    ttlMs: 1_000,
    now: () => now,
    onError: (group) => errors.push(group),
    listUsers: async (group) => {
      calls.push(group);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const answer = members[group];
      if (answer instanceof Error) throw answer;
      return answer ?? [];
    },
  });
  return { resolver, calls, errors, advance: (ms: number) => (now += ms), members };
}

describe("GroupResolver", () => {
  it("answers the referenced groups a user is in, asking Slack once per group while cached", async () => {
    const { resolver, calls } = setup({ S0SRE: ["U0BOB"], S0OPS: ["U0BOB", "U0ALICE"] });
    const [bob, alice] = await Promise.all([resolver.groupsOf("U0BOB"), resolver.groupsOf("U0ALICE")]);
    expect([...bob].sort()).toEqual(["S0OPS", "S0SRE"]);
    expect([...alice]).toEqual(["S0OPS"]);
    expect(await resolver.groupsOf("U0CAROL")).toEqual(new Set());
    expect(calls.sort()).toEqual(["S0OPS", "S0SRE"]);
  });

  it("looks again after the TTL", async () => {
    const { resolver, calls, advance, members } = setup({ S0SRE: [], S0OPS: [] });
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set());
    members.S0SRE = ["U0BOB"];
    advance(1_001);
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set(["S0SRE"]));
    expect(calls).toHaveLength(4);
  });

  it("keeps the last known members when a lookup fails, and fails closed with none", async () => {
    const { resolver, errors, advance, members } = setup({
      S0SRE: ["U0BOB"],
      S0OPS: new Error("ratelimited"),
    });
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set(["S0SRE"]));
    expect(errors).toEqual(["S0OPS"]);
    members.S0SRE = new Error("down");
    advance(1_001);
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set(["S0SRE"]));
    expect(errors).toContain("S0SRE");
  });
});
