import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCommand, FORM_CONTENT_TYPE, unixSeconds } from "../../devkit/testing/index.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { openSqliteStore } from "../../src/store/index.js";
import { type AppStack, startAppStack } from "../helpers/app-stack.js";

// Two bots on one store, as two replicas are: a signed request taken by one is refused by both when
// it comes again, and a request dated too far ahead is refused like one too old.

const USERS = [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }];
let dir: string;
let first: AppStack;
let second: AppStack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsbot-guard-"));
  const path = join(dir, "opsbot.db");
  const catalogue = createCatalogue();
  first = await startAppStack({ catalogue, users: USERS, store: openSqliteStore({ path }) });
  second = await startAppStack({ catalogue, users: USERS, store: openSqliteStore({ path }) });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  rmSync(dir, { recursive: true, force: true });
});

const namespaceCalls = (stack: AppStack) =>
  stack.sims.deploy.requests.filter((r) => r.method === "GET" && r.url.includes("namespace")).length;

describe("signed requests", () => {
  it("takes a request once: the same bytes again are refused, on this replica and on another", async () => {
    const command = first.fx.command({ text: "namespace list", user_id: "U0ALICE" });
    const body = encodeCommand(command);
    const timestamp = unixSeconds();
    const before = namespaceCalls(first);
    expect((await first.send.raw(body, FORM_CONTENT_TYPE, { timestamp })).status).toBe(200);
    await first.responseFor(command.response_url);
    expect((await first.send.raw(body, FORM_CONTENT_TYPE, { timestamp })).status).toBe(401);
    expect((await second.send.raw(body, FORM_CONTENT_TYPE, { timestamp })).status).toBe(401);
    // Given time to misbehave, nothing ran twice and nothing else was answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(namespaceCalls(first)).toBe(before + 1);
    expect(namespaceCalls(second)).toBe(0);
    expect(first.slackApi.responses().filter((r) => r.url === command.response_url)).toHaveLength(1);
  });

  it("still takes a fresh request with the same text (a new signature), as Slack sends a retyped command", async () => {
    const again = first.fx.command({ text: "namespace list", user_id: "U0ALICE" });
    expect((await second.send.command(again)).status).toBe(200);
    await first.responseFor(again.response_url);
  });

  it("refuses a request dated more than 5 minutes ahead, and takes one within the window", async () => {
    const ahead = first.fx.command({ text: "help", user_id: "U0ALICE" });
    const refused = await first.send.command(ahead, { timestamp: unixSeconds() + 6 * 60 });
    expect(refused.status).toBe(401);
    expect(refused.text).toBe("");
    const close = first.fx.command({ text: "help", user_id: "U0ALICE" });
    expect((await first.send.command(close, { timestamp: unixSeconds() + 4 * 60 })).status).toBe(200);
  });

  it("leaves the refusal of a bad signature to Bolt, without recording it", async () => {
    const command = first.fx.command({ text: "help", user_id: "U0ALICE" });
    const timestamp = unixSeconds();
    expect((await first.send.command(command, { timestamp, badSignature: true })).status).toBe(401);
    // The forged copy did not use up the genuine request's signature.
    expect((await first.send.command(command, { timestamp })).status).toBe(200);
  });

  it("serves health and readiness through the guard", async () => {
    expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);
  });
});
