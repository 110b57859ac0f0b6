import type { AnyOperation } from "../define.js";
import { audit } from "./audit.js";
import { lock, unlock } from "./lock.js";
import { subscribe, unsubscribe } from "./subscriptions.js";
import { whoami } from "./whoami.js";

/** opsbot's own commands: they act on opsbot (its freezes, routes and audit log), not on a backend. */
export const opsbotOperations: readonly AnyOperation[] = [
  whoami,
  lock,
  unlock,
  audit,
  subscribe,
  unsubscribe,
];
