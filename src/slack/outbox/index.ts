export { SlackOutboxError, STOPPED } from "./errors.js";
export { type Posted, SlackOutbox, type Uploaded } from "./outbox.js";
export { LocalPacing, type Pacing } from "./pacer.js";
export { ON_UNKNOWN, type OnUnknown } from "./retry-rules.js";
export type {
  CallResult,
  EphemeralMessage,
  OutboxCall,
  OutboxFile,
  OutboxMessage,
  OutboxMethod,
  OutboxWrite,
  RespondOptions,
  SendOptions,
  SlackOutboxOptions,
  UpdateContent,
} from "./types.js";
export { type ApiCaller, webClientCall } from "./web-client.js";
