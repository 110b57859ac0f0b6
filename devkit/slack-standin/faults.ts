import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Fault } from "./types.js";
import { sendJson } from "./wire.js";

interface Armed {
  readonly fault: Fault;
  remaining: number;
}

/** Failures queued per method; each fires for its next `times` calls, in the order they were injected. */
export class FaultQueue {
  readonly #armed = new Map<string, Armed[]>();

  inject(method: string, fault: Fault, times = 1): void {
    const list = this.#armed.get(method) ?? [];
    list.push({ fault, remaining: times });
    this.#armed.set(method, list);
  }

  /** The fault for this call, if any, counting it as used. `"*"` matches every method. */
  take(method: string): Fault | undefined {
    for (const key of [method, "*"]) {
      const list = this.#armed.get(key);
      const head = list?.[0];
      if (!list || !head) continue;
      head.remaining -= 1;
      if (head.remaining <= 0) list.shift();
      return head.fault;
    }
    return undefined;
  }

  clear(): void {
    this.#armed.clear();
  }
}

export interface Sent {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Faults that let the call happen and spoil only its answer (see `spoilAnswer`). */
export function spoilsAnswer(fault: Fault): boolean {
  return fault.kind === "wrong_shape" || fault.kind === "truncated_body";
}

/**
 * Sends the answer of a call that was carried out, spoilt as the fault says. Returns the unspoilt answer:
 * what the workspace did, which is what tests of "did it happen twice" look at.
 */
export async function spoilAnswer(fault: Fault, res: ServerResponse, answer: Sent): Promise<Sent> {
  if (fault.kind === "wrong_shape") {
    sendJson(res, 200, fault.body ?? { unexpected: true });
    return answer;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.write(text.slice(0, Math.floor(text.length / 2)));
  await sleep(20);
  res.socket?.destroy();
  return answer;
}

/**
 * Answers a request as the fault says. Returns what was sent (status 0 when the socket was dropped),
 * or undefined after a delay, when the request should be answered normally.
 */
export async function answerFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Sent | undefined> {
  switch (fault.kind) {
    case "delay":
      await sleep(fault.ms);
      return undefined;
    case "disconnect":
      req.socket.destroy();
      return { status: 0, body: { ok: false, error: "disconnected" } };
    case "rate_limited": {
      const body = { ok: false, error: "ratelimited" };
      sendJson(res, 429, body, { "retry-after": String(fault.retryAfter) });
      return { status: 429, body };
    }
    case "http_error":
      res.writeHead(fault.status, { "content-type": "text/plain" }).end(fault.body ?? "stand-in fault");
      return { status: fault.status, body: { ok: false, error: `http_${fault.status}` } };
    case "error": {
      const body = { ok: false, error: fault.error, ...fault.extra };
      sendJson(res, 200, body);
      return { status: 200, body };
    }
    case "wrong_shape":
    case "truncated_body":
      return undefined;
  }
}
