import { describe, expect, it } from "vitest";
import { IdentityResolver, type SlackProfileLookup } from "../../../src/core/policy/identity.js";

function countingLookup(emails: Record<string, string | undefined>, fail = false) {
  const calls: string[] = [];
  const lookup: SlackProfileLookup = {
    email: async (userId) => {
      calls.push(userId);
      if (fail) throw new Error("slack down");
      return emails[userId];
    },
  };
  return { lookup, calls };
}

describe("IdentityResolver", () => {
  it("uses the Slack profile email and caches it within the TTL", async () => {
    let now = 0;
    const { lookup, calls } = countingLookup({ U1: "alice@example.com" });
    const resolver = new IdentityResolver({ lookup, ttlMs: 1_000, now: () => now });
    const first = await resolver.resolve("U1");
    expect(first).toEqual({
      ok: true,
      identity: { kind: "header", email: "alice@example.com" },
      source: "slack-profile",
    });
    await resolver.resolve("U1");
    expect(calls).toEqual(["U1"]);
    now = 1_001;
    await resolver.resolve("U1");
    expect(calls).toEqual(["U1", "U1"]);
  });

  it("remembers at most maxEntries people, the least recently seen going first", async () => {
    const emails = Object.fromEntries(
      Array.from({ length: 50 }, (_, n) => [`U${n}`, `person${n}@example.com`]),
    );
    const { lookup, calls } = countingLookup(emails);
    const resolver = new IdentityResolver({ lookup, maxEntries: 10 });
    for (let n = 0; n < 50; n++) {
      await resolver.resolve(`U${n}`);
      await resolver.resolve("U0"); // kept warm
    }
    expect(resolver.size).toBe(10);
    expect(calls.filter((user) => user === "U0")).toHaveLength(1);
    await resolver.resolve("U1");
    expect(calls.filter((user) => user === "U1")).toHaveLength(2);
  });

  it("shares one lookup between concurrent requests for the same user", async () => {
    const { lookup, calls } = countingLookup({ U1: "alice@example.com" });
    const resolver = new IdentityResolver({ lookup });
    await Promise.all(Array.from({ length: 20 }, () => resolver.resolve("U1")));
    expect(calls).toHaveLength(1);
  });

  it("prefers a configured override and never asks Slack for that user", async () => {
    const { lookup, calls } = countingLookup({ U1: "alice@example.com" });
    const resolver = new IdentityResolver({ lookup, overrides: { U1: "svc-deploy@example.com" } });
    const result = await resolver.resolve("U1");
    expect(result).toMatchObject({
      ok: true,
      identity: { email: "svc-deploy@example.com" },
      source: "override",
    });
    expect(calls).toEqual([]);
  });

  it("refuses a user without an email, and asks again next time", async () => {
    const { lookup, calls } = countingLookup({});
    const resolver = new IdentityResolver({ lookup });
    const result = await resolver.resolve("U2");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("no email address");
    await resolver.resolve("U2");
    expect(calls).toEqual(["U2", "U2"]);
  });

  it("refuses with a transient message when Slack fails", async () => {
    const { lookup } = countingLookup({}, true);
    const result = await new IdentityResolver({ lookup }).resolve("U3");
    expect(result).toEqual({
      ok: false,
      reason: expect.stringContaining("could not read your Slack profile"),
    });
  });

  it("rejects a malformed override at construction", () => {
    const { lookup } = countingLookup({});
    expect(() => new IdentityResolver({ lookup, overrides: { U1: "not an email\r\nX-Evil: 1" } })).toThrow();
  });
});
