import { Catalogue } from "./catalogue.js";
import type { AnyOperation } from "./define.js";
import { opsbotOperations } from "./opsbot/index.js";
import { allocationOperations } from "./resources/allocation.js";
import { artefactOperations } from "./resources/artefact.js";
import { checkOperations, portOperations } from "./resources/calyptia.js";
import { clusterOperations } from "./resources/cluster.js";
import { logOperations } from "./resources/log.js";
import { payloadOperations } from "./resources/payload.js";
import { pipelineOperations } from "./resources/pipeline.js";
import { taskOperations } from "./resources/task.js";

/** Every `/ops` operation, in the order help lists them. */
export const allOperations: readonly AnyOperation[] = [
  ...taskOperations,
  ...pipelineOperations,
  ...clusterOperations,
  ...portOperations,
  ...checkOperations,
  ...logOperations,
  ...payloadOperations,
  ...allocationOperations,
  ...artefactOperations,
  ...opsbotOperations,
];

/** The catalogue of every operation; throws at start-up if two operations or flags collide. */
export function createCatalogue(): Catalogue {
  return new Catalogue(allOperations);
}
