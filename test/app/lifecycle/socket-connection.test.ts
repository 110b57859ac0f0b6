import { EventEmitter } from "node:events";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { followSocketConnection } from "../../../src/app/lifecycle/socket-connection.js";

describe("followSocketConnection", () => {
  it("is open from Slack's hello until the WebSocket closes, and again after a reconnect", () => {
    const client = new EventEmitter();
    const socket = followSocketConnection(client, pino({ level: "silent" }));
    expect(socket.open).toBe(false);
    client.emit("connecting");
    expect(socket.open).toBe(false);
    client.emit("authenticated");
    expect(socket.open).toBe(false);
    client.emit("connected");
    expect(socket.open).toBe(true);
    // The client's own `close` comes at once; `reconnecting` only after its back-off.
    client.emit("close");
    expect(socket.open).toBe(false);
    client.emit("reconnecting");
    client.emit("connected");
    expect(socket.open).toBe(true);
    client.emit("disconnecting");
    expect(socket.open).toBe(false);
  });
});
