import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  checkProtocol,
  checkStatus,
  calyptiaEndpoints as E,
  logStatus,
  portKind,
} from "../../src/api/calyptia/endpoints.js";
import { isHostname, port, uuid } from "../../src/api/validators.js";
import {
  phaseAt,
  type RouteHandler,
  type SimClock,
  SimHttpError,
  type SimRequest,
  SimServer,
} from "./http.js";

/**
 * Calyptia Cloud API simulator: pipeline ports, core-instance checks and pipeline logs, with the
 * documented shapes, Link-header pagination, `{"error", "detail"}` error bodies, and checks and log
 * requests that move through their states over (simulated) time.
 */

export const CALYPTIA_SEED = {
  pipelineId: "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01",
  secondPipelineId: "0d4a6b1e-2f7c-4e3a-b5d8-9c1e7f2a3b04",
  coreInstanceId: "a3e2b1c4-5d6e-4f70-8a9b-c0d1e2f3a4b5",
} as const;

export interface CalyptiaSimOptions {
  /** Accepted as `X-Project-Token` or `Authorization: Bearer`. */
  readonly token: string;
  readonly clock?: SimClock;
  /** How long (simulated ms) a log request stays NEW and a check takes to settle. */
  readonly settleMs?: number;
}

interface Port {
  id: string;
  pipelineID: string;
  protocol: string;
  kind: string;
  frontendPort: number;
  backendPort: number;
  endpoint: string;
  pluginID: string | null;
  pluginName: string | null;
  pluginAlias: string | null;
  createdAt: number;
  updatedAt: number;
}

interface Check {
  id: string;
  coreInstanceID: string;
  protocol: string;
  status: string | undefined;
  retries: number;
  host: string;
  port: number;
  createdAt: number;
  updatedAt: number;
}

interface LogRequest {
  id: string;
  pipelineID: string;
  logs: string;
  lines: number;
  status: "NEW" | "DONE" | undefined;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

const int32 = z.number().int().min(0).max(2_147_483_647);
const createPortBody = z.object({
  protocol: z.string().min(1),
  frontendPort: int32,
  backendPort: int32,
  endpoint: z.string().refine(isHostname),
  kind: portKind.optional(),
});
const createCheckBody = z.object({
  protocol: checkProtocol,
  status: checkStatus.optional(),
  retries: z.number().int().min(0).optional(),
  host: z.string().refine(isHostname),
  port,
});
const createLogBody = z.object({ logs: z.string(), lines: z.number().int().min(0).optional() });
const updateLogBody = z.object({
  logs: z.string().nullable().optional(),
  lines: z.number().int().min(0).nullable().optional(),
  status: logStatus.nullable().optional(),
});

export function calyptiaErrorBody(status: number, message: string, extra: Readonly<Record<string, unknown>>) {
  const error =
    status === 401
      ? "unauthenticated"
      : status === 404 && message.startsWith("no route")
        ? "not found"
        : message;
  return { error, ...(typeof extra.detail === "string" ? { detail: extra.detail } : {}) };
}

export function createCalyptiaSim(options: CalyptiaSimOptions): SimServer {
  const settleMs = options.settleMs ?? 3_000;
  const ports = new Map<string, Port>();
  const checks = new Map<string, Check>();
  const logs = new Map<string, LogRequest>();
  const pipelines = new Set<string>();
  const coreInstances = new Set<string>();
  const reset = () => {
    for (const store of [ports, checks, logs]) store.clear();
    pipelines.clear();
    coreInstances.clear();
    pipelines.add(CALYPTIA_SEED.pipelineId).add(CALYPTIA_SEED.secondPipelineId);
    coreInstances.add(CALYPTIA_SEED.coreInstanceId);
  };
  reset();
  const sim = new SimServer({
    name: "calyptia",
    errorBody: calyptiaErrorBody,
    ...(options.clock ? { clock: options.clock } : {}),
    onReset: reset,
  });
  const now = () => sim.clock.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  const authed =
    (handler: RouteHandler): RouteHandler =>
    (req) => {
      const projectToken = req.headers["x-project-token"];
      const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
      if (projectToken !== options.token && bearer !== options.token)
        throw new SimHttpError(401, "unauthenticated");
      return handler(req);
    };
  const idParam = (req: SimRequest, name: string, what: string) => {
    const id = req.params[name] ?? "";
    if (!uuid.safeParse(id).success)
      throw new SimHttpError(400, `invalid ${what} ID`, { detail: id.slice(0, 64) });
    return id;
  };
  const body = <T>(req: SimRequest, schema: z.ZodType<T>, what: string): T => {
    const parsed = schema.safeParse(req.json());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SimHttpError(400, `invalid ${what}`, {
        detail: `${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`,
      });
    }
    return parsed.data;
  };

  const checkStatusOf = (c: Check) => {
    if (c.status) return c.status;
    const settled = c.host.startsWith("unreachable") || c.port === 0 ? "failed" : "ok";
    return phaseAt(now() - c.createdAt, [
      { state: "new", afterMs: 0 },
      { state: "running", afterMs: settleMs / 3 },
      { state: settled, afterMs: settleMs },
    ]);
  };
  const logView = (l: LogRequest) => {
    const status = l.status ?? (now() - l.createdAt >= settleMs ? "DONE" : "NEW");
    const text = l.logs || (status === "DONE" ? fakeLogLines(l.pipelineID, l.lines, l.createdAt) : "");
    return {
      id: l.id,
      pipelineID: l.pipelineID,
      logs: text,
      lines: l.lines,
      status,
      createdAt: iso(l.createdAt),
      updatedAt: iso(l.updatedAt),
    };
  };

  sim.serve(
    E.listPipelinePorts,
    authed((req) => {
      const pipelineID = idParam(req, "pipelineID", "pipeline");
      if (!pipelines.has(pipelineID)) throw new SimHttpError(404, "pipeline not found");
      const items = [...ports.values()].filter((p) => p.pipelineID === pipelineID);
      return paginate(req, items, (p) => {
        const { pipelineID: _omit, ...rest } = p;
        return { ...rest, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) };
      });
    }),
  );
  sim.serve(
    E.createPipelinePort,
    authed((req) => {
      const pipelineID = idParam(req, "pipelineID", "pipeline");
      const input = body(req, createPortBody, "pipeline port");
      if (!pipelines.has(pipelineID)) throw new SimHttpError(404, "pipeline not found");
      const clash = [...ports.values()].find(
        (p) => p.pipelineID === pipelineID && p.frontendPort === input.frontendPort,
      );
      if (clash)
        throw new SimHttpError(409, "pipeline port already in use", {
          detail: `protocol ${clash.protocol}, port ${clash.frontendPort}`,
        });
      const at = now();
      const port: Port = {
        id: randomUUID(),
        pipelineID,
        protocol: input.protocol,
        kind: input.kind ?? "LoadBalancer",
        frontendPort: input.frontendPort,
        backendPort: input.backendPort,
        endpoint: input.endpoint,
        pluginID: `forward.${ports.size}`,
        pluginName: "forward",
        pluginAlias: null,
        createdAt: at,
        updatedAt: at,
      };
      ports.set(port.id, port);
      return {
        status: 201,
        body: {
          id: port.id,
          kind: input.kind ?? null,
          pluginID: port.pluginID,
          pluginName: port.pluginName,
          pluginAlias: null,
          createdAt: iso(at),
        },
      };
    }),
  );
  sim.serve(
    E.deletePipelinePort,
    authed((req) => {
      const portID = idParam(req, "portID", "pipeline port");
      if (!ports.delete(portID)) throw new SimHttpError(404, "pipeline port not found");
      return { status: 204 };
    }),
  );
  sim.serve(
    E.listCoreInstanceChecks,
    authed((req) => {
      const coreInstanceID = idParam(req, "coreInstanceID", "core instance");
      if (!coreInstances.has(coreInstanceID)) throw new SimHttpError(404, "core instance not found");
      const items = [...checks.values()].filter((c) => c.coreInstanceID === coreInstanceID);
      return paginate(req, items, (c) => ({
        id: c.id,
        protocol: c.protocol,
        status: checkStatusOf(c),
        retries: c.retries,
        host: c.host,
        port: c.port,
        createdAt: iso(c.createdAt),
        updatedAt: iso(Math.max(c.updatedAt, Math.min(now(), c.createdAt + settleMs))),
      }));
    }),
  );
  sim.serve(
    E.createCoreInstanceCheck,
    authed((req) => {
      const coreInstanceID = idParam(req, "coreInstanceID", "core instance");
      const parsed = createCheckBody.safeParse(req.json());
      if (!parsed.success) {
        const field = String(parsed.error.issues[0]?.path[0] ?? "body");
        throw new SimHttpError(400, `invalid core instance check ${field}`);
      }
      if (!coreInstances.has(coreInstanceID)) throw new SimHttpError(404, "core instance not found");
      const at = now();
      const check: Check = {
        id: randomUUID(),
        coreInstanceID,
        protocol: parsed.data.protocol,
        status: parsed.data.status && parsed.data.status !== "new" ? parsed.data.status : undefined,
        retries: parsed.data.retries ?? 3,
        host: parsed.data.host,
        port: parsed.data.port,
        createdAt: at,
        updatedAt: at,
      };
      checks.set(check.id, check);
      return { status: 201, body: { id: check.id, createdAt: iso(at) } };
    }),
  );
  sim.serve(
    E.createPipelineLog,
    authed((req) => {
      const pipelineID = idParam(req, "pipelineID", "pipeline");
      const input = body(req, createLogBody, "pipeline logs");
      if (!pipelines.has(pipelineID)) throw new SimHttpError(404, "pipeline not found");
      const at = now();
      const log: LogRequest = {
        id: randomUUID(),
        pipelineID,
        logs: input.logs,
        lines: input.lines ?? 100,
        status: input.logs ? "DONE" : undefined,
        createdAt: at,
        updatedAt: at,
        deleted: false,
      };
      logs.set(log.id, log);
      return { status: 201, body: { id: log.id, createdAt: iso(at) } };
    }),
  );
  sim.serve(
    E.listPipelineLogs,
    authed((req) => {
      const pipelineID = idParam(req, "pipelineID", "pipeline");
      if (!pipelines.has(pipelineID)) throw new SimHttpError(404, "pipeline not found");
      const status = req.query.get("status");
      if (status !== null && !logStatus.safeParse(status).success)
        throw new SimHttpError(400, "invalid pipeline log status");
      const all = [...logs.values()].filter((l) => l.pipelineID === pipelineID && !l.deleted);
      const matching = status ? all.filter((l) => logView(l).status === status) : all;
      // The same `last`/`before` paging as ports and checks; the next cursor comes in the envelope.
      const page = pageOf(req, matching);
      return {
        status: 200,
        body: {
          items: page.items.map(logView),
          endCursor: page.next ?? null,
          count: matching.length,
          pollingIntervalMs: 5_000,
        },
      };
    }),
  );
  const findLog = (req: SimRequest) => {
    const id = idParam(req, "pipelineLogID", "pipeline log");
    const log = logs.get(id);
    if (!log || log.deleted) throw new SimHttpError(404, "pipeline log not found");
    return log;
  };
  sim.serve(
    E.getPipelineLog,
    authed((req) => ({ status: 200, body: logView(findLog(req)) })),
  );
  sim.serve(
    E.deletePipelineLog,
    authed((req) => {
      const log = findLog(req);
      log.deleted = true;
      return { status: 200, body: { deleted: true, deletedAt: iso(now()) } };
    }),
  );
  sim.serve(
    E.updatePipelineLog,
    authed((req) => {
      const log = findLog(req);
      const input = body(req, updateLogBody, "pipeline logs");
      if (input.logs != null) log.logs = input.logs;
      if (input.lines != null) log.lines = input.lines;
      if (input.status != null) log.status = input.status;
      log.updatedAt = now();
      return { status: 200, body: { updatedAt: iso(log.updatedAt) } };
    }),
  );
  return sim;
}

/** `last` and `before` as the API takes them, with a `Link: <...?before=cursor>; rel="next"` header. */
function paginate<T extends { createdAt: number; id: string }>(
  req: SimRequest,
  items: T[],
  view: (item: T) => unknown,
) {
  const page = pageOf(req, items);
  const headers: Record<string, string> = {};
  if (page.next) {
    const next = new URLSearchParams({
      before: page.next,
      ...(page.last ? { last: String(page.last) } : {}),
    });
    headers.link = `<${req.path}?${next.toString()}>; rel="next"`;
  }
  return { status: 200, body: page.items.map(view), headers };
}

/** Newest first; `last` N of them (0 or absent: all) after the `before` cursor, which must be one given. */
function pageOf<T extends { createdAt: number; id: string }>(req: SimRequest, items: T[]) {
  const lastRaw = req.query.get("last");
  const before = req.query.get("before");
  if (lastRaw !== null && !/^\d+$/.test(lastRaw))
    throw new SimHttpError(400, "invalid argument", { detail: "last" });
  const sorted = [...items].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  let start = 0;
  if (before !== null) {
    const index = sorted.findIndex((item) => encodeCursor(item) === before);
    if (index === -1) throw new SimHttpError(400, "decode cursor");
    start = index + 1;
  }
  const last = lastRaw === null ? undefined : Number(lastRaw);
  const pageItems =
    last === undefined || last === 0 ? sorted.slice(start) : sorted.slice(start, start + last);
  const lastItem = pageItems.at(-1);
  const next = lastItem && start + pageItems.length < sorted.length ? encodeCursor(lastItem) : undefined;
  return { items: pageItems, next, last };
}

function encodeCursor(item: { createdAt: number; id: string }): string {
  return Buffer.from(`${item.createdAt}:${item.id}`).toString("base64url");
}

function fakeLogLines(pipelineID: string, lines: number, start: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const at = new Date(start - (lines - i) * 1_000).toISOString();
    out.push(
      `[${at}] [ info] [pipeline ${pipelineID.slice(0, 8)}] forwarded ${100 + ((i * 37) % 900)} records`,
    );
  }
  return out.join("\n");
}
