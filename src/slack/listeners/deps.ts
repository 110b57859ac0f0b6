import type { Logger } from "pino";
import type { Catalogue } from "../../catalogue/catalogue.js";
import type { ArgDefaults } from "../../catalogue/validate.js";
import type { Core } from "../../core/index.js";
import type { Clock } from "../../core/ports.js";
import type { Replies } from "./reply.js";

/** What the Slack listeners need: the core's use cases, the catalogue to read input with, a way to answer. */
export interface ListenerDeps {
  readonly core: Core;
  readonly catalogue: Catalogue;
  /** Flags that may stand alone (`--force`), from the catalogue's yes/no arguments. */
  readonly booleanFlags: ReadonlySet<string>;
  readonly defaults: ArgDefaults;
  readonly replies: Replies;
  readonly logger: Logger;
  readonly now: Clock;
}
