import type { Logger } from "pino";
import type { Catalogue } from "../../catalogue/catalogue.js";
import type { ArgDefaults } from "../../catalogue/validate.js";
import type { ApprovalDesk } from "../../core/approvals.js";
import type { Auditor } from "../../core/audit.js";
import type { FollowUpEngine } from "../../core/followups/engine.js";
import type { Notifier } from "../../core/notifications/notifier.js";
import type { AccessControl } from "../../core/policy/access.js";
import type { IdentityResolver } from "../../core/policy/identity.js";
import type { RunnerDeps } from "../../core/run.js";
import type { Store } from "../../store/types.js";

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
