import { describe, expect, it } from "vitest";
import { GroupResolver } from "../../../src/core/policy/groups.js";

/** A fake Slack: each lookup waits until the test answers it, so concurrency is under the test's control. */
function setup(options: { ttlMs?: number; retryAfterMs?: number } = {}) {
  let now = 0;
  const pending: { group: string; resolve: (users: string[]) => void; reject: (error: Error) => void }[] = [];
  const errors: string[] = [];
  const resolver = new GroupResolver({
    groups: ["S0SRE", "S0OPS", "S0SRE"],
    ...options,
    now: () => now,
    onError: (group) => errors.push(group),
    listUsers: (group) =>
      new Promise<string[]>((resolve, reject) => {
        pending.push({ group, resolve, reject });
      }),
  });
  /** Answers every waiting lookup from `members` (an Error fails it), then lets the callers continue. */
  const answer = async (members: Record<string, string[] | Error>) => {
    for (const call of pending.splice(0)) {
      const value = members[call.group] ?? [];
      if (value instanceof Error) call.reject(value);
      else call.resolve(value);
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  const calls = () => pending.map((p) => p.group).sort();
  return { resolver, errors, answer, calls, advance: (ms: number) => (now += ms) };
}

describe("GroupResolver", () => {
  it("gives a named group's members, or undefined while Slack has never said, and nothing of another group", async () => {
    const { resolver, answer, advance } = setup({ ttlMs: 1_000, retryAfterMs: 100 });
    const sre = resolver.membersOf("S0SRE");
    const ops = resolver.membersOf("S0OPS");
    await answer({ S0SRE: ["U0BOB", "U0CAROL"], S0OPS: new Error("ratelimited") });
    expect(await sre).toEqual(new Set(["U0BOB", "U0CAROL"]));
    expect(await ops).toBeUndefined();
    expect(await resolver.membersOf("S0OTHER")).toBeUndefined();
    // A later failure keeps the members last known.
    advance(1_000);
    const again = resolver.membersOf("S0SRE");
    await answer({ S0SRE: new Error("down") });
    expect(await again).toEqual(new Set(["U0BOB", "U0CAROL"]));
  });

  it("answers the referenced groups a user is in", async () => {
    const { resolver, answer } = setup();
    const bob = resolver.groupsOf("U0BOB");
    await answer({ S0SRE: ["U0BOB"], S0OPS: ["U0BOB", "U0ALICE"] });
    expect([...(await bob)].sort()).toEqual(["S0OPS", "S0SRE"]);
    expect(await resolver.groupsOf("U0ALICE")).toEqual(new Set(["S0OPS"]));
    expect(await resolver.groupsOf("U0CAROL")).toEqual(new Set());
  });

  it("asks Slack once per group for simultaneous commands, and not again while cached", async () => {
    const { resolver, answer, calls } = setup();
    const asked = [resolver.groupsOf("U0BOB"), resolver.groupsOf("U0ALICE"), resolver.groupsOf("U0BOB")];
    expect(calls()).toEqual(["S0OPS", "S0SRE"]);
    await answer({ S0SRE: ["U0BOB"], S0OPS: ["U0ALICE"] });
    expect((await Promise.all(asked)).map((s) => [...s])).toEqual([["S0SRE"], ["S0OPS"], ["S0SRE"]]);
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set(["S0SRE"]));
    expect(calls()).toEqual([]);
  });

  it("looks again after the TTL (5 minutes by default)", async () => {
    const { resolver, answer, calls, advance } = setup();
    const first = resolver.groupsOf("U0BOB");
    await answer({});
    expect(await first).toEqual(new Set());
    advance(5 * 60_000 - 1);
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set());
    expect(calls()).toEqual([]);
    advance(1);
    const later = resolver.groupsOf("U0BOB");
    expect(calls()).toEqual(["S0OPS", "S0SRE"]);
    await answer({ S0SRE: ["U0BOB"] });
    expect(await later).toEqual(new Set(["S0SRE"]));
  });

  it("keeps the last known members when a lookup fails", async () => {
    const { resolver, answer, errors, advance } = setup({ ttlMs: 1_000 });
    const first = resolver.groupsOf("U0BOB");
    await answer({ S0SRE: ["U0BOB"] });
    expect(await first).toEqual(new Set(["S0SRE"]));
    advance(1_000);
    const during = resolver.groupsOf("U0BOB");
    await answer({ S0SRE: new Error("ratelimited"), S0OPS: [] });
    expect(await during).toEqual(new Set(["S0SRE"]));
    expect(errors).toEqual(["S0SRE"]);
  });

  it("fails closed when a group was never read, and tries again only after a pause", async () => {
    const { resolver, answer, errors, calls, advance } = setup({ retryAfterMs: 10_000 });
    const first = resolver.groupsOf("U0BOB");
    await answer({ S0SRE: new Error("down"), S0OPS: new Error("down") });
    expect(await first).toEqual(new Set());
    expect(errors.sort()).toEqual(["S0OPS", "S0SRE"]);
    // While Slack struggles, commands do not each ask again.
    advance(9_999);
    expect(await resolver.groupsOf("U0BOB")).toEqual(new Set());
    expect(calls()).toEqual([]);
    advance(1);
    const retried = resolver.groupsOf("U0BOB");
    expect(calls()).toEqual(["S0OPS", "S0SRE"]);
    await answer({ S0SRE: ["U0BOB"] });
    expect(await retried).toEqual(new Set(["S0SRE"]));
  });

  it("looks up only the groups it was given, each once", async () => {
    const { resolver, calls } = setup();
    void resolver.groupsOf("U0BOB");
    expect(calls()).toHaveLength(2);
  });
});
