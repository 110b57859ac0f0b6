import type { AnyOperation } from "../../catalogue/define.js";
import { matchesAny } from "./patterns.js";
import type { ApprovalRule, Policy } from "./policy.js";

/**
 * What a permissions file that loads may still get wrong, found before anyone is caught by it: approval
 * rules that put reads behind a public request, rules no one can satisfy, and changes that skip the
 * approval a similar verb needs. Pure: the members of the user groups it names are given when known
 * (a group not given counts as unknown, and no guess is made about it).
 */

export type PolicyWarningKind = "matches-reads" | "unsatisfiable" | "uncovered-similar";

export interface PolicyWarning {
  readonly kind: PolicyWarningKind;
  /** Plain text (rule names and operation ids as they are): escape it before showing it in Slack. */
  readonly message: string;
}

export type OperationFacts = Pick<AnyOperation, "id" | "risk" | "resource" | "verb">;

/** At most this many operation ids are named in one warning. */
const NAMED = 5;

export function policyWarnings(
  policy: Policy,
  operations: readonly OperationFacts[],
  groupMembers: ReadonlyMap<string, readonly string[]> = new Map(),
): PolicyWarning[] {
  return [
    ...policy.approvals.flatMap((rule) => readsMatched(rule, operations)),
    ...policy.approvals.flatMap((rule) => unsatisfiable(policy, rule, operations, groupMembers)),
    ...uncoveredSimilar(policy, operations),
  ];
}

/** A read behind an approval rule waits for a public request, for something anyone may look at. */
function readsMatched(rule: ApprovalRule, operations: readonly OperationFacts[]): PolicyWarning[] {
  const reads = operations.filter((o) => o.risk === "read" && matchesAny(rule.match, o.id)).map((o) => o.id);
  if (reads.length === 0) return [];
  return [
    {
      kind: "matches-reads",
      message: `approval rule "${rule.name}" matches read-only operations (${named(reads)}): each of them would wait for an approval request. List only changes in its match (allocation:disable rather than allocation:*).`,
    },
  ];
}

/**
 * Fewer people able to approve than `required`, at all or once the one who asks is left out (nobody
 * approves their own request unless the rule allows it). Said only when every group it names is known.
 */
function unsatisfiable(
  policy: Policy,
  rule: ApprovalRule,
  operations: readonly OperationFacts[],
  groupMembers: ReadonlyMap<string, readonly string[]>,
): PolicyWarning[] {
  if (rule.approvers.usergroups.some((g) => !groupMembers.has(g))) return [];
  const approvers = new Set([
    ...rule.approvers.users,
    ...rule.approvers.usergroups.flatMap((g) => groupMembers.get(g) ?? []),
  ]);
  const needs = `needs ${rule.required} approval${rule.required === 1 ? "" : "s"}`;
  if (approvers.size < rule.required)
    return [
      {
        kind: "unsatisfiable",
        message: `approval rule "${rule.name}" ${needs} but only ${approvers.size} ${people(approvers.size)} can approve: its requests would wait until they expire. Add approvers or lower required.`,
      },
    ];
  if (rule.allowSelfApproval || approvers.size - 1 >= rule.required) return [];
  const matched = operations.filter((o) => matchesAny(rule.match, o.id)).map((o) => o.id);
  const askers = [...approvers].filter((user) => mayRunAny(policy, user, matched, groupMembers));
  if (askers.length === 0) return [];
  return [
    {
      kind: "unsatisfiable",
      message: `approval rule "${rule.name}" ${needs} from ${approvers.size} ${people(approvers.size)}, and ${named(askers)} may also ask: a request of theirs could be approved by only ${approvers.size - 1}, so it would wait until it expires. Add approvers, lower required or set allow_self_approval.`,
    },
  ];
}

/**
 * A change no rule matches while a verb of the same stem on the same resource is matched
 * (`task:deploy-config` beside `task:deploy`): most often a rule written before the verb existed.
 * Only changes some role allows count; `when` conditions are left aside, as the fix is the same.
 */
function uncoveredSimilar(policy: Policy, operations: readonly OperationFacts[]): PolicyWarning[] {
  const covered = (id: string) => policy.approvals.find((rule) => matchesAny(rule.match, id));
  const allowed = (id: string) => [...policy.roles.values()].some((patterns) => matchesAny(patterns, id));
  const changes = operations.filter((o) => o.verb && o.risk !== "read");
  return changes.flatMap((change) => {
    if (covered(change.id) || !allowed(change.id)) return [];
    const sibling = changes.find(
      (o) =>
        o.resource === change.resource && o.id !== change.id && stem(o) === stem(change) && covered(o.id),
    );
    const rule = sibling && covered(sibling.id);
    if (!sibling || !rule) return [];
    return [
      {
        kind: "uncovered-similar",
        message: `${change.id} runs without an approval, while ${sibling.id} needs one (approval rule "${rule.name}"): add ${change.id} to that rule's match if it should need one too.`,
      },
    ];
  });
}

function mayRunAny(
  policy: Policy,
  userId: string,
  operationIds: readonly string[],
  groupMembers: ReadonlyMap<string, readonly string[]>,
): boolean {
  // Channels are left aside: a grant in any channel lets the person ask there.
  const held = policy.grants
    .filter(
      (g) =>
        g.everyone ||
        g.users.includes(userId) ||
        g.usergroups.some((group) => groupMembers.get(group)?.includes(userId)),
    )
    .map((g) => g.role);
  return held.some((role) => operationIds.some((id) => matchesAny(policy.roles.get(role) ?? [], id)));
}

/** `deploy` for `deploy-config`: verbs that do the same thing another way. */
function stem(operation: OperationFacts): string {
  return operation.verb.split("-")[0] ?? operation.verb;
}

function named(ids: readonly string[]): string {
  const shown = ids.slice(0, NAMED).join(", ");
  return ids.length > NAMED ? `${shown} and ${ids.length - NAMED} more` : shown;
}

function people(count: number): string {
  return count === 1 ? "person" : "people";
}
