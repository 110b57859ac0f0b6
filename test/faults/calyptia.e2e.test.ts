import { CALYPTIA_SEED } from "../../devkit/sim/calyptia.js";
import { describeBackendFaults } from "./backend-suite.js";

const { pipelineId, coreInstanceId } = CALYPTIA_SEED;
let nextPort = 30_000;

describeBackendFaults({
  backend: "calyptia",
  name: "Calyptia Cloud",
  read: {
    text: `port list ${pipelineId}`,
    method: "GET",
    path: /^\/v1\/aggregator_pipelines\/[^/]+\/ports$/,
  },
  change: {
    // A new frontend port each time: a change the simulator did make must not conflict with the next.
    text: () =>
      `port create ${pipelineId} --protocol tcp --frontend-port ${nextPort++} --backend-port 24224 --endpoint 203.0.113.7`,
    method: "POST",
    path: /^\/v1\/aggregator_pipelines\/[^/]+\/ports$/,
  },
  check: /Check with `\/ops port list /,
  sibling: `check list ${coreInstanceId}`,
  elsewhere: "namespace list",
  secrets: ["sim-calyptia-project-token"],
});
