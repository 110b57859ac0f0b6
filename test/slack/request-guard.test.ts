import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { signedHeaders, unixSeconds } from "../../devkit/testing/index.js";
import { guardSlackRequests, type RequestGuardOptions } from "../../src/slack/request-guard.js";

const SECRET = "guard-test-secret";
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** The guard in front of a listener that answers 200 with the body it was handed. */
async function guarded(over: Partial<RequestGuardOptions>): Promise<string> {
  const guard = guardSlackRequests(
    (req, res) => {
      const raw = (req as typeof req & { rawBody?: Buffer }).rawBody;
      res.writeHead(200).end(raw ? `next:${raw.toString()}` : "next");
    },
    {
      signingSecret: SECRET,
      paths: ["/slack/events"],
      firstSighting: async () => true,
      now: Date.now,
      logger: pino({ level: "silent" }),
      ...over,
    },
  );
  server = createServer(guard);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, body: string, timestamp = unixSeconds()) =>
  fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...signedHeaders(SECRET, body, timestamp),
    },
    body,
  });

describe("the request guard", () => {
  it("hands the buffered body on to Bolt's listener", async () => {
    const url = await guarded({});
    const res = await post(url, "text=help");
    expect(await res.text()).toBe("next:text=help");
  });

  it("refuses with 503 when the store cannot say whether it saw the request", async () => {
    const url = await guarded({
      firstSighting: async () => {
        throw new Error("connection refused");
      },
    });
    expect((await post(url, "text=help")).status).toBe(503);
  });

  it("refuses a body over the limit with 413, before any check", async () => {
    let asked = 0;
    const url = await guarded({ bodyLimit: 16, firstSighting: async () => ++asked > 0 });
    expect((await post(url, `text=${"x".repeat(64)}`)).status).toBe(413);
    expect(asked).toBe(0);
  });

  it("lets other routes and methods through untouched", async () => {
    const url = await guarded({ firstSighting: async () => false });
    expect(await (await fetch(`${url}/healthz`)).text()).toBe("next");
    expect((await post(url, "text=help")).status).toBe(401);
  });
});
