import { randomUUID } from "node:crypto";
import { z } from "zod";
import { orchestrationEndpoints as E } from "../../src/api/orchestration/endpoints.js";
import { allocationId, projectId } from "../../src/api/orchestration/schemas.js";
import { labelValue } from "../../src/api/validators.js";
import {
  phaseAt,
  type RouteHandler,
  type SimClock,
  SimHttpError,
  type SimRequest,
  SimServer,
} from "./http.js";
import { TokenIssuer } from "./orchestration-auth.js";
import {
  boundedQuery,
  createAllocationBody,
  decodePageToken,
  encodePageToken,
  keyValueBody,
  parseBody,
  reservationBody,
  updateAllocationBody,
} from "./orchestration-bodies.js";
import { createWorld, type SimAllocation, type SimPayload, type World } from "./orchestration-world.js";

export { TOKEN_PATH } from "./orchestration-auth.js";
export { ORCHESTRATION_SEED } from "./orchestration-world.js";

/**
 * IMS zeuz Orchestration API v0 simulator, with the paths of DECISIONS.md and IMS Platform Auth's
 * token endpoint on the same server (`POST /auth/v1/token`). Bodies are parsed as strictly as
 * grpc-gateway does (unknown fields are refused); errors are `{"message", "request_id"}`, or
 * grpc-gateway's `{"code", "message", "details"}` when `errorStyle` says so.
 *
 * Choices where the public record is silent: a reservation that no selector can satisfy answers 412
 * (FAILED_PRECONDITION), as does releasing a payload that is not reserved; a forced delete shows the
 * payload as `Shutdown` for `settleMs` (listable, not reservable), then it is gone.
 */

export interface OrchestrationSimOptions {
  readonly clock?: SimClock;
  readonly staticToken?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly tokenTtlSeconds?: number;
  /** How long (simulated ms) allocation transitions and payload deletions take. */
  readonly settleMs?: number;
  readonly rotateRefreshTokens?: boolean;
}

const GRPC_CODE: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  412: 9,
  429: 8,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

export class OrchestrationSim extends SimServer {
  readonly tokens: TokenIssuer;
  /** `ims`: `{"message", "request_id"}`; `grpc-gateway`: `{"code", "message", "details"}`. */
  errorStyle: "ims" | "grpc-gateway" = "ims";
  readonly world: World;

  constructor(options: OrchestrationSimOptions) {
    super({
      name: "orchestration",
      // Called per request, long after construction.
      errorBody: (status, message) => this.errorBody(status, message),
      ...(options.clock ? { clock: options.clock } : {}),
      onReset: () => {
        this.world.reset();
        this.tokens.reset();
      },
    });
    this.tokens = new TokenIssuer(options, () => this.clock.now());
    this.world = createWorld(() => this.clock.now(), options.settleMs ?? 3_000);
  }

  errorBody(status: number, message: string): unknown {
    const requestId = `req-${randomUUID()}`;
    if (this.errorStyle === "ims") return { message, request_id: requestId };
    return {
      code: GRPC_CODE[status] ?? 2,
      message,
      details: [{ "@type": "type.googleapis.com/google.rpc.RequestInfo", request_id: requestId }],
    };
  }
}

export function createOrchestrationSim(options: OrchestrationSimOptions): OrchestrationSim {
  const sim = new OrchestrationSim(options);
  const world = sim.world;
  const now = () => sim.clock.now();
  const settleMs = options.settleMs ?? 3_000;
  sim.tokens.mount(sim);

  const authed =
    (handler: RouteHandler): RouteHandler =>
    (req) => {
      const token = req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
      if (!token || !sim.tokens.accepts(token))
        throw new SimHttpError(401, "the access token is missing, invalid or expired");
      world.purge();
      return handler(req);
    };
  const project = (req: SimRequest) => {
    const id = req.params.project_id ?? "";
    if (!projectId.safeParse(id).success) throw new SimHttpError(400, "invalid project_id");
    if (id !== world.projectId) throw new SimHttpError(404, `project ${id} not found`);
  };
  const findAllocation = (req: SimRequest): SimAllocation => {
    project(req);
    const id = req.params.allocation_id ?? "";
    if (!allocationId.safeParse(id).success)
      throw new SimHttpError(400, "invalid allocation_id: must be a UUID");
    const found = world.allocations.get(id.toLowerCase());
    if (!found) throw new SimHttpError(404, `allocation ${id} not found`);
    return found;
  };
  const findPayload = (req: SimRequest): [SimAllocation, SimPayload] => {
    const allocation = findAllocation(req);
    const id = req.params.payload_id ?? "";
    const found = world.payloads.get(id);
    if (!found || found.allocationId !== allocation.id)
      throw new SimHttpError(404, `payload ${id} not found in allocation ${allocation.id}`);
    return [allocation, found];
  };
  const ok = (body: unknown = {}) => ({ status: 200, body });
  const transition = (
    a: SimAllocation,
    from: SimAllocation["phase"]["from"],
    to: SimAllocation["phase"]["to"],
  ) => {
    a.phase = { from, to, at: now() };
  };
  const stateOf = (a: SimAllocation) =>
    phaseAt(now() - a.phase.at, [
      { state: a.phase.from, afterMs: 0 },
      { state: a.phase.to, afterMs: settleMs },
    ]);

  sim.serve(
    E.listPayloads,
    authed((req) => {
      const allocation = findAllocation(req);
      return ok({ results: world.payloadsOf(allocation.id).map((p) => world.payloadView(p, allocation)) });
    }),
  );
  sim.serve(
    E.getPayload,
    authed((req) => {
      const [allocation, payload] = findPayload(req);
      return ok({ result: world.payloadView(payload, allocation) });
    }),
  );
  sim.serve(
    E.deletePayload,
    authed((req) => {
      const [, payload] = findPayload(req);
      const force = req.query.get("force_delete");
      if (force !== null && force !== "true" && force !== "false")
        throw new SimHttpError(400, "force_delete must be true or false");
      if (payload.reserved && force !== "true")
        throw new SimHttpError(
          412,
          `payload ${payload.id} is Reserved: set force_delete=true to delete it (FAILED_PRECONDITION)`,
        );
      payload.deletingAt ??= now();
      return ok();
    }),
  );
  for (const [kind, endpoint, value] of [
    ["annotation", E.setPayloadAnnotation, z.string()],
    ["label", E.setPayloadLabel, labelValue],
  ] as const) {
    sim.serve(
      endpoint,
      authed((req) => {
        const [, payload] = findPayload(req);
        const { key, value: v } = parseBody(req, keyValueBody(value));
        (kind === "label" ? payload.labels : payload.annotations)[key] = v;
        return ok();
      }),
    );
  }

  sim.serve(
    E.listAllocations,
    authed((req) => {
      project(req);
      const limit = boundedQuery(req, "limit");
      return ok({
        results: world
          .allocationList()
          .slice(0, limit)
          .map((a) => world.allocationView(a, stateOf(a))),
      });
    }),
  );
  sim.serve(
    E.createAllocation,
    authed((req) => {
      project(req);
      const input = parseBody(req, createAllocationBody);
      const allocation = world.addAllocation({
        id: randomUUID(),
        name: input.name ?? `allocation-${world.allocations.size + 1}`,
        spec: input.spec,
        metadata: input.metadata ?? null,
        phase: { from: "New", to: "Running", at: now() },
      });
      return ok({ result: world.allocationView(allocation, stateOf(allocation)) });
    }),
  );
  sim.serve(
    E.getAllocation,
    authed((req) => {
      const allocation = findAllocation(req);
      return ok({ result: world.allocationView(allocation, stateOf(allocation)) });
    }),
  );
  sim.serve(
    E.updateAllocation,
    authed((req) => {
      const allocation = findAllocation(req);
      const input = parseBody(req, updateAllocationBody);
      Object.assign(allocation, { name: input.name, spec: input.spec, metadata: input.metadata ?? null });
      transition(allocation, "Updating", allocation.enabled ? "Running" : "Disabled");
      return ok({ result: world.allocationView(allocation, stateOf(allocation)) });
    }),
  );
  sim.serve(
    E.deleteAllocation,
    authed((req) => {
      const allocation = findAllocation(req);
      allocation.deletedAt ??= now();
      transition(allocation, "Draining", "Deleted");
      return ok();
    }),
  );
  sim.serve(
    E.setAllocationEnabled,
    authed((req) => {
      const allocation = findAllocation(req);
      const { enabled } = parseBody(req, z.strictObject({ enabled: z.boolean() }));
      if (enabled !== allocation.enabled) {
        allocation.enabled = enabled;
        if (enabled) transition(allocation, "Updating", "Running");
        else transition(allocation, "Draining", "Disabled");
      }
      return ok();
    }),
  );
  sim.serve(
    E.updateAllocationImage,
    authed((req) => {
      const allocation = findAllocation(req);
      const { image } = parseBody(req, z.strictObject({ image: z.string().regex(/^\S{1,512}$/) }));
      allocation.spec.payload_spec.image = image;
      transition(allocation, "Updating", allocation.enabled ? "Running" : "Disabled");
      return ok();
    }),
  );

  sim.serve(
    E.listArtefacts,
    authed((req) => {
      const allocation = findAllocation(req);
      const pageSize = boundedQuery(req, "page_size");
      const filter = req.query.get("payload_id");
      const all = world.artefacts.filter(
        (a) => a.allocationId === allocation.id && (filter === null || a.payloadId === filter),
      );
      const token = req.query.get("page_token");
      const offset = token === null || token === "" ? 0 : decodePageToken(token);
      if (offset === undefined || offset > all.length) throw new SimHttpError(400, "invalid page_token");
      const items = all.slice(offset, offset + pageSize);
      const next = offset + items.length < all.length ? encodePageToken(offset + items.length) : undefined;
      // grpc-gateway leaves out empty fields: no next_page_token on the last page.
      return ok({
        items: items.map((a) => world.artefactView(a)),
        ...(next ? { next_page_token: next } : {}),
      });
    }),
  );
  sim.serve(
    E.getArtefact,
    authed((req) => {
      const allocation = findAllocation(req);
      const payloadId = req.params.payload_id ?? "";
      const filePath = req.query.get("file_path");
      if (!filePath) throw new SimHttpError(400, "file_path is required");
      const found = world.artefacts.find(
        (a) => a.allocationId === allocation.id && a.payloadId === payloadId && a.filePath === filePath,
      );
      if (!found) throw new SimHttpError(404, `artefact ${filePath} of payload ${payloadId} not found`);
      return ok({ result: world.artefactView(found) });
    }),
  );

  sim.serve(
    E.createReservation,
    authed((req) => {
      const allocation = findAllocation(req);
      const input = parseBody(req, reservationBody, true);
      if (!allocation.enabled || allocation.deletedAt !== undefined)
        throw new SimHttpError(412, `allocation ${allocation.id} is not accepting reservations`);
      const ready = world.payloadsOf(allocation.id).filter((p) => !p.reserved && p.deletingAt === undefined);
      const selectors = input.selectors ?? [];
      const matches = (p: SimPayload, wanted: Record<string, string>) =>
        Object.entries(wanted).every(([k, v]) => p.labels[k] === v);
      // Selectors are tried in order; the first that matches any Ready payload wins.
      const chosen =
        selectors.length === 0
          ? ready[0]
          : selectors.map((s) => ready.find((p) => matches(p, s.match_labels ?? {}))).find((p) => p);
      if (!chosen)
        throw new SimHttpError(
          412,
          selectors.length === 0
            ? "no Ready payload in the allocation (FAILED_PRECONDITION)"
            : `no Ready payload matches any of the ${selectors.length} selectors (FAILED_PRECONDITION)`,
        );
      chosen.reserved = true;
      chosen.lastReserved = now();
      Object.assign(chosen.labels, input.payload_metadata?.labels);
      Object.assign(chosen.annotations, input.payload_metadata?.annotations);
      return ok({ payload_id: chosen.id, payload_address: chosen.address, payload_ports: chosen.ports });
    }),
  );
  sim.serve(
    E.deleteReservation,
    authed((req) => {
      const [, payload] = findPayload(req);
      if (payload.deletingAt !== undefined)
        throw new SimHttpError(412, `payload ${payload.id} is shutting down (FAILED_PRECONDITION)`);
      if (!payload.reserved)
        throw new SimHttpError(412, `payload ${payload.id} is not reserved (FAILED_PRECONDITION)`);
      payload.reserved = false;
      return ok();
    }),
  );
  return sim;
}
