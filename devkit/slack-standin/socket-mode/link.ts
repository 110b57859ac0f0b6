import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { z } from "zod";
import { acceptUpgrade, HandshakeRefused, refuseUpgrade, type ServerWebSocket } from "./websocket.js";

/**
 * Slack's side of Socket Mode: the WebSocket URLs `apps.connections.open` hands out (one use each), the
 * `hello` on each connection, envelopes delivered to the app, and the acknowledgements it sends back,
 * checked as strictly as Slack would and recorded for tests (anything wrong lands in `errors`).
 */

export const LINK_PATH = "/link/";

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export interface EnvelopeToDeliver {
  readonly type: EnvelopeType;
  /** The payload as Slack puts it in the envelope: a command's fields, an interaction, an event callback. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Default: a fresh UUID. */
  readonly envelopeId?: string;
  /**
   * Default as Slack sets it: true for slash commands, view submissions and option loads (their ack
   * carries the answer), false for button clicks and events.
   */
  readonly acceptsResponsePayload?: boolean;
}

export interface RecordedAck {
  readonly envelopeId: string;
  readonly payload?: Readonly<Record<string, unknown>>;
  /** Which connection it came on (1 for the first one opened). */
  readonly connection: number;
  readonly at: number;
}

export interface LinkError {
  readonly message: string;
  /** What the app sent, when the error is about a message. */
  readonly raw?: string;
  readonly at: number;
}

interface Connection {
  readonly id: number;
  readonly socket: ServerWebSocket;
}

interface Delivered {
  readonly envelope: Required<EnvelopeToDeliver>;
  readonly connection: number;
}

/** `{envelope_id, payload?}` and nothing else, as the Socket Mode client sends it. */
const AckSchema = z.strictObject({
  envelope_id: z.string().min(1),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export class SocketModeLink {
  readonly #appId: string;
  readonly #origin: () => string;
  readonly #now: () => number;
  readonly #tickets = new Set<string>();
  readonly #connections = new Map<number, Connection>();
  readonly #delivered = new Map<string, Delivered>();
  readonly #acks: RecordedAck[] = [];
  readonly #errors: LinkError[] = [];
  readonly #waiters = new Set<() => void>();
  #opened = 0;

  constructor(options: {
    readonly appId: string;
    readonly origin: () => string;
    readonly now: () => number;
  }) {
    this.#appId = options.appId;
    this.#origin = options.origin;
    this.#now = options.now;
  }

  /** A WebSocket URL good for one connection, as `apps.connections.open` answers it. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    const base = this.#origin().replace(/^http/, "ws");
    return `${base}${LINK_PATH}?ticket=${ticket}&app_id=${this.#appId}`;
  }

  /** Open connections (Slack's `hello` sent, not closed). */
  get connections(): number {
    return [...this.#connections.values()].filter((c) => c.socket.open).length;
  }

  /** How many connections were ever opened: a reconnect shows as one more. */
  get opened(): number {
    return this.#opened;
  }

  get acks(): readonly RecordedAck[] {
    return this.#acks;
  }

  get errors(): readonly LinkError[] {
    return this.#errors;
  }

  /** Takes an upgrade request on LINK_PATH: a fresh ticket gets a connection and `hello`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://standin");
    const ticket = url.searchParams.get("ticket") ?? "";
    const refuse = (error: HandshakeRefused) => {
      this.#error(`upgrade refused: ${error.message}`);
      if (!socket.destroyed) refuseUpgrade(socket, error.status, error.message);
    };
    if (url.pathname !== LINK_PATH) {
      refuse(new HandshakeRefused(404, "no WebSocket here"));
      return;
    }
    // One use per URL, as Slack's: a client reconnects through apps.connections.open.
    if (!this.#tickets.delete(ticket)) {
      refuse(new HandshakeRefused(401, "unknown or used ticket: call apps.connections.open"));
      return;
    }
    const id = ++this.#opened;
    acceptUpgrade(req, socket, head, {
      text: (message) => this.#receive(id, message),
      closed: () => this.#notify(),
      protocolError: (message) => this.#error(`connection ${id}: ${message}`),
    }).then(
      (ws) => {
        this.#connections.set(id, { id, socket: ws });
        ws.sendText(
          JSON.stringify({
            type: "hello",
            num_connections: this.connections,
            debug_info: { host: "slack-standin", build_number: 1, approximate_connection_time: 18060 },
            connection_info: { app_id: this.#appId },
          }),
        );
        this.#notify();
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefused) this.#error(`upgrade refused: ${error.message}`);
      },
    );
  }

  /**
   * Sends an envelope on the newest open connection (Slack picks any); returns its envelope_id.
   * Throws when no connection is open: there is nobody to deliver to.
   */
  deliver(envelope: EnvelopeToDeliver): string {
    const connection = [...this.#connections.values()].reverse().find((c) => c.socket.open);
    if (!connection) throw new Error("no Socket Mode connection is open");
    const full: Required<EnvelopeToDeliver> = {
      envelopeId: envelope.envelopeId ?? randomUUID(),
      acceptsResponsePayload: envelope.acceptsResponsePayload ?? acceptsResponsePayload(envelope),
      type: envelope.type,
      payload: envelope.payload,
    };
    this.#delivered.set(full.envelopeId, { envelope: full, connection: connection.id });
    connection.socket.sendText(
      JSON.stringify({
        envelope_id: full.envelopeId,
        type: full.type,
        payload: full.payload,
        accepts_response_payload: full.acceptsResponsePayload,
        ...(full.type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
      }),
    );
    return full.envelopeId;
  }

  /** The ack of an envelope, once it has come; rejects after `timeoutMs` (Slack's 3 s by default). */
  ackOf(envelopeId: string, timeoutMs = 3000): Promise<RecordedAck> {
    return this.#waitFor(
      () => this.#acks.find((a) => a.envelopeId === envelopeId),
      timeoutMs,
      `the ack of envelope ${envelopeId}`,
    );
  }

  /** Resolves once `count` connections have been opened in all (1: the first; 2: after a reconnect). */
  waitForConnections(count: number, timeoutMs = 10_000): Promise<number> {
    return this.#waitFor(
      () => (this.#opened >= count && this.connections > 0 ? this.#opened : undefined),
      timeoutMs,
      `${count} Socket Mode connection(s)`,
    );
  }

  /** Drops every connection without a close frame, as a lost network would; returns how many. */
  drop(): number {
    const open = [...this.#connections.values()].filter((c) => c.socket.open);
    for (const c of open) c.socket.drop();
    return open.length;
  }

  /** Slack's routine `disconnect` message (the client is expected to reconnect). */
  askToReconnect(reason: "refresh_requested" | "warning" = "refresh_requested"): void {
    for (const c of this.#connections.values())
      if (c.socket.open) c.socket.sendText(JSON.stringify({ type: "disconnect", reason }));
  }

  close(): void {
    for (const c of this.#connections.values()) c.socket.drop();
  }

  #receive(connection: number, raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.#error("a message that is not JSON", raw);
      return;
    }
    const parsed = AckSchema.safeParse(json);
    if (!parsed.success) {
      this.#error(`not an acknowledgement: ${parsed.error.issues[0]?.message ?? "bad shape"}`, raw);
      return;
    }
    const { envelope_id: envelopeId, payload } = parsed.data;
    const delivered = this.#delivered.get(envelopeId);
    if (!delivered) {
      this.#error(`an ack for unknown envelope ${envelopeId}`, raw);
      return;
    }
    if (this.#acks.some((a) => a.envelopeId === envelopeId)) {
      this.#error(`envelope ${envelopeId} acknowledged twice`, raw);
      return;
    }
    if (delivered.connection !== connection) {
      this.#error(`envelope ${envelopeId} acknowledged on another connection`, raw);
      return;
    }
    if (payload && Object.keys(payload).length > 0 && !delivered.envelope.acceptsResponsePayload)
      this.#error(`envelope ${envelopeId} accepts no response payload; Slack drops it`, raw);
    this.#acks.push({ envelopeId, ...(payload ? { payload } : {}), connection, at: this.#now() });
    this.#notify();
  }

  #error(message: string, raw?: string): void {
    this.#errors.push({ message, ...(raw === undefined ? {} : { raw }), at: this.#now() });
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  #waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const wake = () => {
        const value = probe();
        if (value === undefined) return;
        this.#waiters.delete(wake);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

/** Whether Slack lets the ack answer this envelope (slash commands, view submissions, option loads). */
function acceptsResponsePayload(envelope: EnvelopeToDeliver): boolean {
  if (envelope.type === "slash_commands") return true;
  if (envelope.type !== "interactive") return false;
  return envelope.payload.type === "view_submission" || envelope.payload.type === "block_suggestion";
}
