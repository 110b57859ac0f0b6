import { CALYPTIA_SEED, createCalyptiaSim } from "../devkit/sim/calyptia.js";

/**
 * The Calyptia simulator in its own process, so that the benchmarked client and the server do not share
 * an event loop (on 2 cores: one each). Seeds a fixed dataset, reports over IPC, exits on disconnect.
 */

export interface SimChildInfo {
  readonly url: string;
  readonly token: string;
  readonly pipelineId: string;
  readonly ports: number;
}

const TOKEN = "bench-calyptia-project-token";
const PORTS = 10;

const sim = createCalyptiaSim({ token: TOKEN });
const url = await sim.listen();
const pipelineId = CALYPTIA_SEED.pipelineId;
for (let i = 0; i < PORTS; i++) {
  const res = await fetch(`${url}/v1/aggregator_pipelines/${pipelineId}/ports`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-token": TOKEN },
    body: JSON.stringify({
      protocol: "tcp",
      frontendPort: 24_000 + i,
      backendPort: 24_000 + i,
      endpoint: `forward-${i}.logging.example.com`,
    }),
  });
  if (res.status !== 201) throw new Error(`seeding port ${i}: HTTP ${res.status}`);
}
sim.clearRequests();
const info: SimChildInfo = { url, token: TOKEN, pipelineId, ports: PORTS };
process.send?.(info);
process.on("disconnect", () => {
  void sim.close().then(() => process.exit(0));
});
