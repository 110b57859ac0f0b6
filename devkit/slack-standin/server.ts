import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { answerFault, FaultQueue, type Sent, spoilAnswer, spoilsAnswer } from "./faults.js";
import { METHODS, receiveUpload, SlackApiFailure, UPLOAD_PATH } from "./methods/index.js";
import { RateLimiter } from "./rate-limit.js";
import { handleResponseUrl, RESPONSE_PREFIX } from "./response-url.js";
import { LINK_PATH, SocketModeLink } from "./socket-mode/link.js";
import { refuseUpgrade } from "./socket-mode/websocket.js";
import { Workspace } from "./state.js";
import type {
  EphemeralMessage,
  Fault,
  RecordedCall,
  RecordedResponse,
  StandInIdentity,
  StandInListener,
  StandInOptions,
  StoredFile,
  StoredMessage,
  StoredView,
} from "./types.js";
import { BodyTooLargeError, parseArgs, parseMultipart, readBody, sendJson } from "./wire.js";

export interface SlackStandIn {
  /** Base for WebClient's `slackApiUrl`: `http://127.0.0.1:<port>/api/`. */
  readonly url: string;
  readonly origin: string;
  /** The bot token, the only one the Web API methods accept. */
  readonly token: string;
  /** The app-level token (`xapp-…`), the only one `apps.connections.open` accepts. */
  readonly appToken: string;
  /** Socket Mode: the connections opened with `apps.connections.open`, envelopes out, acks back. */
  readonly socketMode: SocketModeLink;
  readonly identity: StandInIdentity;
  /** Every Web API call so far, oldest first (a live array). */
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  clearCalls(): void;
  /** What a channel shows: top-level messages and broadcast thread replies. DMs to `U1` are kept under `D1`. */
  messages(channel: string): StoredMessage[];
  thread(channel: string, threadTs: string): StoredMessage[];
  ephemerals(): EphemeralMessage[];
  views(): StoredView[];
  view(id: string): StoredView | undefined;
  files(): StoredFile[];
  responses(): RecordedResponse[];
  /** A trigger_id good for one views.open/push within the TTL; `viewId` marks it as coming from a modal. */
  issueTriggerId(context?: { user?: string; viewId?: string }): string;
  /** A response_url served by this stand-in (5 uses, 30 minutes), recorded in `responses()`. */
  issueResponseUrl(context?: { channel?: string; user?: string }): string;
  /** Fails the next `times` calls of `method` (`"*"` for any; `"upload"` and `"response"` for those URLs). */
  inject(method: string, fault: Fault, times?: number): void;
  clearFaults(): void;
  subscribe(listener: StandInListener): () => void;
  close(): Promise<void>;
}

/** What a Web API call was answered with; `sent` when a fault already wrote (or dropped) the response. */
interface Answer extends Sent {
  readonly headers?: Readonly<Record<string, string>>;
  readonly sent?: boolean;
}

const API_PREFIX = "/api/";
const API_BODY_LIMIT = 2 * 1024 * 1024;
const UPLOAD_BODY_LIMIT = 50 * 1024 * 1024;
const CONNECTIONS_OPEN = "apps.connections.open";

/** Starts a local stand-in for Slack's Web API on a real socket (127.0.0.1, port 0 unless told). */
export async function startSlackStandIn(options: StandInOptions = {}): Promise<SlackStandIn> {
  const token = options.token ?? "xoxb-standin-token";
  const appToken = options.appToken ?? "xapp-1-standin-app-token";
  const ws = new Workspace(options);
  const link = new SocketModeLink({
    appId: ws.identity.appId,
    origin: () => ws.origin,
    now: () => ws.now(),
  });
  const faults = new FaultQueue();
  const limiter = options.rateLimits
    ? new RateLimiter(options.rateLimits === true ? {} : options.rateLimits)
    : undefined;
  // A Map, so that a "method" such as `toString` cannot reach Object.prototype.
  const methods = new Map(Object.entries(METHODS));
  const calls: RecordedCall[] = [];

  function record(method: string, args: Record<string, unknown>, { status, body }: Sent): void {
    const { token: _token, ...safeArgs } = args;
    const call: RecordedCall = {
      seq: calls.length + 1,
      method,
      args: safeArgs,
      at: ws.now(),
      status,
      response: body,
    };
    calls.push(call);
    ws.emit({ type: "call", call });
  }

  /** Auth, injected faults, rate limits, then the method; everything but a thrown bug is an answer. */
  async function callMethod(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    args: Record<string, unknown>,
  ): Promise<Answer> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer === undefined) return { status: 200, body: { ok: false, error: "not_authed" } };
    // Each token opens its own door: the app-level token only apps.connections.open, the bot token the rest.
    const expected = method === CONNECTIONS_OPEN ? appToken : token;
    if (bearer !== expected) {
      const known = bearer === token || bearer === appToken;
      return { status: 200, body: { ok: false, error: known ? "not_allowed_token_type" : "invalid_auth" } };
    }
    const fault = faults.take(method);
    const faulted = fault && (await answerFault(fault, req, res));
    if (faulted) return { ...faulted, sent: true };
    const answer = answerCall(method, args);
    // The call was carried out; only what the client hears of it is spoilt.
    if (fault && spoilsAnswer(fault) && answer.status === 200)
      return { ...(await spoilAnswer(fault, res, answer)), sent: true };
    return answer;
  }

  /** Rate limits, then the method itself. */
  function answerCall(method: string, args: Record<string, unknown>): Answer {
    const retryAfter = limiter?.take(method, args, ws.now());
    if (retryAfter !== undefined) {
      return {
        status: 429,
        body: { ok: false, error: "ratelimited" },
        headers: { "retry-after": String(retryAfter) },
      };
    }
    if (method === CONNECTIONS_OPEN) return { status: 200, body: { ok: true, url: link.issueUrl() } };
    const handler = methods.get(method);
    if (!handler) return { status: 200, body: { ok: false, error: "unknown_method" } };
    try {
      return { status: 200, body: handler(args, ws) };
    } catch (err) {
      if (!(err instanceof SlackApiFailure)) throw err;
      return { status: 200, body: { ok: false, error: err.error, ...err.extra } };
    }
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ) {
    const raw = await readBody(req, API_BODY_LIMIT);
    let args: Record<string, unknown> = {};
    let result: Answer;
    try {
      args = await parseArgs(req.headers["content-type"], raw, query);
      result = await callMethod(req, res, method, args);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const json = req.headers["content-type"]?.startsWith("application/json");
      result = { status: 200, body: { ok: false, error: json ? "invalid_json" : "invalid_form_data" } };
    }
    record(method, args, result);
    if (!result.sent) sendJson(res, result.status, result.body, result.headers);
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string) {
    const raw = await readBody(req, UPLOAD_BODY_LIMIT);
    const fault = faults.take("upload");
    if (fault && (await answerFault(fault, req, res))) return;
    const type = req.headers["content-type"] ?? "";
    // web-api sends the bytes as a multipart file part; curl-style callers send them raw.
    const bytes = type.startsWith("multipart/form-data")
      ? Object.values(await parseMultipart(type, raw)).find((v): v is Buffer => Buffer.isBuffer(v))
      : raw;
    if (!bytes || !receiveUpload(ws, fileId, bytes)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("file_not_found");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${bytes.length}`);
  }

  async function handleResponse(req: IncomingMessage, res: ServerResponse, id: string) {
    const raw = await readBody(req, API_BODY_LIMIT);
    const fault = faults.take("response");
    if (fault && (await answerFault(fault, req, res))) return;
    const answer = handleResponseUrl(ws, id, raw);
    if (fault && spoilsAnswer(fault)) await spoilAnswer(fault, res, answer);
    else sendJson(res, answer.status, answer.body);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", ws.origin);
    const path = url.pathname;
    const isApi = path.startsWith(API_PREFIX);
    if (req.method !== "POST" && !(req.method === "GET" && isApi)) {
      return sendJson(res, 405, { ok: false, error: "method_not_allowed" });
    }
    if (isApi) return handleApi(req, res, path.slice(API_PREFIX.length), url.searchParams);
    if (path.startsWith(UPLOAD_PATH)) return handleUpload(req, res, path.slice(UPLOAD_PATH.length));
    if (path.startsWith(RESPONSE_PREFIX)) return handleResponse(req, res, path.slice(RESPONSE_PREFIX.length));
    sendJson(res, 404, { ok: false, error: "not_found" });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      if (err instanceof BodyTooLargeError)
        return sendJson(res, 413, { ok: false, error: "request_too_large" });
      sendJson(res, 500, { ok: false, error: "internal_error", detail: String(err) });
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? "/", ws.origin).pathname === LINK_PATH) link.handleUpgrade(req, socket, head);
    else refuseUpgrade(socket, 404, "no WebSocket here");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  ws.origin = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;

  return {
    url: `${ws.origin}${API_PREFIX}`,
    origin: ws.origin,
    token,
    appToken,
    socketMode: link,
    identity: ws.identity,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    clearCalls: () => {
      calls.length = 0;
    },
    messages: (channel) => ws.messages(channel),
    thread: (channel, ts) => ws.thread(channel, ts),
    ephemerals: () => ws.ephemerals(),
    views: () => ws.views(),
    view: (id) => ws.view(id),
    files: () => ws.files(),
    responses: () => ws.responses(),
    issueTriggerId: (context) => ws.issueTriggerId(context),
    issueResponseUrl: (context) => ws.issueResponseUrl(context),
    inject: (method, fault, times) => faults.inject(method, fault, times),
    clearFaults: () => faults.clear(),
    subscribe: (listener) => ws.subscribe(listener),
    close: () =>
      new Promise<void>((resolve, reject) => {
        link.close();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
