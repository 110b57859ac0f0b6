import type { ArgDefaults } from "../../catalogue/validate.js";
import type { Store } from "../../store/types.js";
import type { CarryOutDeps } from "../carry-out.js";
import type { Notifier } from "../notifications/notifier.js";
import type { AccessControl } from "../policy/access.js";
import type { Clock, SlackPoster } from "../ports.js";

export interface ApprovalDeskDeps extends CarryOutDeps {
  readonly store: Pick<Store, "approvals" | "locks">;
  readonly access: Pick<AccessControl, "check" | "ruleOf" | "mayApprove">;
  readonly defaults: ArgDefaults;
  readonly notifier: Pick<Notifier, "notify">;
  readonly poster: Pick<SlackPoster, "post" | "update" | "upload">;
  readonly now: Clock;
  /** This process: the owner of the requests it runs (see ProcessStore). */
  readonly processId: string;
  /** How old a process's heartbeat must be for the requests it was running to count as cut off. */
  readonly staleAfterMs: number;
}
