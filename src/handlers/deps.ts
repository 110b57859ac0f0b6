import type { Logger } from "pino";
import type { IdentityResolver } from "../auth/identity.js";
import type { FollowUpEngine } from "../followups/engine.js";
import type { Notifier } from "../notifications/notifier.js";
import type { Catalogue } from "../ops/catalogue.js";
import type { RunnerDeps } from "../ops/run.js";
import type { ArgDefaults } from "../ops/validate.js";
import type { AccessControl } from "../safety/access.js";
import type { ApprovalDesk } from "../safety/approvals.js";
import type { Auditor } from "../safety/audit.js";
import type { Store } from "../store/types.js";

/** What the Slack listeners need; nothing here knows HTTP to the backends. */
export interface HandlerDeps extends RunnerDeps {
  readonly catalogue: Catalogue;
  readonly identities: IdentityResolver;
  readonly defaults: ArgDefaults;
  readonly logger: Logger;
  /** Flags that may stand alone (`--force`), from the catalogue's yes/no arguments. */
  readonly booleanFlags: ReadonlySet<string>;
  /** Long operations followed until they settle, durably. */
  readonly followUps: FollowUpEngine;
  readonly notifier: Notifier;
  readonly access: AccessControl;
  readonly store: Store;
  readonly audit: Auditor;
  readonly approvals: ApprovalDesk;
  /** The clock for expiries and the audit log (tests move it). */
  readonly now: () => number;
}
