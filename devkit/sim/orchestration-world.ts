import type { AllocationState } from "../../src/api/orchestration/schemas.js";

/** The Orchestration simulator's in-memory state: seeded project, allocations, payloads, artefacts. */

export const ORCHESTRATION_SEED = {
  projectId: "demo-project-1234",
  allocationId: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
  /** Running, no payloads. */
  secondAllocationId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
  /** Disabled. */
  disabledAllocationId: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
  image: "registry.example.com/games/arena-server:1.4.2",
  payloads: {
    /** Ready, labels mode=casual, map=harbor. */
    casualHarbor: "arena-eu-5f7c9-2xkq8",
    /** Ready, labels mode=casual, map=desert; has a crash dump artefact. */
    casualDesert: "arena-eu-5f7c9-7hd3m",
    /** Reserved, labels mode=ranked, map=harbor. */
    rankedHarbor: "arena-eu-5f7c9-9wz4t",
    /** Ready, labels mode=ranked, map=desert. */
    rankedDesert: "arena-eu-5f7c9-c61vb",
  },
} as const;

type Spec = { payload_spec: { image: string } & Record<string, unknown> } & Record<string, unknown>;
type Metadata = {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
} | null;

export interface SimAllocation {
  readonly id: string;
  name: string;
  spec: Spec;
  metadata: Metadata;
  readonly created: number;
  enabled: boolean;
  /** Shown as `from` until `settleMs` after `at`, then `to`. */
  phase: { from: AllocationState; to: AllocationState; at: number };
  deletedAt?: number;
}

export interface SimPayload {
  readonly id: string;
  readonly allocationId: string;
  readonly created: number;
  readonly address: string;
  readonly ports: { name: string; port: number }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  reserved: boolean;
  lastReserved?: number;
  /** Set by a delete: `Shutdown` until `settleMs` later, then removed. */
  deletingAt?: number;
}

export interface SimArtefact {
  readonly allocationId: string;
  readonly payloadId: string;
  readonly filePath: string;
  readonly sizeBytes: number;
  readonly created: number;
}

export type World = ReturnType<typeof createWorld>;

export function createWorld(now: () => number, settleMs: number) {
  const allocations = new Map<string, SimAllocation>();
  const payloads = new Map<string, SimPayload>();
  const artefacts: SimArtefact[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();

  const addAllocation = (init: Omit<SimAllocation, "created" | "enabled"> & { enabled?: boolean }) => {
    const allocation: SimAllocation = { enabled: true, ...init, created: now() };
    allocations.set(allocation.id, allocation);
    return allocation;
  };

  const reset = () => {
    allocations.clear();
    payloads.clear();
    artefacts.length = 0;
    const start = now() - 3_600_000;
    const spec = (image: string): Spec => ({
      region: "eu-west",
      payload_spec: {
        image,
        ports: [{ name: "game", container_port: 7777, port_policy: "DYNAMIC", protocol: "UDP" }],
        resources: { cpu: "500m", memory: "1Gi" },
      },
      buffer_size: 2,
      min_payloads: 1,
      max_payloads: 10,
    });
    const running = { from: "Running", to: "Running", at: start } as const;
    addAllocation({
      id: ORCHESTRATION_SEED.allocationId,
      name: "arena-eu",
      spec: spec(ORCHESTRATION_SEED.image),
      metadata: { labels: { game: "arena" } },
      phase: running,
    });
    addAllocation({
      id: ORCHESTRATION_SEED.secondAllocationId,
      name: "arena-us",
      spec: spec(ORCHESTRATION_SEED.image),
      metadata: null,
      phase: running,
    });
    addAllocation({
      id: ORCHESTRATION_SEED.disabledAllocationId,
      name: "arena-staging",
      spec: spec("registry.example.com/games/arena-server:1.5.0-rc.1"),
      metadata: null,
      enabled: false,
      phase: { from: "Disabled", to: "Disabled", at: start },
    });
    const seeds = [
      [ORCHESTRATION_SEED.payloads.casualHarbor, { mode: "casual", map: "harbor" }, false],
      [ORCHESTRATION_SEED.payloads.casualDesert, { mode: "casual", map: "desert" }, false],
      [ORCHESTRATION_SEED.payloads.rankedHarbor, { mode: "ranked", map: "harbor" }, true],
      [ORCHESTRATION_SEED.payloads.rankedDesert, { mode: "ranked", map: "desert" }, false],
    ] as const;
    for (const [i, [id, labels, reserved]] of seeds.entries()) {
      payloads.set(id, {
        id,
        allocationId: ORCHESTRATION_SEED.allocationId,
        created: start + i * 1_000,
        address: `203.0.113.${10 + i}`,
        ports: [{ name: "game", port: 30_000 + i }],
        labels: { ...labels },
        annotations: reserved ? { match_id: "match-0001" } : {},
        reserved,
        ...(reserved ? { lastReserved: start + 60_000 } : {}),
      });
      const files = ["logs/server.log", "logs/server.previous.log"];
      if (id === ORCHESTRATION_SEED.payloads.casualDesert) files.push("crash/minidump-0001.dmp");
      for (const [j, filePath] of files.entries())
        artefacts.push({
          allocationId: ORCHESTRATION_SEED.allocationId,
          payloadId: id,
          filePath,
          sizeBytes: 10_240 * (i + 1) + j,
          created: start + 600_000 + i * 1_000 + j,
        });
    }
  };
  reset();

  const payloadState = (p: SimPayload) =>
    p.deletingAt !== undefined ? "Shutdown" : p.reserved ? "Reserved" : "Ready";

  return {
    projectId: ORCHESTRATION_SEED.projectId,
    allocations,
    payloads,
    artefacts,
    reset,
    addAllocation,
    /** Drops what finished deleting: payloads `settleMs` after a delete, allocations likewise. */
    purge() {
      const t = now();
      for (const [id, a] of allocations)
        if (a.deletedAt !== undefined && t - a.deletedAt >= settleMs) {
          allocations.delete(id);
          for (const [pid, p] of payloads) if (p.allocationId === id) payloads.delete(pid);
        }
      for (const [id, p] of payloads)
        if (p.deletingAt !== undefined && t - p.deletingAt >= settleMs) payloads.delete(id);
    },
    allocationList: () => [...allocations.values()].sort((a, b) => a.created - b.created),
    payloadsOf: (allocationId: string) =>
      [...payloads.values()]
        .filter((p) => p.allocationId === allocationId)
        .sort((a, b) => a.created - b.created || a.id.localeCompare(b.id)),
    payloadView: (p: SimPayload, allocation: SimAllocation) => ({
      id: p.id,
      cluster_id: "sim-cluster-eu-west-1",
      allocation_id: p.allocationId,
      payload_spec: allocation.spec.payload_spec,
      status: {
        state: payloadState(p),
        details: p.deletingAt !== undefined ? "deletion in progress" : "",
        address: p.address,
        ports: p.ports,
        ...(p.lastReserved !== undefined ? { last_reserved: iso(p.lastReserved) } : {}),
        started: iso(p.created),
      },
      created: iso(p.created),
      metadata: { labels: { ...p.labels }, annotations: { ...p.annotations } },
    }),
    allocationView: (a: SimAllocation, state: AllocationState) => ({
      id: a.id,
      name: a.name,
      project_id: ORCHESTRATION_SEED.projectId,
      spec: a.spec,
      ...(a.metadata ? { metadata: a.metadata } : {}),
      status: { state },
      created: iso(a.created),
    }),
    artefactView: (a: SimArtefact) => ({
      payload_id: a.payloadId,
      file_path: a.filePath,
      // proto3 JSON: int64 travels as a string.
      size_bytes: String(a.sizeBytes),
      created: iso(a.created),
      download_url: `https://artefacts.sim.invalid/${a.allocationId}/${a.payloadId}/${encodeURIComponent(a.filePath)}`,
    }),
  };
}
