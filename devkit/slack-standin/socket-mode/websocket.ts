import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/**
 * The server side of RFC 6455, as much as Slack's Socket Mode needs: the opening handshake, text
 * messages (fragmented or not), ping/pong and the closing handshake. Strict like a real server: a client
 * frame that is not masked, uses reserved bits, or breaks the framing rules ends the connection with
 * 1002, and invalid UTF-8 with 1007. No extension is negotiated (permessage-deflate offers are declined).
 */

const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Far above any Socket Mode acknowledgement; a bigger message ends the connection with 1009. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

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

/** Checks an upgrade request as RFC 6455 §4.2.1 asks; returns the Sec-WebSocket-Accept value. */
export function checkHandshake(req: IncomingMessage): string {
  if (req.method !== "GET") throw new HandshakeRefused(405, "the opening handshake must be a GET");
  if (req.headers.upgrade?.toLowerCase() !== "websocket")
    throw new HandshakeRefused(400, "Upgrade: websocket is required");
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.connection ?? ""))
    throw new HandshakeRefused(400, "Connection: Upgrade is required");
  if (req.headers["sec-websocket-version"] !== "13")
    throw new HandshakeRefused(426, "Sec-WebSocket-Version: 13 is required");
  const key = req.headers["sec-websocket-key"] ?? "";
  if (Buffer.from(key, "base64").length !== 16 || !/^[A-Za-z0-9+/]{22}==$/.test(key))
    throw new HandshakeRefused(400, "Sec-WebSocket-Key must be 16 bytes in base64");
  return createHash("sha1").update(`${key}${HANDSHAKE_GUID}`).digest("base64");
}

/** Answers an upgrade request with an HTTP error and drops the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Refused"}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Completes the handshake (see checkHandshake) and speaks WebSocket on `socket` from then on. */
export function acceptUpgrade(
  socket: Duplex,
  accept: string,
  head: Buffer,
  handlers: WebSocketHandlers,
): ServerWebSocket {
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  return new ServerWebSocket(socket, head, handlers);
}

export class ServerWebSocket {
  readonly #socket: Duplex;
  readonly #handlers: WebSocketHandlers;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] | undefined;
  #closeSent = false;
  #closed = false;

  constructor(socket: Duplex, head: Buffer, handlers: WebSocketHandlers) {
    this.#socket = socket;
    this.#handlers = handlers;
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("error", () => undefined); // `close` follows, and says the rest
    socket.on("close", () => this.#ended({ clean: false }));
    if (head.length > 0) this.#receive(head);
  }

  /** Open for messages: no close frame sent or received, the socket still up. */
  get open(): boolean {
    return !this.#closeSent && !this.#closed;
  }

  sendText(text: string): void {
    if (!this.open) throw new Error("the WebSocket is not open");
    this.#socket.write(frame(OPCODE.text, Buffer.from(text, "utf8")));
  }

  /** The closing handshake: a close frame, then the socket ends once the peer answers (or in 1 s). */
  close(code = 1000, reason = ""): void {
    if (!this.open) return;
    this.#closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2, "utf8");
    this.#socket.write(frame(OPCODE.close, payload));
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  /** Drops the TCP connection without a close frame, as a network failure or a dead host would. */
  drop(): void {
    this.#socket.destroy();
  }

  #ended(info: { readonly code?: number; readonly clean: boolean }): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.closed(info);
  }

  #fail(code: number, message: string): void {
    this.#handlers.protocolError(message);
    this.close(code, message.slice(0, 120));
    this.#socket.end();
    this.#ended({ code, clean: false });
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (!this.#closed) {
      const parsed = parseFrame(this.#buffer);
      if (parsed === undefined) return;
      if ("error" in parsed) {
        this.#fail(parsed.code, parsed.error);
        return;
      }
      this.#buffer = this.#buffer.subarray(parsed.length);
      this.#handle(parsed.fin, parsed.opcode, parsed.payload);
    }
  }

  #handle(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OPCODE.close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#socket.write(frame(OPCODE.close, payload.subarray(0, 2)));
        }
        this.#socket.end();
        this.#ended({ ...(code === undefined ? {} : { code }), clean: true });
        return;
      }
      case OPCODE.ping:
        if (!this.#closeSent) this.#socket.write(frame(OPCODE.pong, payload));
        return;
      case OPCODE.pong:
        return;
      case OPCODE.text:
      case OPCODE.binary:
        if (this.#fragments) {
          this.#fail(1002, "a new message began before the last one ended");
          return;
        }
        if (opcode === OPCODE.binary) {
          this.#fail(1003, "binary messages are not accepted");
          return;
        }
        this.#fragments = [payload];
        break;
      case OPCODE.continuation:
        if (!this.#fragments) {
          this.#fail(1002, "a continuation frame with no message to continue");
          return;
        }
        this.#fragments.push(payload);
        break;
      default: {
        this.#fail(1002, `unknown opcode ${opcode}`);
        return;
      }
    }
    const size = this.#fragments.reduce((sum, part) => sum + part.length, 0);
    if (size > MAX_MESSAGE_BYTES) {
      this.#fail(1009, `a message over ${MAX_MESSAGE_BYTES} bytes`);
      return;
    }
    if (!fin) return;
    const whole = Buffer.concat(this.#fragments);
    this.#fragments = undefined;
    let text: string;
    try {
      text = this.#decoder.decode(whole);
    } catch {
      this.#fail(1007, "a text message that is not UTF-8");
      return;
    }
    this.#handlers.text(text);
  }
}

type Parsed =
  | { readonly fin: boolean; readonly opcode: number; readonly payload: Buffer; readonly length: number }
  | { readonly error: string; readonly code: number };

/** One client frame from the front of `buffer`; undefined until all of it has arrived. */
function parseFrame(buffer: Buffer): Parsed | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0] ?? 0;
  const second = buffer[1] ?? 0;
  const fin = (first & 0x80) !== 0;
  const opcode = first & 0x0f;
  if ((first & 0x70) !== 0) return { error: "reserved bits set, and no extension was agreed", code: 1002 };
  if ((second & 0x80) === 0) return { error: "a client frame that is not masked", code: 1002 };
  let length = second & 0x7f;
  let offset = 2;
  if (opcode >= 0x8 && (!fin || length > 125))
    return { error: "a control frame fragmented or over 125 bytes", code: 1002 };
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    const big = buffer.readBigUInt64BE(2);
    if (big > BigInt(MAX_MESSAGE_BYTES)) return { error: "a frame too big to accept", code: 1009 };
    length = Number(big);
    offset = 10;
  }
  const end = offset + 4 + length;
  if (buffer.length < end) return undefined;
  const mask = buffer.subarray(offset, offset + 4);
  const payload = Buffer.from(buffer.subarray(offset + 4, end));
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return { fin, opcode, payload, length: end };
}

/** A server frame: final, unmasked (RFC 6455 §5.1: a server never masks). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = length;
  else if (length < 0x10000) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}
