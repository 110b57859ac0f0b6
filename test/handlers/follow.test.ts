import type { WebClient } from "@slack/web-api";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError } from "../../src/api/errors.js";
import type { ApiClients } from "../../src/api/index.js";
import { IdentityResolver } from "../../src/auth/identity.js";
import type { HandlerDeps } from "../../src/handlers/deps.js";
import { Followers } from "../../src/handlers/follow.js";
import { Catalogue } from "../../src/ops/catalogue.js";
import { arg, defineOperation } from "../../src/ops/define.js";
import { record } from "../../src/ops/output.js";

/** A pollable operation whose answers the test scripts: a state, or an error to throw. */
function scripted(answers: (string | Error)[]) {
  const polls: string[] = [];
  const operation = defineOperation({
    id: "thing:state",
    resource: "thing",
    verb: "state",
    summary: "State of a thing",
    risk: "read",
    backend: "deploy",
    needsIdentity: false,
    args: { id: arg.positional(z.string(), { label: "ID" }) },
    run: async (_ctx, a) => {
      polls.push(a.id);
      const next = answers.length > 1 ? answers.shift() : answers[0];
      if (next instanceof Error) throw next;
      return next ?? "pending";
    },
    render: (state: string) => record(`Thing is ${state}`, []),
    settled: (state: string) => state === "done",
  });
  return { operation, polls };
}

function depsFor(operation: ReturnType<typeof scripted>["operation"], followers: Followers): HandlerDeps {
  return {
    api: {} as ApiClients,
    catalogue: new Catalogue([operation]),
    identities: new IdentityResolver({ lookup: { email: async () => undefined } }),
    logger: pino({ level: "silent" }),
    defaults: {},
    booleanFlags: new Set(),
    followers,
    // The safety parts are not used while following.
    ...({} as Pick<HandlerDeps, "access" | "store" | "audit" | "approvals">),
    now: Date.now,
  };
}

async function follow(answers: (string | Error)[], timing: ConstructorParameters<typeof Followers>[0]) {
  const { operation, polls } = scripted(answers);
  const followers = new Followers(timing);
  const replies: Record<string, unknown>[] = [];
  followers.start(
    depsFor(operation, followers),
    {} as WebClient,
    { operationId: "thing:state", args: { id: "t-1" } },
    {
      channelId: "C0OPS",
      userId: "U0ALICE",
      respond: async (message) => {
        replies.push(message);
      },
    },
  );
  for (let i = 0; i < 200 && followers.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return { replies, polls, followers };
}

const outage = () =>
  new ApiError({
    kind: "network",
    backend: "deploy",
    operation: "getThing",
    safeMessage: "down",
    retryable: true,
  });

describe("Followers", () => {
  it("polls until the state settles and posts it once", async () => {
    const { replies, polls } = await follow(["pending", "pending", "done"], {
      firstDelayMs: 5,
      maxDelayMs: 10,
    });
    expect(polls).toEqual(["t-1", "t-1", "t-1"]);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0])).toContain("Thing is done");
  });

  it("rides out a few failed polls, then gives up with how to look it up", async () => {
    const recovered = await follow([outage(), outage(), "done"], {
      firstDelayMs: 5,
      maxDelayMs: 10,
      maxFailures: 3,
    });
    expect(JSON.stringify(recovered.replies)).toContain("Thing is done");
    const abandoned = await follow([outage()], { firstDelayMs: 5, maxDelayMs: 10, maxFailures: 3 });
    expect(abandoned.polls).toHaveLength(3);
    expect(abandoned.replies).toHaveLength(1);
    expect(JSON.stringify(abandoned.replies[0])).toContain("/ops thing state t-1");
  });

  it("stops at its timeout with a pointer to the state command", async () => {
    const { replies } = await follow(["pending"], { firstDelayMs: 5, maxDelayMs: 10, timeoutMs: 60 });
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0])).toContain("Still not finished");
  });

  it("posts nothing after stopAll", async () => {
    const { operation } = scripted(["pending"]);
    const followers = new Followers({ firstDelayMs: 5, maxDelayMs: 5 });
    const replies: unknown[] = [];
    followers.start(
      depsFor(operation, followers),
      {} as WebClient,
      { operationId: "thing:state", args: { id: "t" } },
      {
        channelId: "C0OPS",
        userId: "U0ALICE",
        respond: async (m) => void replies.push(m),
      },
    );
    followers.stopAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(followers.inFlight).toBe(0);
    expect(replies).toEqual([]);
  });
});
