import { afterEach, describe, expect, it, vi } from "vitest";
import { type OutboxCall, SlackOutbox } from "../../../src/slack/outbox/index.js";
import { virtualClock } from "./harness.js";

const URL = "https://hooks.slack.com/commands/T1/123/abc";
const call: OutboxCall = async () => ({ ok: true });
const coded = (code: string) => Object.assign(new Error(code), { code });

type Step = Response | Error | "hang";

/** A fetch answering from a script, one step per call, recording what it was given. */
function scriptedFetch(...steps: Step[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: string | URL | Request, init: RequestInit = {}) => {
    requests.push({ url: String(url), init });
    const step = steps.shift() ?? new Response("ok");
    if (step === "hang") {
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    }
    if (step instanceof Error) throw step;
    return step;
  }) as typeof fetch;
  return { fetchFn, requests };
}

function outboxWith(...steps: Step[]) {
  const clock = virtualClock();
  const { fetchFn, requests } = scriptedFetch(...steps);
  const outbox = new SlackOutbox({
    call,
    fetch: fetchFn,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  return { outbox, requests, clock };
}

const refused = () => new TypeError("fetch failed", { cause: coded("ECONNREFUSED") });
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A 200 whose body breaks off after a few bytes. */
function cutAnswer(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"ok":'));
      controller.error(new TypeError("terminated", { cause: coded("UND_ERR_SOCKET") }));
    },
  });
  return new Response(body, { status: 200 });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("respond", () => {
  it("POSTs the message as JSON, each attempt bounded by the timeout (10 s unless told)", async () => {
    const timeouts = vi.spyOn(AbortSignal, "timeout");
    const { outbox, requests } = outboxWith(new Response("ok"), json(200, { ok: true }));
    await outbox.respond(URL, { text: "done", response_type: "ephemeral" });
    await outbox.respond(URL, { text: "again", replace_original: true }, { timeoutMs: 2_500 });

    expect(requests.map((r) => r.url)).toEqual([URL, URL]);
    expect(requests[0]?.init).toMatchObject({
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ text: "done", response_type: "ephemeral" }),
    });
    expect(requests[0]?.init.signal).toBeInstanceOf(AbortSignal);
    expect(timeouts.mock.calls).toEqual([[10_000], [2_500]]);
    await outbox.stop();
  });

  it("waits out a 429's Retry-After and sends again", async () => {
    const { outbox, requests, clock } = outboxWith(
      new Response("rate_limited", { status: 429, headers: { "retry-after": "3" } }),
    );
    await outbox.respond(URL, { text: "x" });
    expect(requests).toHaveLength(2);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3_000);
    expect(outbox.rateLimited).toBe(1);
  });

  it("sends again after a refused connection: the request never left", async () => {
    const { outbox, requests } = outboxWith(refused(), refused());
    await outbox.respond(URL, { text: "x" });
    expect(requests).toHaveLength(3);
  });

  it.each<[string, Step, string]>([
    ["HTTP 500", new Response("oops", { status: 500 }), "http_500"],
    ["HTTP 503 with a code", json(503, { ok: false, error: "service_unavailable" }), "service_unavailable"],
    ["a reset connection", new TypeError("fetch failed", { cause: coded("ECONNRESET") }), "request_error"],
    ["an answer cut in the middle", cutAnswer(), "request_error"],
  ])("does not send again after %s: the outcome is unknown", async (_name, step, code) => {
    const { outbox, requests } = outboxWith(step);
    await expect(outbox.respond(URL, { text: "x" })).rejects.toMatchObject({
      name: "SlackOutboxError",
      method: "response_url",
      code,
      outcomeUnknown: true,
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
  });

  it("does not send again after its timeout", async () => {
    const { outbox, requests } = outboxWith("hang");
    await expect(outbox.respond(URL, { text: "x" }, { timeoutMs: 30 })).rejects.toMatchObject({
      code: "timeout",
      outcomeUnknown: true,
    });
    expect(requests).toHaveLength(1);
  });

  it.each<[string, Response, string]>([
    ["404 expired_url (JSON)", json(404, { ok: false, error: "expired_url" }), "expired_url"],
    ["404 used_url (text)", new Response("used_url", { status: 404 }), "used_url"],
    ["404 without a body", new Response(null, { status: 404 }), "http_404"],
    ["400 invalid_payload", new Response("invalid_payload", { status: 400 }), "invalid_payload"],
    ["200 with ok:false", json(200, { ok: false, error: "used_url" }), "used_url"],
    ["a redirect", new Response(null, { status: 302, headers: { location: "https://x" } }), "http_302"],
  ])("rejects %s at once with Slack's code", async (_name, answer, code) => {
    const { outbox, requests } = outboxWith(answer);
    await expect(outbox.respond(URL, { text: "x" })).rejects.toMatchObject({
      code,
      permanent: true,
      outcomeUnknown: false,
    });
    expect(requests).toHaveLength(1);
  });

  it.each(["ftp://hooks.slack.com/x", "javascript:alert(1)", "file:///etc/passwd", "hooks.slack.com/x", ""])(
    "refuses %j without sending anything",
    async (url) => {
      const { outbox, requests } = outboxWith();
      await expect(outbox.respond(url, { text: "x" })).rejects.toMatchObject({
        code: "invalid_url",
        attempts: 0,
        permanent: true,
      });
      expect(requests).toHaveLength(0);
    },
  );

  it("counts in depth while in flight, is waited for by flush, refused after stop", async () => {
    const { outbox } = outboxWith("hang");
    const pending = outbox.respond(URL, { text: "x" }, { timeoutMs: 50 });
    expect(outbox.depth).toBe(1);
    await outbox.flush();
    expect(outbox.depth).toBe(0);
    await expect(pending).rejects.toMatchObject({ code: "timeout" });
    await outbox.stop();
    await expect(outbox.respond(URL, { text: "x" })).rejects.toMatchObject({
      code: "outbox_stopped",
      method: "response_url",
    });
  });
});
