import { connect } from "node:net";
import { WebSocket } from "undici";
import { describe, expect, it } from "vitest";
import type { SlackStandIn } from "../../../devkit/slack-standin/index.js";
import { clientFor, slackError, standInPerTest } from "../../helpers/standin-client.js";
import { until } from "../../restart/bot-process.js";

const start = standInPerTest();

async function openUrl(standIn: SlackStandIn): Promise<string> {
  const answer = await clientFor(standIn, {}, standIn.appToken).apps.connections.open({});
  expect(answer.ok).toBe(true);
  return String(answer.url);
}

/** A WebSocket client (undici's, as @slack/socket-mode uses) that keeps what it receives. */
async function connectClient(url: string) {
  const received: Record<string, unknown>[] = [];
  const socket = new WebSocket(url);
  socket.addEventListener("message", (event) => received.push(JSON.parse(String(event.data))));
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (e) => resolve(e.code)));
  await until(() => (received.some((m) => m.type === "hello") ? true : undefined), "hello", 3000);
  return { socket, received, closed };
}

describe("apps.connections.open", () => {
  it("takes only the app-level token, as Slack does", async () => {
    const standIn = await start();
    expect(await openUrl(standIn)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f-]{36}&app_id=A/);
    const open = (token: string | null) => clientFor(standIn, {}, token).apps.connections.open({});
    expect(await slackError(open(standIn.token))).toBe("not_allowed_token_type");
    expect(await slackError(open("xapp-1-someone-else"))).toBe("invalid_auth");
    expect(await slackError(open(null))).toBe("not_authed");
    // And the app-level token opens nothing else.
    expect(await slackError(clientFor(standIn, {}, standIn.appToken).auth.test())).toBe(
      "not_allowed_token_type",
    );
  });
});

describe("the Socket Mode WebSocket", () => {
  it("says hello, delivers envelopes, and records their acks", async () => {
    const standIn = await start();
    const client = await connectClient(await openUrl(standIn));
    expect(client.received[0]).toMatchObject({ type: "hello", num_connections: 1 });
    expect(standIn.socketMode.connections).toBe(1);

    const id = standIn.socketMode.deliver({
      type: "slash_commands",
      payload: { command: "/ops", text: "help" },
    });
    await until(() => (client.received.length === 2 ? true : undefined), "the envelope", 3000);
    expect(client.received[1]).toEqual({
      envelope_id: id,
      type: "slash_commands",
      payload: { command: "/ops", text: "help" },
      accepts_response_payload: true,
    });
    client.socket.send(JSON.stringify({ envelope_id: id, payload: { text: "ok" } }));
    expect(await standIn.socketMode.ackOf(id)).toMatchObject({
      envelopeId: id,
      payload: { text: "ok" },
      connection: 1,
    });
    expect(standIn.socketMode.errors).toEqual([]);
    client.socket.close();
  });

  it("records what a real Slack would refuse: unknown envelopes, double acks, wrong shapes, payloads nobody reads", async () => {
    const standIn = await start();
    const client = await connectClient(await openUrl(standIn));
    const click = standIn.socketMode.deliver({ type: "interactive", payload: { type: "block_actions" } });
    client.socket.send(JSON.stringify({ envelope_id: "no-such-envelope" }));
    client.socket.send(JSON.stringify({ envelope_id: click, payload: {}, extra: true }));
    client.socket.send("not json");
    client.socket.send(JSON.stringify({ envelope_id: click, payload: { text: "ignored by Slack" } }));
    client.socket.send(JSON.stringify({ envelope_id: click }));
    await until(() => (standIn.socketMode.errors.length >= 5 ? true : undefined), "five errors", 3000);
    expect(standIn.socketMode.errors.map((e) => e.message)).toEqual([
      "an ack for unknown envelope no-such-envelope",
      expect.stringContaining("not an acknowledgement"),
      "a message that is not JSON",
      `envelope ${click} accepts no response payload; Slack drops it`,
      `envelope ${click} acknowledged twice`,
    ]);
    expect(standIn.socketMode.acks).toHaveLength(1);
    client.socket.close();
  });

  it("takes each URL once, and a dropped connection is seen by the client", async () => {
    const standIn = await start();
    const url = await openUrl(standIn);
    const client = await connectClient(url);
    const again = new WebSocket(url);
    const refused = await new Promise<string>((resolve) => {
      again.addEventListener("error", () => resolve("error"));
      again.addEventListener("open", () => resolve("open"));
    });
    expect(refused).toBe("error");
    expect(standIn.socketMode.errors.map((e) => e.message)).toContain(
      "upgrade refused: unknown or used ticket: call apps.connections.open",
    );
    expect(standIn.socketMode.drop()).toBe(1);
    expect(await client.closed).toBe(1006);
    expect(standIn.socketMode.connections).toBe(0);
    expect(() => standIn.socketMode.deliver({ type: "events_api", payload: {} })).toThrow(
      /no Socket Mode connection/,
    );
  });

  it("ends a connection whose client sends an unmasked frame (1002), answering pings on the way", async () => {
    const standIn = await start();
    const url = new URL(await openUrl(standIn));
    const socket = connect(Number(url.port), url.hostname);
    let bytes = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
    });
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await until(() => (bytes.includes("hello") ? true : undefined), "hello", 3000);
    // RFC 6455's own example key and answer.
    expect(bytes.toString("latin1")).toContain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    const masked = Buffer.from([0x89, 0x82, 1, 2, 3, 4, "h".charCodeAt(0) ^ 1, "i".charCodeAt(0) ^ 2]);
    const before = bytes.length;
    socket.write(masked);
    await until(() => (bytes.length > before ? true : undefined), "the pong", 3000);
    expect([...bytes.subarray(before)]).toEqual([0x8a, 2, "h".charCodeAt(0), "i".charCodeAt(0)]);
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi", unmasked
    await ended;
    expect(standIn.socketMode.errors.map((e) => e.message)).toEqual([
      "connection 1: a client frame that is not masked",
    ]);
    const close = bytes.subarray(before + 4);
    expect(close[0]).toBe(0x88);
    expect(close.readUInt16BE(2)).toBe(1002);
  });
});
