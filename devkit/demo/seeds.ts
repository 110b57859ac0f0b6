import { CALYPTIA_SEED } from "../sim/calyptia.js";
import { DEPLOY_SEED } from "../sim/deploy-data.js";
import { ORCHESTRATION_SEED } from "../sim/orchestration-world.js";

/** What the simulators hold from the start, so a demo user has real IDs to type. */
export const SEEDS = `What the simulators hold (IDs to try):
  Calyptia     pipeline ${CALYPTIA_SEED.pipelineId}
               core instance ${CALYPTIA_SEED.coreInstanceId}
  Deploy API   namespaces ${DEPLOY_SEED.namespaces.join(", ")}; task ${DEPLOY_SEED.job.id} (${DEPLOY_SEED.job.name});
               pipeline run ${DEPLOY_SEED.pipeline.id}; repository folder quick_start job_python
  Orchestration project ${ORCHESTRATION_SEED.projectId}, allocation ${ORCHESTRATION_SEED.allocationId} (the defaults)
               payloads ${Object.values(ORCHESTRATION_SEED.payloads).join(", ")}
Examples:
  /ops port list ${CALYPTIA_SEED.pipelineId}
  /ops port create ${CALYPTIA_SEED.pipelineId} --protocol tcp
  /ops task deploy quick_start job_python
  /ops payload list`;
