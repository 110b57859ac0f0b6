export type { SlackStandIn } from "./server.js";
export { startSlackStandIn } from "./server.js";
export type * from "./types.js";
