import { identityFromEmail } from "../api/identity.js";
import { createApiClients } from "../api/index.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { CALYPTIA_SEED } from "../sim/calyptia.js";
import { loadSimSettings, startSimulators } from "../sim/index.js";
import { ORCHESTRATION_SEED } from "../sim/orchestration-world.js";

/**
 * `npm run demo`: starts the three simulators and walks through the API layer against them, printing
 * each step. The Slack console demo replaces this tour when the Slack app lands.
 */
const settings = loadSimSettings({ ...process.env, SIM_SPEED: process.env.SIM_SPEED ?? "10" });
const sims = await startSimulators(settings);
const config = loadConfig({
  LOG_LEVEL: "warn",
  CALYPTIA_API_URL: sims.calyptia.url,
  CALYPTIA_API_TOKEN: settings.calyptiaToken,
  DEPLOY_API_URL: sims.deploy.url,
  ORCHESTRATION_API_URL: sims.orchestration.url,
  ORCHESTRATION_TOKEN_URL: `${sims.orchestration.url}/auth/v1/token`,
  ORCHESTRATION_CLIENT_ID: settings.orchestrationClientId,
  ORCHESTRATION_CLIENT_SECRET: settings.orchestrationClientSecret,
  ORCHESTRATION_REFRESH_TOKEN: settings.orchestrationRefreshToken,
});
const api = createApiClients(config, { logger: createLogger({ level: "warn" }) });
const identity = identityFromEmail("demo.operator@example.com");
const say = (step: string, value: unknown) =>
  process.stdout.write(`\n▶ ${step}\n${JSON.stringify(value, null, 2)}\n`);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  say("Deploy API: namespaces", await api.deploy.listNamespaces({}));
  const deployed = await api.deploy.deployTaskAs(
    { repository: "quick_start", directory: "job_python", name: "hello-job" },
    { identity },
  );
  say(`Deploy API: task deployed as ${identity.kind === "header" ? identity.email : "jwt"}`, deployed);
  const taskId = typeof deployed.id === "string" ? deployed.id : undefined;
  for (let i = 0; taskId && i < 10; i++) {
    const state = await api.deploy.getTaskState({ id: taskId });
    say("Deploy API: task state", state);
    if (state.status === "succeeded" || state.status === "failed") break;
    await wait(150);
  }
  const request = await api.calyptia.createPipelineLog({ pipelineID: CALYPTIA_SEED.pipelineId, lines: 3 });
  await wait(400);
  say(
    "Calyptia: pipeline log (requested, then DONE)",
    await api.calyptia.getPipelineLog({ pipelineLogID: request.id }),
  );
  say(
    "Orchestration: payload reserved (OAuth refresh-token flow)",
    await api.orchestration.createReservation({
      project_id: ORCHESTRATION_SEED.projectId,
      allocation_id: ORCHESTRATION_SEED.allocationId,
      selectors: [{ match_labels: { mode: "casual" } }],
    }),
  );
  try {
    await api.deploy.deleteJob({ namespace: "../etc", name: "x" }, { identity });
  } catch (error) {
    say("A bad path segment is refused before anything is sent", String(error));
  }
} finally {
  await api.close();
  await sims.close();
}
