import { z } from "zod";
import { createCalyptiaSim } from "./calyptia.js";
import { createDeploySim } from "./deploy.js";
import { SimClock, type SimServer } from "./http.js";
import { createOrchestrationSim } from "./orchestration.js";

/** Settings of the standalone simulators (`npm run sim`, the demo, the benchmarks). */
const simEnv = z.object({
  SIM_HOST: z.string().default("127.0.0.1"),
  SIM_CALYPTIA_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  SIM_DEPLOY_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  SIM_ORCHESTRATION_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /** Simulated seconds per real second: 10 makes a 3 s deploy take 0.3 s. */
  SIM_SPEED: z.coerce.number().positive().default(1),
  /** Simulated ms a Deploy pipeline run runs before it succeeds. */
  SIM_PIPELINE_RUN_MS: z.coerce.number().int().positive().default(3_000),
  SIM_CALYPTIA_TOKEN: z.string().min(1).default("sim-calyptia-project-token"),
  SIM_ORCHESTRATION_TOKEN: z.string().min(1).default("sim-orchestration-static-token"),
  SIM_ORCHESTRATION_CLIENT_ID: z.string().min(1).default("sim-client"),
  SIM_ORCHESTRATION_CLIENT_SECRET: z.string().min(1).default("sim-client-secret"),
  SIM_ORCHESTRATION_REFRESH_TOKEN: z.string().min(1).default("sim-refresh-token"),
});

export interface SimSettings {
  readonly host: string;
  readonly ports: { readonly calyptia: number; readonly deploy: number; readonly orchestration: number };
  readonly speed: number;
  readonly pipelineRunMs: number;
  readonly calyptiaToken: string;
  readonly orchestrationToken: string;
  readonly orchestrationClientId: string;
  readonly orchestrationClientSecret: string;
  readonly orchestrationRefreshToken: string;
}

export function loadSimSettings(env: Readonly<Record<string, string | undefined>> = {}): SimSettings {
  const e = simEnv.parse(
    Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("SIM_") && v)),
  );
  return {
    host: e.SIM_HOST,
    ports: {
      calyptia: e.SIM_CALYPTIA_PORT,
      deploy: e.SIM_DEPLOY_PORT,
      orchestration: e.SIM_ORCHESTRATION_PORT,
    },
    speed: e.SIM_SPEED,
    pipelineRunMs: e.SIM_PIPELINE_RUN_MS,
    calyptiaToken: e.SIM_CALYPTIA_TOKEN,
    orchestrationToken: e.SIM_ORCHESTRATION_TOKEN,
    orchestrationClientId: e.SIM_ORCHESTRATION_CLIENT_ID,
    orchestrationClientSecret: e.SIM_ORCHESTRATION_CLIENT_SECRET,
    orchestrationRefreshToken: e.SIM_ORCHESTRATION_REFRESH_TOKEN,
  };
}

export interface RunningSimulators {
  readonly calyptia: SimServer;
  readonly deploy: SimServer;
  readonly orchestration: SimServer;
  /** One clock for all three, so a test or the demo can move time for every backend at once. */
  readonly clock: SimClock;
  close(): Promise<void>;
}

export async function startSimulators(settings: SimSettings = loadSimSettings()): Promise<RunningSimulators> {
  const clock = new SimClock(settings.speed);
  const calyptia = createCalyptiaSim({ token: settings.calyptiaToken, clock });
  const deploy = createDeploySim({ clock, pipelineSettleMs: settings.pipelineRunMs });
  const orchestration = createOrchestrationSim({
    clock,
    staticToken: settings.orchestrationToken,
    clientId: settings.orchestrationClientId,
    clientSecret: settings.orchestrationClientSecret,
    refreshToken: settings.orchestrationRefreshToken,
  });
  const started: SimServer[] = [];
  try {
    for (const [sim, port] of [
      [calyptia, settings.ports.calyptia],
      [deploy, settings.ports.deploy],
      [orchestration, settings.ports.orchestration],
    ] as const) {
      await sim.listen(port, settings.host);
      started.push(sim);
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
  return {
    calyptia,
    deploy,
    orchestration,
    clock,
    close: async () => {
      await Promise.all([calyptia.close(), deploy.close(), orchestration.close()]);
    },
  };
}
