import { loadSimSettings, startSimulators } from "./index.js";

/** `npm run sim`: the three backend simulators as standalone servers, until Ctrl-C. */
const settings = loadSimSettings(process.env);
const sims = await startSimulators(settings);
const lines = [
  "opsbot simulators are running (Ctrl-C to stop)",
  `  CALYPTIA_API_URL=${sims.calyptia.url}       CALYPTIA_API_TOKEN=${settings.calyptiaToken}`,
  `  DEPLOY_API_URL=${sims.deploy.url}`,
  `  ORCHESTRATION_API_URL=${sims.orchestration.url}  ORCHESTRATION_API_TOKEN=${settings.orchestrationToken}`,
  `  ORCHESTRATION_TOKEN_URL=${sims.orchestration.url}/auth/v1/token (service account: ${settings.orchestrationClientId})`,
  "  Control: PUT <url>/__sim/faults, GET <url>/__sim/requests, PUT <url>/__sim/speed, POST <url>/__sim/reset",
];
process.stdout.write(`${lines.join("\n")}\n`);
const stop = async () => {
  await sims.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
