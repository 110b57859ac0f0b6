import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Endpoint } from "../../src/api/endpoint.js";
import { placeholdersOf } from "../../src/api/path.js";
import { type Fault, FaultInjector, type FaultInput } from "./faults.js";

/**
 * A small HTTP server for simulating a backend: Express-style routes (`/v1/task/state/:id`, one decoded
 * segment per parameter), strict body parsing, a request log, fault injection and a clock whose speed
 * can be changed. Control endpoints live under `/__sim/` and are never subject to faults.
 */

export interface SimRequest {
  readonly method: string;
  /** Raw path as received, without the query string. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  /** Parses a JSON body; answers 400 (or 415 for another content type) when it is not one. */
  json(): unknown;
  /** Parses a multipart/form-data or urlencoded body into text fields; 400/415 otherwise. */
  form(): Promise<Record<string, string>>;
}

export interface SimResponse {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as is with `text/plain` instead of JSON. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Thrown by handlers to answer an error in the backend's own format. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
  readonly at: number;
}

/** What a route needs of an endpoint description (src/api): its method and default path template. */
export type SimulatedEndpoint = Pick<Endpoint, "method" | "path">;

/**
 * The router's pattern for a path template of the API layer (syntax in src/api/path.ts): `{name}` and
 * `{name*}` both become `:name`, one segment, since a `{name*}` value is sent with its `/` as `%2F`
 * and the router decodes it back. A placeholder must fill a whole segment.
 */
export function routePattern(template: string): string {
  const placeholders = new Map(placeholdersOf(template).map((p) => [`{${p.name}${p.multi ? "*" : ""}}`, p]));
  return template
    .split("/")
    .map((segment) => {
      const placeholder = placeholders.get(segment);
      if (placeholder) return `:${placeholder.name}`;
      if (/[{}]/.test(segment))
        throw new Error(`path template ${template}: a placeholder must be a whole segment`);
      // The router would take it for a parameter.
      if (segment.startsWith(":")) throw new Error(`path template ${template}: a segment starts with ':'`);
      return segment;
    })
    .join("/");
}

/** Simulated time: real time since start, multiplied by `speed`; tests may move it forward. */
export class SimClock {
  #speed: number;
  #offsetMs = 0;
  #base: number;
  #baseReal: number;

  constructor(speed = 1) {
    this.#speed = speed;
    this.#base = Date.now();
    this.#baseReal = Date.now();
  }

  now(): number {
    return this.#base + (Date.now() - this.#baseReal) * this.#speed + this.#offsetMs;
  }

  get speed(): number {
    return this.#speed;
  }

  setSpeed(speed: number): void {
    this.#base = this.now() - this.#offsetMs;
    this.#baseReal = Date.now();
    this.#speed = speed;
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

/** The state a timed process is in after `elapsedMs`: the last phase whose `afterMs` has passed. */
export function phaseAt<S extends string>(
  elapsedMs: number,
  phases: readonly { state: S; afterMs: number }[],
): S {
  let current = phases[0]?.state;
  for (const phase of phases) if (elapsedMs >= phase.afterMs) current = phase.state;
  if (current === undefined) throw new Error("phaseAt needs at least one phase");
  return current;
}

export interface SimServerOptions {
  readonly name: string;
  /** The backend's error body for a status and message. */
  readonly errorBody: (status: number, message: string, extra: Readonly<Record<string, unknown>>) => unknown;
  readonly clock?: SimClock;
  readonly maxBodyBytes?: number;
  readonly random?: () => number;
  /** Called by `POST /__sim/reset` to drop the simulator's state. */
  readonly onReset?: () => void;
}

/** A registered route: its method and router pattern (`/v1/task/state/:id`). */
export interface SimRoute {
  readonly method: string;
  readonly template: string;
}

interface Route extends SimRoute {
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

const MAX_RECORDED = 1_000;

export class SimServer {
  readonly name: string;
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  readonly #routes: Route[] = [];
  readonly #options: SimServerOptions;
  readonly #recorded: RecordedRequest[] = [];
  #server: Server | undefined;
  #url = "";

  constructor(options: SimServerOptions) {
    this.name = options.name;
    this.#options = options;
    this.clock = options.clock ?? new SimClock();
    this.faults = new FaultInjector(options.random);
  }

  route(method: string, template: string, handler: RouteHandler): this {
    this.#routes.push({
      method: method.toUpperCase(),
      template,
      segments: template.split("/").slice(1),
      handler,
    });
    return this;
  }

  /**
   * Serves an endpoint the API layer describes: the route's method and path come from its description,
   * under `prefix` when the backend is served below a base path.
   */
  serve(endpoint: SimulatedEndpoint, handler: RouteHandler, prefix = ""): this {
    return this.route(endpoint.method, prefix + routePattern(endpoint.path), handler);
  }

  /** The registered routes, in order (the control endpoints under `/__sim/` are not routes). */
  get routes(): readonly SimRoute[] {
    return this.#routes.map(({ method, template }) => ({ method, template }));
  }

  /**
   * The route a request would reach (`path` as sent, without the query string), or undefined when the
   * router itself would answer it: 404 for no route, 405 for another method, 400 for a malformed path.
   */
  resolve(method: string, path: string): SimRoute | undefined {
    const match = this.#match(method.toUpperCase(), path);
    return typeof match === "string"
      ? undefined
      : { method: match.route.method, template: match.route.template };
  }

  /** Requests received (newest last), control endpoints excluded. */
  get requests(): readonly RecordedRequest[] {
    return this.#recorded;
  }

  clearRequests(): void {
    this.#recorded.length = 0;
  }

  setFaults(faults: readonly FaultInput[]): void {
    this.faults.set(faults);
  }

  get url(): string {
    if (!this.#url) throw new Error(`${this.name} simulator is not listening`);
    return this.#url;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          this.#send(res, { status: 500, body: this.#options.errorBody(500, String(error), {}) });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.#url = `http://${shownHost}:${address.port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? "" : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? "GET").toUpperCase();
    const rawBody = await readBody(req, this.#options.maxBodyBytes ?? 1024 * 1024);
    if (rawBody === undefined) {
      this.#send(res, { status: 413, body: this.#options.errorBody(413, "request body too large", {}) });
      return;
    }
    if (path.startsWith("/__sim/")) {
      this.#send(res, this.#control(method, path, rawBody));
      return;
    }

    const faults = this.faults.take(method, path);
    let response: SimResponse;
    const latency = faults.filter((f) => f.kind === "latency").reduce((sum, f) => sum + f.latencyMs, 0);
    if (latency > 0) await delay(latency);
    const fault = faults.find((f) => f.kind !== "latency");
    if (fault && (await this.#applyTransportFault(fault, res))) {
      this.#record(method, rawUrl, req.headers, rawBody, 0);
      return;
    }
    if (fault?.kind === "error") {
      response = {
        status: fault.status,
        body: this.#options.errorBody(fault.status, fault.message ?? "injected failure", {}),
      };
    } else if (fault?.kind === "rate_limit") {
      response = {
        status: 429,
        body: this.#options.errorBody(429, "too many requests", {}),
        headers: { "retry-after": String(fault.retryAfterSeconds) },
      };
    } else {
      response = await this.#dispatch(method, path, query, req.headers, rawBody);
      if (fault?.kind === "wrong_shape" && response.status < 300)
        response = { status: response.status, body: fault.body ?? { unexpected: true } };
    }
    this.#record(method, rawUrl, req.headers, rawBody, response.status);
    if (fault?.kind === "slow_body") await this.#sendSlowly(res, response, fault.latencyMs);
    else this.#send(res, response);
  }

  /** Faults that break the connection itself; true when the response was taken over. */
  async #applyTransportFault(fault: Fault, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case "reset":
        res.socket?.resetAndDestroy();
        return true;
      case "malformed_json":
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "truncated", ');
        return true;
      case "truncated_body": {
        const body = JSON.stringify({ padding: "x".repeat(2048) });
        res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
        res.write(body.slice(0, body.length / 2));
        await delay(20);
        res.socket?.destroy();
        return true;
      }
      default:
        return false;
    }
  }

  async #dispatch(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    rawBody: Buffer,
  ): Promise<SimResponse> {
    const match = this.#match(method, path);
    if (match === "malformed") return this.#error(400, "malformed percent-encoding in the path");
    if (match === "wrong-method") return this.#error(405, `method ${method} not allowed`);
    if (match === "none") return this.#error(404, `no route for ${path}`);
    const request: SimRequest = {
      method,
      path,
      params: match.params,
      query,
      headers,
      rawBody,
      json: () => parseJson(headers, rawBody),
      form: () => parseForm(headers, rawBody, method, path),
    };
    try {
      return await match.route.handler(request);
    } catch (error) {
      if (error instanceof SimHttpError) return this.#error(error.status, error.message, error.extra);
      throw error;
    }
  }

  /**
   * The first route matching the path and the method. A malformed parameter in the first route whose
   * path matches is a 400; a path served only under other methods is a 405.
   */
  #match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | "malformed" | "wrong-method" | "none" {
    const rawSegments = path.split("/").slice(1);
    let methodMismatch = false;
    for (const route of this.#routes) {
      const params = matchRoute(route.segments, rawSegments);
      if (params === undefined) continue;
      if (params === null) return "malformed";
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params };
    }
    return methodMismatch ? "wrong-method" : "none";
  }

  #error(status: number, message: string, extra: Readonly<Record<string, unknown>> = {}): SimResponse {
    return { status, body: this.#options.errorBody(status, message, extra) };
  }

  #control(method: string, path: string, rawBody: Buffer): SimResponse {
    const body = () => (rawBody.length ? (JSON.parse(rawBody.toString("utf8")) as unknown) : undefined);
    try {
      if (path === "/__sim/health" && method === "GET")
        return { status: 200, body: { ok: true, name: this.name } };
      if (path === "/__sim/faults" && method === "PUT") {
        const faults = body();
        this.faults.set(Array.isArray(faults) ? (faults as FaultInput[]) : [faults as FaultInput]);
        return { status: 204 };
      }
      if (path === "/__sim/faults" && method === "DELETE") {
        this.faults.clear();
        return { status: 204 };
      }
      if (path === "/__sim/requests" && method === "GET") return { status: 200, body: this.#recorded };
      if (path === "/__sim/requests" && method === "DELETE") {
        this.clearRequests();
        return { status: 204 };
      }
      if (path === "/__sim/speed" && method === "PUT") {
        const speed = Number((body() as { speed?: unknown } | undefined)?.speed);
        if (!Number.isFinite(speed) || speed <= 0)
          return { status: 400, body: { error: "speed must be > 0" } };
        this.clock.setSpeed(speed);
        return { status: 204 };
      }
      if (path === "/__sim/reset" && method === "POST") {
        this.faults.clear();
        this.clearRequests();
        this.#options.onReset?.();
        return { status: 204 };
      }
    } catch (error) {
      return { status: 400, body: { error: String(error) } };
    }
    return { status: 404, body: { error: "unknown control endpoint" } };
  }

  #record(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, status: number): void {
    this.#recorded.push({
      method,
      url,
      headers,
      body: body.toString("utf8").slice(0, 16_384),
      status,
      at: Date.now(),
    });
    if (this.#recorded.length > MAX_RECORDED) this.#recorded.shift();
  }

  #send(res: ServerResponse, response: SimResponse): void {
    const { payload, contentType } = serialise(response);
    const headers: Record<string, string> = { ...response.headers };
    if (payload !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  async #sendSlowly(res: ServerResponse, response: SimResponse, stepMs: number): Promise<void> {
    const { payload, contentType } = serialise(response);
    const data = Buffer.from(payload ?? "");
    res.writeHead(response.status, {
      ...response.headers,
      "content-type": contentType,
      "content-length": String(data.length),
    });
    for (let i = 0; i < data.length && !res.destroyed; i++) {
      res.write(data.subarray(i, i + 1));
      await delay(stepMs);
    }
    res.end();
  }
}

function serialise(response: SimResponse): { payload: string | undefined; contentType: string } {
  if (response.text !== undefined)
    return { payload: response.text, contentType: "text/plain; charset=utf-8" };
  if (response.body === undefined) return { payload: undefined, contentType: "application/json" };
  return { payload: JSON.stringify(response.body), contentType: "application/json" };
}

/** undefined: no match; null: matched but a parameter has bad percent-encoding. */
function matchRoute(
  template: readonly string[],
  raw: readonly string[],
): Record<string, string> | undefined | null {
  if (template.length !== raw.length) return undefined;
  const params: Record<string, string> = {};
  let malformed = false;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] ?? "";
    const r = raw[i] ?? "";
    if (t.startsWith(":")) {
      if (r === "") return undefined;
      try {
        params[t.slice(1)] = decodeURIComponent(r);
      } catch {
        malformed = true;
      }
    } else if (t !== r) return undefined;
  }
  return malformed ? null : params;
}

function mediaType(headers: IncomingHttpHeaders): string {
  return (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function parseJson(headers: IncomingHttpHeaders, rawBody: Buffer): unknown {
  if (rawBody.length === 0) throw new SimHttpError(400, "a JSON body is required");
  if (mediaType(headers) !== "application/json")
    throw new SimHttpError(415, "Content-Type must be application/json");
  try {
    return JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw new SimHttpError(400, "the body is not valid JSON");
  }
}

async function parseForm(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  method: string,
  path: string,
): Promise<Record<string, string>> {
  const type = mediaType(headers);
  if (type !== "multipart/form-data" && type !== "application/x-www-form-urlencoded")
    throw new SimHttpError(
      415,
      "Content-Type must be multipart/form-data or application/x-www-form-urlencoded",
    );
  let form: FormData;
  try {
    form = await new Request(`http://sim${path}`, {
      method,
      headers: { "content-type": headers["content-type"] ?? "" },
      body: rawBody,
    }).formData();
  } catch {
    throw new SimHttpError(400, "the form body could not be parsed");
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") throw new SimHttpError(400, `field ${key} must be text, not a file`);
    fields[key] = value;
  }
  return fields;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
