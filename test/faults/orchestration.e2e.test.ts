import { describeBackendFaults } from "./backend-suite.js";

describeBackendFaults({
  backend: "orchestration",
  name: "Orchestration API",
  read: {
    text: "payload list",
    method: "GET",
    path: /^\/v0\/projects\/[^/]+\/allocations\/[^/]+\/payloads$/,
    // `{}` is a valid empty list (proto3 JSON leaves empty lists out): a list of the wrong type is wrong.
    wrongShape: { results: "none" },
  },
  change: {
    text: () => "payload reserve --selector mode=casual",
    method: "POST",
    path: /^\/v0\/projects\/[^/]+\/allocations\/[^/]+\/reservations$/,
  },
  check: /Check with `\/ops payload list/,
  sibling: "allocation list",
  elsewhere: "namespace list",
  secrets: ["sim-orchestration-static-token"],
});
