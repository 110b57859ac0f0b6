import { type ApprovalAsk, requestApproval } from "./asking.js";
import { type ApprovalClick, approve, deny } from "./deciding.js";
import type { ApprovalDeskDeps } from "./deps.js";
import { recoverInterrupted, sweep } from "./sweep.js";

/**
 * Approval requests: posted with Approve / Deny, decided only by the rule's approvers (never the
 * requester, unless the rule allows it), run exactly once as the requester when enough have approved,
 * and only if the call is still the one that was approved. Everything goes through the store, so a
 * request survives a restart and 50 simultaneous clicks make one backend call. A request approved by a
 * process that stopped before running it is run by the next sweep (at start-up), still exactly once.
 */
export class ApprovalDesk {
  readonly #deps: ApprovalDeskDeps;
  /** Requests this process approved and is running: the sweep leaves them to their click. */
  readonly #inHand = new Set<string>();

  constructor(deps: ApprovalDeskDeps) {
    this.#deps = deps;
  }

  request(ask: ApprovalAsk): Promise<void> {
    return requestApproval(this.#deps, ask);
  }

  approve(click: ApprovalClick): Promise<void> {
    return approve(this.#deps, this.#inHand, click);
  }

  deny(click: ApprovalClick): Promise<void> {
    return deny(this.#deps, click);
  }

  /** Ends the requests whose process stopped while running them (see sweep.ts). Returns how many. */
  recoverInterrupted(): Promise<number> {
    return recoverInterrupted(this.#deps);
  }

  /** Ends cut-off runs, runs approved-but-unrun requests, expires what is due (see sweep.ts). */
  sweep(): Promise<number> {
    return sweep(this.#deps, this.#inHand);
  }
}
