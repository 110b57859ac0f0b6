import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SlackOutbox } from "../../../src/slack/outbox/index.js";

// A response URL whose server takes the request and never answers: the post must end, not hang.

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function silentServer(): Promise<{ url: string; received: IncomingMessage[] }> {
  const received: IncomingMessage[] = [];
  server = createServer((req) => {
    received.push(req);
    req.resume(); // reads the body, never answers
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/commands/T1/1/abc`, received };
}

describe("a response URL that never answers", () => {
  it("is given up after the timeout over real HTTP, once, without sending again", async () => {
    const { url, received } = await silentServer();
    const outbox = new SlackOutbox({ call: async () => ({ ok: true }) });
    await expect(outbox.respond(url, { text: "done" }, { timeoutMs: 300 })).rejects.toMatchObject({
      name: "SlackOutboxError",
      method: "response_url",
      code: "timeout",
      outcomeUnknown: true,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("POST");
    expect(outbox.depth).toBe(0);
    await outbox.stop();
  });
});
