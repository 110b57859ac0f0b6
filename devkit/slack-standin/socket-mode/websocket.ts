import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * The WebSocket side of Socket Mode, on the `ws` package: it does the opening handshake and the framing
 * as strictly as a real server (an unmasked client frame, reserved bits or a broken fragment end the
 * connection with 1002, invalid UTF-8 with 1007, a message past the limit with 1009), answers pings and
 * declines compression, as Slack's endpoint does.
 */

/** Far above any Socket Mode acknowledgement; a bigger message ends the connection with 1009. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface WebSocketHandlers {
  text(message: string): void;
  /** The connection is gone: `code` from the peer's close frame, absent when the TCP socket just ended. */
  closed(info: { readonly code?: number; readonly clean: boolean }): void;
  /** The peer broke the protocol (the connection is then closed). */
  protocolError(message: string): void;
}

/** Why an upgrade request is refused, with the HTTP status to answer. */
export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HandshakeRefused";
  }
}

/** Answers an upgrade request with an HTTP error and drops the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Refused"}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const server = new WebSocketServer({
  noServer: true,
  maxPayload: MAX_MESSAGE_BYTES,
  perMessageDeflate: false,
});

/**
 * Completes the handshake and speaks WebSocket on `socket` from then on. Resolves once the connection
 * is open; a handshake that breaks RFC 6455 is answered 400 by `ws` and rejects.
 */
export function acceptUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handlers: WebSocketHandlers,
): Promise<ServerWebSocket> {
  return new Promise((resolve, reject) => {
    socket.once("close", () => reject(new HandshakeRefused(400, "the opening handshake was refused")));
    server.handleUpgrade(req, socket, head, (ws) => resolve(new ServerWebSocket(ws, handlers)));
  });
}

export class ServerWebSocket {
  readonly #ws: WebSocket;
  #closed = false;

  constructor(ws: WebSocket, handlers: WebSocketHandlers) {
    this.#ws = ws;
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        handlers.protocolError("a binary message (Socket Mode speaks JSON text)");
        ws.close(1003, "binary messages are not accepted");
        return;
      }
      handlers.text(
        Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(data as Buffer[]).toString("utf8"),
      );
    });
    // Framing errors come here first (ws then closes with the code RFC 6455 asks for).
    ws.on("error", (error) => handlers.protocolError(protocolMessage(error)));
    ws.on("close", (code) => {
      if (this.#closed) return;
      this.#closed = true;
      handlers.closed(code === 1005 || code === 1006 ? { clean: false } : { code, clean: true });
    });
  }

  /** Open for messages: no close frame sent or received, the socket still up. */
  get open(): boolean {
    return !this.#closed && this.#ws.readyState === this.#ws.OPEN;
  }

  sendText(text: string): void {
    if (!this.open) throw new Error("the WebSocket is not open");
    this.#ws.send(text);
  }

  /** The closing handshake: a close frame, then the socket ends once the peer answers. */
  close(code = 1000, reason = ""): void {
    if (this.open) this.#ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame, as a network failure or a dead host would. */
  drop(): void {
    this.#ws.terminate();
  }
}

/** `ws`'s framing errors in the words of the rule broken. */
function protocolMessage(error: Error): string {
  const code = (error as Error & { code?: string }).code;
  if (code === "WS_ERR_EXPECTED_MASK") return "a client frame that is not masked";
  if (code === "WS_ERR_INVALID_UTF8") return "a text message that is not UTF-8";
  if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return "a message over the size limit";
  return error.message;
}
