export type { SlackStandIn } from "./server.js";
export { startSlackStandIn } from "./server.js";
export type {
  EnvelopeToDeliver,
  EnvelopeType,
  LinkError,
  RecordedAck,
  SocketModeLink,
} from "./socket-mode/link.js";
export type * from "./types.js";
