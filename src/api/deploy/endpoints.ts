import { deleteEndpoints, listEndpoints } from "./lists.js";
import { pipelineEndpoints } from "./pipelines.js";
import { taskEndpoints } from "./tasks.js";

/**
 * The DataTask Deploy API (seed 003): every route, described once. Protected routes
 * (`needsIdentity: true`) demand an Identity at the type level; only reads are `retry: "safe"`.
 */
export const deployEndpoints = {
  ...taskEndpoints,
  ...pipelineEndpoints,
  ...listEndpoints,
  ...deleteEndpoints,
};

export type DeployEndpoints = typeof deployEndpoints;

export type {
  DeleteResult,
  KillResult,
  LaunchResult,
  LoadingState,
  NamedResource,
  RunState,
  RunStatus,
} from "./responses.js";
