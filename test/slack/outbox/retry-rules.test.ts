import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import {
  type CallResult,
  type OutboxCall,
  type OutboxMethod,
  SlackOutbox,
  type SlackOutboxOptions,
} from "../../../src/slack/outbox/index.js";
import { virtualClock } from "./harness.js";

/**
 * What undici and web-api throw, as seen in Node 20 (errors.test.ts checks the real thing). The first
 * three certainly did not reach Slack; a permanent error is refused; the rest leave the outcome unknown.
 */
const coded = (code: string) => Object.assign(new Error(code), { code });
const FAILURES = {
  "a 429": () => new webApi.WebAPIRateLimitedError(2),
  "a refused connection": () =>
    new webApi.WebAPIRequestError(new TypeError("fetch failed", { cause: coded("ECONNREFUSED") })),
  "ok:false service_unavailable": () =>
    new webApi.WebAPIPlatformError({ ok: false, error: "service_unavailable" }),
  "HTTP 503": () => new webApi.WebAPIHTTPError(503, "Service Unavailable", {}),
  "a timeout": () =>
    new webApi.WebAPIRequestError(
      new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    ),
  "a reset connection": () =>
    new webApi.WebAPIRequestError(new TypeError("fetch failed", { cause: coded("ECONNRESET") })),
  "an answer cut in the middle": () => new TypeError("terminated", { cause: coded("UND_ERR_SOCKET") }),
  "ok:false internal_error": () => new webApi.WebAPIPlatformError({ ok: false, error: "internal_error" }),
  "a permanent error": () => new webApi.WebAPIPlatformError({ ok: false, error: "channel_not_found" }),
} as const;
type FailureName = keyof typeof FAILURES;

/** Failures after which Slack may have carried the call out. */
const UNKNOWN: FailureName[] = [
  "HTTP 503",
  "a timeout",
  "a reset connection",
  "an answer cut in the middle",
  "ok:false internal_error",
];

const ANSWERS: Record<OutboxMethod, CallResult> = {
  "chat.postMessage": { ok: true, ts: "1700000000.000100", channel: "C1" },
  "chat.update": { ok: true },
  "chat.postEphemeral": { ok: true },
  "files.uploadV2": { ok: true, files: [{ id: "F1" }] },
};

/** An outbox whose first call fails as named, and every later call succeeds. */
function failingOnce(failure: FailureName, options: Partial<SlackOutboxOptions> = {}) {
  const clock = virtualClock();
  const calls: { method: OutboxMethod; args: Record<string, unknown> }[] = [];
  const call: OutboxCall = async (method, args) => {
    calls.push({ method, args });
    if (calls.length === 1) throw FAILURES[failure]();
    return ANSWERS[method];
  };
  const outbox = new SlackOutbox({ call, now: clock.now, sleep: clock.sleep, random: () => 0.5, ...options });
  return { outbox, calls, clock };
}

const metadata = { event_type: "opsbot_approval", event_payload: { request: "apr_1" } };

/** Each kind of write, sent through the outbox; `lookUp` says whether a lost post can be looked for. */
const KINDS = {
  "a post without metadata": (o: SlackOutbox) => o.post({ channel: "C1", text: "x" }),
  "a post with metadata": (o: SlackOutbox) => o.post({ channel: "C1", text: "x", metadata }),
  "an edit": (o: SlackOutbox) => o.update({ channel: "C1", ts: "1700000000.000100" }, { text: "x" }),
  "an ephemeral reply": (o: SlackOutbox) => o.ephemeral({ channel: "C1", user: "U1", text: "x" }),
  "an upload": (o: SlackOutbox) => o.upload({ channel: "C1", filename: "a.txt", title: "A", content: "a" }),
} as const;
type KindName = keyof typeof KINDS;

/** Kinds sent again after an unknown outcome: an edit twice is one edit; a post only once looked for. */
const AGAIN_AFTER_UNKNOWN: KindName[] = ["a post with metadata", "an edit"];

const cases = (Object.keys(KINDS) as KindName[]).flatMap((kind) =>
  (Object.keys(FAILURES) as FailureName[]).map((failure) => [kind, failure] as const),
);

describe("each kind's retry rule, after one failed attempt", () => {
  it.each(cases)("%s, after %s", async (kind, failure) => {
    const looked: unknown[] = [];
    const { outbox, calls, clock } = failingOnce(failure, {
      // The post was not there: sending it again is safe.
      findPosted: async (args) => {
        looked.push(args.metadata);
        return undefined;
      },
    });
    const sent = KINDS[kind](outbox);
    const settled = await sent.then(
      () => "resolved",
      (err: unknown) => err,
    );

    if (failure === "a permanent error") {
      expect(settled).toMatchObject({ code: "channel_not_found", permanent: true, outcomeUnknown: false });
      expect(calls).toHaveLength(1);
    } else if (UNKNOWN.includes(failure) && !AGAIN_AFTER_UNKNOWN.includes(kind)) {
      expect(settled).toMatchObject({ permanent: false, outcomeUnknown: true, attempts: 1 });
      expect(calls).toHaveLength(1);
    } else {
      expect(settled).toBe("resolved");
      expect(calls).toHaveLength(2);
      expect(calls[1]?.args).toEqual(calls[0]?.args);
    }
    if (failure === "a 429") {
      expect(clock.elapsed()).toBeGreaterThanOrEqual(2_000);
      expect(outbox.rateLimited).toBe(1);
    }
    const lookedFor = kind === "a post with metadata" && UNKNOWN.includes(failure);
    expect(looked).toEqual(lookedFor ? [metadata] : []);
    await outbox.stop();
  });
});

describe("looking for a post whose answer was lost", () => {
  it("returns the post found instead of posting it again", async () => {
    const { outbox, calls } = failingOnce("HTTP 503", { findPosted: async () => "1700000000.000042" });
    await expect(outbox.post({ channel: "C1", text: "approve?", metadata })).resolves.toEqual({
      ts: "1700000000.000042",
      channel: "C1",
    });
    expect(calls).toHaveLength(1);
  });

  it("rejects, without posting again, when the lookup itself fails", async () => {
    const { outbox, calls } = failingOnce("a timeout", {
      findPosted: async () => {
        throw new Error("conversations.history failed");
      },
    });
    await expect(
      outbox.post({ channel: "C1", text: "approve?", metadata }, { critical: true }),
    ).rejects.toMatchObject({
      code: "timeout",
      outcomeUnknown: true,
    });
    expect(calls).toHaveLength(1);
  });

  it("rejects a post with metadata when the outbox has no way to look", async () => {
    const { outbox, calls } = failingOnce("an answer cut in the middle");
    await expect(outbox.post({ channel: "C1", text: "approve?", metadata })).rejects.toMatchObject({
      outcomeUnknown: true,
    });
    expect(calls).toHaveLength(1);
  });
});

describe("giving up", () => {
  it("gives an ephemeral reply up after maxAttempts refused connections, a critical upload only at stop", async () => {
    const clock = virtualClock();
    let refuse = true;
    const calls: OutboxMethod[] = [];
    const call: OutboxCall = async (method) => {
      calls.push(method);
      if (refuse) throw FAILURES["a refused connection"]();
      return ANSWERS[method];
    };
    const outbox = new SlackOutbox({ call, now: clock.now, sleep: clock.sleep, maxAttempts: 3 });
    await expect(outbox.ephemeral({ channel: "C1", user: "U1", text: "x" })).rejects.toMatchObject({
      code: "connection_failed",
      attempts: 3,
      permanent: false,
      outcomeUnknown: false,
    });

    const critical = outbox.upload(
      { channel: "C1", filename: "a.txt", title: "A", content: "a" },
      { critical: true },
    );
    while (calls.filter((m) => m === "files.uploadV2").length < 6) await new Promise((r) => setImmediate(r));
    refuse = false;
    await expect(critical).resolves.toEqual({ fileId: "F1" });
    await outbox.stop();
  });
});
