export { SlackOutboxError, STOPPED } from "./errors.js";
export { type Posted, SlackOutbox } from "./outbox.js";
export { ON_UNKNOWN, type OnUnknown } from "./retry-rules.js";
export type {
  CallResult,
  OutboxCall,
  OutboxMessage,
  OutboxMethod,
  SendOptions,
  SlackOutboxOptions,
  UpdateContent,
} from "./types.js";
export { type ApiCaller, webClientCall } from "./web-client.js";
