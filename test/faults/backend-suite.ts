import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultInput } from "../../devkit/sim/faults.js";
import type { AppStack } from "../helpers/app-stack.js";
import {
  BOB,
  command,
  eventually,
  expectPresentable,
  failOnUnhandledRejections,
  HANG_MS,
  type Reply,
  received,
  replyTo,
  SentRequests,
  sleep,
  startFaultStack,
  TIMEOUT_MS,
} from "./harness.js";

type Backend = "calyptia" | "deploy" | "orchestration";

/** One operation as a user types it and as it reaches the backend. */
interface Call {
  readonly text: string;
  readonly method: string;
  /** Matches the request path (without its query). */
  readonly path: RegExp;
  /** What the simulator answers instead of a good body in the wrong-shape case: valid JSON, wrong shape. */
  readonly wrongShape?: unknown;
}

export interface BackendSpec {
  readonly backend: Backend;
  /** How the bot names the backend to users. */
  readonly name: string;
  readonly read: Call;
  /** A change; a function when each run must differ (a new port number, say). */
  readonly change: Omit<Call, "text"> & { readonly text: () => string };
  /** The read a change of unknown outcome points the user to. */
  readonly check: RegExp;
  /** Another read of the same backend on another path: stays healthy while `read` is faulty. */
  readonly sibling: string;
  /** A read of another backend: stays healthy while this whole backend refuses connections. */
  readonly elsewhere: string;
  /** Credentials that must never reach a user. */
  readonly secrets: readonly string[];
}

/** The unknown-outcome wording: not a failure, and the way to find out. */
const UNKNOWN = /^⚠️ .*the outcome is unknown, check the current state before trying again/;
/** Time a healthy read may take on a loaded machine while another request hangs. */
const PROMPT_MS = 1_500;

/**
 * Every fault of the requirement against one read and one change of a backend, through the whole bot:
 * what the user is told, how many requests reached the backend, and that another user is served
 * meanwhile.
 */
export function describeBackendFaults(spec: BackendSpec): void {
  let stack: AppStack;
  let sent: SentRequests;
  /** Kept apart: the simulator has no URL while it is closed. */
  let origin = "";
  failOnUnhandledRejections();
  beforeAll(async () => {
    stack = await startFaultStack();
    sent = new SentRequests();
    origin = new URL(stack.sims[spec.backend].url).origin;
  });
  afterAll(async () => {
    sent?.close();
    await stack?.close();
  });

  const sim = () => stack.sims[spec.backend];
  const faultOn = (call: Omit<Call, "text">, fault: FaultInput): FaultInput => ({
    ...fault,
    method: call.method,
    path: call.path.source,
  });
  const counts = (call: Omit<Call, "text">) => ({
    sent: sent.count(origin, call.method, call.path),
    received: received(stack.sims, spec.backend, call.method, call.path),
  });

  /**
   * Alice runs `text` against the faulty backend; while her request is in flight, Bob runs `other`,
   * which must be answered promptly and normally. Returns Alice's reply and the requests her call made.
   */
  async function runWhileFaulty(
    call: Omit<Call, "text">,
    text: string,
    options: { other?: string; hangs?: boolean } = {},
  ): Promise<{ reply: Reply; delta: () => { sent: number; received: number } }> {
    const before = counts(call);
    const alice = await command(stack, text);
    const bob = await command(stack, options.other ?? spec.sibling, BOB);
    const bobReply = await replyTo(stack, bob);
    expect(bobReply.text).not.toMatch(/❌|⚠️/);
    expect(bobReply.ms).toBeLessThan(PROMPT_MS);
    if (options.hangs) {
      // Bob was answered while Alice's request was still waiting for the backend.
      expect(stack.slackApi.responses().some((r) => r.url === alice.responseUrl)).toBe(false);
    }
    const reply = await replyTo(stack, alice);
    expect(reply.responseType).toBe("ephemeral");
    expect(reply.text).toContain(spec.name);
    expectPresentable(reply.text, spec.secrets);
    const delta = () => {
      const now = counts(call);
      return { sent: now.sent - before.sent, received: now.received - before.received };
    };
    return { reply, delta };
  }

  /** The counts settle: the simulator answers hanging requests late, and a wrong retry would show up. */
  async function expectRequests(
    delta: () => { sent: number; received: number },
    expected: { sent: number; received: number },
    settleMs = 150,
  ) {
    await eventually(() => expect(delta()).toEqual(expected), HANG_MS + 2_000);
    await sleep(settleMs);
    expect(delta()).toEqual(expected);
  }

  describe(`${spec.name}: faults as a Slack user meets them`, () => {
    afterAll(() => sim().setFaults([]));

    it("timeout on a read: retried within the budget, the user told it did not answer in time", async () => {
      sim().setFaults([faultOn(spec.read, { kind: "latency", latencyMs: HANG_MS })]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text, { hangs: true });
      expect(reply.text).toMatch(/^❌ /);
      expect(reply.text).toContain(`did not answer within ${TIMEOUT_MS} ms`);
      expect(reply.text).not.toContain("outcome is unknown");
      await expectRequests(delta, { sent: 3, received: 3 });
    });

    it("timeout on a change: sent once, the outcome reported unknown with the way to check", async () => {
      sim().setFaults([faultOn(spec.change, { kind: "latency", latencyMs: HANG_MS })]);
      const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text(), { hangs: true });
      expect(reply.text).toMatch(UNKNOWN);
      expect(reply.text).toContain(`did not answer within ${TIMEOUT_MS} ms`);
      expect(reply.text).toMatch(spec.check);
      expect(reply.text).not.toMatch(/❌|failed/);
      // The simulator acts on the request after the delay: still one request, however long we wait.
      await expectRequests(delta, { sent: 1, received: 1 });
    });

    describe("connection refused", () => {
      let port = 0;
      beforeAll(async () => {
        port = Number(new URL(origin).port);
        await sim().close();
      });
      afterAll(async () => {
        await sim().listen(port);
      });

      it("a read is tried three times, and the user told the connection was refused", async () => {
        const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text, { other: spec.elsewhere });
        expect(reply.text).toMatch(/^❌ /);
        expect(reply.text).toContain("connection refused");
        await expectRequests(delta, { sent: 3, received: 0 });
      });

      it("a change is tried once and reported as not made (nothing reached the backend)", async () => {
        const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text(), {
          other: spec.elsewhere,
        });
        expect(reply.text).toMatch(/^❌ /);
        expect(reply.text).toContain("connection refused");
        expect(reply.text).not.toContain("outcome is unknown");
        await expectRequests(delta, { sent: 1, received: 0 });
      });
    });

    it("the backend serves again once it listens again", async () => {
      const reply = await replyTo(stack, await command(stack, spec.read.text));
      expect(reply.text).not.toMatch(/❌|⚠️/);
    });

    it.each([
      [500, "internal error in the backend"],
      [502, "bad gateway in front of the backend"],
      [503, "the backend is unavailable"],
    ])("HTTP %i on a read: tried three times, the status explained", async (status, explained) => {
      sim().setFaults([faultOn(spec.read, { kind: "error", status })]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text);
      expect(reply.text).toMatch(/^❌ /);
      expect(reply.text).toContain(explained);
      expect(reply.text).toContain(`(HTTP ${status})`);
      await expectRequests(delta, { sent: 3, received: 3 });
    });

    it.each([500, 502, 503])("HTTP %i on a change: sent once, reported as failed", async (status) => {
      sim().setFaults([faultOn(spec.change, { kind: "error", status })]);
      const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text());
      expect(reply.text).toMatch(/^❌ /);
      expect(reply.text).toContain(`(HTTP ${status})`);
      expect(reply.text).not.toContain("outcome is unknown");
      await expectRequests(delta, { sent: 1, received: 1 });
    });

    it("429 with a short Retry-After on a read: waited out between tries, then the wait shown", async () => {
      sim().setFaults([faultOn(spec.read, { kind: "rate_limit", retryAfterSeconds: 1 })]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text, { hangs: true });
      expect(reply.text).toMatch(/^❌ .*rate limited by the backend.*\(HTTP 429\); retry in 1 s/);
      // Two waits of the full Retry-After, not the jittered backoff.
      expect(reply.ms).toBeGreaterThanOrEqual(2_000);
      await expectRequests(delta, { sent: 3, received: 3 });
    });

    it("429 with a Retry-After beyond the retry budget on a read: not waited for, the wait shown", async () => {
      sim().setFaults([faultOn(spec.read, { kind: "rate_limit", retryAfterSeconds: 30 })]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text);
      expect(reply.text).toMatch(/^❌ .*rate limited by the backend.*; retry in 30 s/);
      expect(reply.ms).toBeLessThan(PROMPT_MS);
      await expectRequests(delta, { sent: 1, received: 1 });
    });

    it("429 on a change: never retried, the wait shown", async () => {
      sim().setFaults([faultOn(spec.change, { kind: "rate_limit", retryAfterSeconds: 1 })]);
      const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text());
      expect(reply.text).toMatch(/^❌ .*rate limited by the backend.*; retry in 1 s/);
      expect(reply.text).not.toContain("outcome is unknown");
      await expectRequests(delta, { sent: 1, received: 1 }, 1_100);
    });

    it("a wrong-shaped body on a read: not retried, the unexpected field named", async () => {
      sim().setFaults([
        faultOn(spec.read, {
          kind: "wrong_shape",
          ...(spec.read.wrongShape === undefined ? {} : { body: spec.read.wrongShape }),
        }),
      ]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text);
      expect(reply.text).toMatch(/^❌ .*unexpected response from the \w+ API: /);
      await expectRequests(delta, { sent: 1, received: 1 });
    });

    it("a wrong-shaped body on a change: not retried, the outcome reported unknown", async () => {
      sim().setFaults([
        faultOn(spec.change, {
          kind: "wrong_shape",
          ...(spec.change.wrongShape === undefined ? {} : { body: spec.change.wrongShape }),
        }),
      ]);
      const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text());
      // The backend answered 2xx: it acted, only its answer could not be read.
      expect(reply.text).toMatch(UNKNOWN);
      expect(reply.text).toContain("unexpected response from the");
      expect(reply.text).toMatch(spec.check);
      await expectRequests(delta, { sent: 1, received: 1 });
    });

    it("a body cut in the middle on a read: tried three times, the user told the connection failed", async () => {
      sim().setFaults([faultOn(spec.read, { kind: "truncated_body" })]);
      const { reply, delta } = await runWhileFaulty(spec.read, spec.read.text);
      expect(reply.text).toMatch(/^❌ .*the connection failed/);
      await expectRequests(delta, { sent: 3, received: 3 });
    });

    it("a body cut in the middle on a change: sent once, the outcome reported unknown", async () => {
      sim().setFaults([faultOn(spec.change, { kind: "truncated_body" })]);
      const { reply, delta } = await runWhileFaulty(spec.change, spec.change.text());
      expect(reply.text).toMatch(UNKNOWN);
      expect(reply.text).toMatch(spec.check);
      await expectRequests(delta, { sent: 1, received: 1 });
    });
  });
}
