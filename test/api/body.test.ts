import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Dispatcher, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RESPONSE_TOO_LARGE, readCapped } from "../../src/api/body.js";

/** readCapped over real sockets: a declared Content-Length (undici's reader) and chunked bodies (counted). */

let server: Server;
let url: string;
type Handler = (res: ServerResponse) => void;
let handler: Handler;

beforeEach(async () => {
  server = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const declared =
  (body: Buffer | string): Handler =>
  (res) => {
    res.writeHead(200, { "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
  };
const chunked =
  (...chunks: (Buffer | string)[]): Handler =>
  (res) => {
    res.writeHead(200);
    for (const chunk of chunks) res.write(chunk);
    res.end();
  };

async function read(maxBytes: number, failOnOverflow: boolean): Promise<string> {
  const res: Dispatcher.ResponseData = await request(url);
  return readCapped(res, maxBytes, failOnOverflow);
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => (error as { code?: unknown }).code,
  );
}

describe.each([
  ["with Content-Length", (text: string) => declared(text)],
  ["chunked", (text: string) => chunked(text.slice(0, 3), text.slice(3))],
])("readCapped %s", (_label, send) => {
  it("reads UTF-8 text within the cap", async () => {
    handler = send('{"name":"café ☕"}');
    await expect(read(100, true)).resolves.toBe('{"name":"café ☕"}');
  });

  it("skips a leading byte-order mark", async () => {
    handler = send("\ufeff[1]");
    await expect(read(100, true)).resolves.toBe("[1]");
  });

  it("reads an empty body", async () => {
    handler = send("");
    await expect(read(100, true)).resolves.toBe("");
  });

  it("fails a success body over the cap", async () => {
    handler = send("x".repeat(5_000));
    expect(await codeOf(read(1_000, true))).toBe(RESPONSE_TOO_LARGE);
  });

  it("reads a body of exactly the cap", async () => {
    handler = send("y".repeat(1_000));
    await expect(read(1_000, true)).resolves.toHaveLength(1_000);
  });
});

describe("readCapped for error bodies", () => {
  it("keeps the first maxBytes of a long chunked body", async () => {
    handler = chunked("a".repeat(600), "b".repeat(600), "c".repeat(600));
    await expect(read(1_000, false)).resolves.toBe(`${"a".repeat(600)}${"b".repeat(400)}`);
  });

  it("keeps the first maxBytes of a long declared body", async () => {
    handler = declared("z".repeat(3_000));
    await expect(read(1_000, false)).resolves.toBe("z".repeat(1_000));
  });
});

describe("readCapped on a broken connection", () => {
  it("rejects when the server closes before the declared length", async () => {
    handler = (res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect(await codeOf(read(1_000, true))).toBe("UND_ERR_SOCKET");
  });

  it("rejects when a chunked body is cut off", async () => {
    handler = (res) => {
      res.writeHead(200);
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect(await codeOf(read(1_000, true))).toBe("UND_ERR_SOCKET");
  });
});
