import { Pool } from "undici";
import { createCalyptiaClient } from "../../src/api/calyptia/client.js";
import { Secret } from "../../src/lib/secret.js";
import { runLoad, Samples } from "../load.js";
import { judged, type Row, type Suite } from "../report.js";
import { startSimProcess } from "../sim-process.js";

/**
 * The opsbot client (transport + zod validation + shaping) against its floor, raw undici `Pool.request`
 * to the same URL with the same headers, reading and parsing the JSON body. One safe GET endpoint,
 * `listPipelinePorts` on 10 seeded ports (~2.7 kB of JSON), served by the simulator in another process.
 *
 * Both contenders get their own keep-alive pool of the same size. After a warm-up, short runs alternate
 * raw/client then client/raw (ABBA) so that drift (CPU frequency, GC, the simulator's state) falls on
 * both equally; each figure is the median of the per-run figures (see Samples).
 */

export interface ApiClientSuiteOptions {
  readonly concurrencies?: readonly number[];
  readonly rounds?: number;
  readonly runMs?: number;
  readonly warmupMs?: number;
  /** Client/raw latency ratio (and raw/client throughput ratio) that passes. */
  readonly maxRatio?: number;
}

export function apiClientSuite(options: ApiClientSuiteOptions = {}): Suite {
  const concurrencies = options.concurrencies ?? [1, 64];
  const rounds = options.rounds ?? 8;
  const runMs = options.runMs ?? 750;
  const warmupMs = options.warmupMs ?? 750;
  const maxRatio = options.maxRatio ?? 1.15;
  const name = "api client: listPipelinePorts (10 items)";

  return {
    name,
    run: async (log) => {
      const sim = await startSimProcess();
      const connections = Math.max(...concurrencies);
      const raw = new Pool(sim.url, { connections, keepAliveTimeout: 10_000 });
      const { client, transport } = createCalyptiaClient(
        { baseUrl: sim.url, token: new Secret(sim.token), authScheme: "project-token", paths: {} },
        {
          http: {
            connectTimeoutMs: 5_000,
            headersTimeoutMs: 15_000,
            bodyTimeoutMs: 30_000,
            deadlineMs: 60_000,
            connections,
          },
        },
      );
      const path = `/v1/aggregator_pipelines/${sim.pipelineId}/ports`;
      const headers = { accept: "application/json", "x-project-token": sim.token };
      const contenders = {
        raw: async () => {
          const res = await raw.request({ origin: sim.url, path, method: "GET", headers });
          const body: unknown = JSON.parse(await res.body.text());
          if (res.statusCode !== 200 || !Array.isArray(body)) throw new Error(`raw: HTTP ${res.statusCode}`);
          return body;
        },
        client: () => client.listPipelinePorts({ pipelineID: sim.pipelineId }),
      };
      const rows: Row[] = [];
      try {
        const check = await contenders.client();
        if (check.items.length !== sim.ports) throw new Error(`expected ${sim.ports} ports`);
        for (const concurrency of concurrencies) {
          log(`${name}: concurrency ${concurrency}, warm-up`);
          for (const call of [contenders.raw, contenders.client])
            await runLoad(call, { concurrency, durationMs: warmupMs });
          const samples = { raw: new Samples(), client: new Samples() };
          for (let round = 0; round < rounds; round++) {
            const order = round % 2 === 0 ? (["raw", "client"] as const) : (["client", "raw"] as const);
            for (const which of order)
              samples[which].add(await runLoad(contenders[which], { concurrency, durationMs: runMs }));
          }
          log(
            `${name}: concurrency ${concurrency}: ${samples.raw.count} raw and ${samples.client.count} client ` +
              `requests; run-to-run p50 spread ${samples.raw.spread(50).toFixed(2)}x raw, ` +
              `${samples.client.spread(50).toFixed(2)}x client`,
          );
          rows.push(...figures(name, concurrency, samples.raw, samples.client, maxRatio));
        }
      } finally {
        await Promise.all([raw.close(), transport.close()]);
        await sim.stop();
      }
      return rows;
    },
  };
}

function figures(suite: string, concurrency: number, raw: Samples, client: Samples, maxRatio: number): Row[] {
  const latency = (p: number) =>
    judged({
      suite,
      metric: `c=${concurrency} p${p} latency`,
      value: client.percentile(p),
      unit: "ms",
      floor: raw.percentile(p),
      target: { of: "ratio", op: "<=", bound: maxRatio },
    });
  return [
    latency(50),
    latency(99),
    judged({
      suite,
      metric: `c=${concurrency} throughput`,
      value: client.throughput(),
      unit: "req/s",
      floor: raw.throughput(),
      target: { of: "ratio", op: ">=", bound: 1 / maxRatio },
    }),
  ];
}
