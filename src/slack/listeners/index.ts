import type { App } from "@slack/bolt";
import { register as registerApprovalButtons } from "./actions/approvals.js";
import { register as registerFollowUpButtons } from "./actions/followups.js";
import { register as registerButtons } from "./actions/index.js";
import { register as registerCommands } from "./commands/index.js";
import type { ListenerDeps } from "./deps.js";
import { register as registerHome } from "./home/index.js";
import { register as registerOptions } from "./options/index.js";
import { register as registerViews } from "./views/index.js";

/** Every listener, by kind: a new kind is a folder with a `register(app, deps)` and a line here. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
  registerViews(app, deps);
  registerOptions(app, deps);
  registerButtons(app, deps);
  registerApprovalButtons(app, deps);
  registerFollowUpButtons(app, deps);
  registerHome(app, deps);
}

export type { ListenerDeps } from "./deps.js";
export type { Replies } from "./reply.js";
