import type { ApprovalRuleSnapshot } from "../../store/types.js";
import type { GroupResolver } from "./groups.js";
import type { Standing } from "./member.js";
import { matchesAny } from "./patterns.js";
import {
  type ApprovalRule,
  approvalRuleFor,
  authorize,
  type ConditionFacts,
  groupsReferenced,
  mayApprove,
  OVERRIDE_RULE_ID,
  OVERRIDE_RULE_NAME,
  type Policy,
  rolesOf,
  ruleDigest,
  type Subject,
} from "./policy.js";

export type AccessCheck =
  | { readonly allowed: true; readonly role: string }
  | { readonly allowed: false; readonly message: string };

export { OVERRIDE_RULE_ID, OVERRIDE_RULE_NAME } from "./policy.js";

/**
 * Who may do what, for the handlers: the policy's pure decisions, fed with the user groups Slack says a
 * person is in. Matched on Slack IDs only (users, groups, channels), never on display names.
 */
export class AccessControl {
  constructor(
    readonly policy: Policy,
    private readonly groups: Pick<GroupResolver, "groupsOf" | "membersOf">,
    /** What Slack says the account is; resolves "unknown" rather than failing. */
    private readonly standing: (userId: string) => Promise<Standing>,
  ) {}

  async subject(userId: string, channelId: string): Promise<Subject> {
    const [groups, standing] = await Promise.all([this.groups.groupsOf(userId), this.standing(userId)]);
    return { userId, channelId, groups, standing };
  }

  /** May `userId` run `operationId` in `channelId`? A refusal names the missing role and who grants it. */
  async check(userId: string, channelId: string, operationId: string): Promise<AccessCheck> {
    const decision = authorize(this.policy, await this.subject(userId, channelId), operationId);
    return decision.allowed
      ? { allowed: true, role: decision.role }
      : { allowed: false, message: decision.message };
  }

  async roles(userId: string, channelId: string): Promise<readonly string[]> {
    return rolesOf(this.policy, await this.subject(userId, channelId));
  }

  ruleFor(operationId: string, facts: ConditionFacts): ApprovalRule | undefined {
    return approvalRuleFor(this.policy, operationId, facts);
  }

  /**
   * The rule a stored request was created under, as the policy says now, or undefined when it is gone:
   * found by its `id`, else by its given name, else only at its position and with the same content, so
   * that an edit which moves or changes rules never hands a pending request to another rule's
   * approvers. Requests stored before rules had digests are found by name as they were. The override
   * rule is made from who may unlock.
   */
  ruleOf(stored: ApprovalRuleSnapshot): ApprovalRule | undefined {
    const rules = this.policy.approvals;
    if (stored.id !== undefined)
      return stored.id === OVERRIDE_RULE_ID ? this.overrideRule() : rules.find((r) => r.id === stored.id);
    if (stored.name === OVERRIDE_RULE_NAME) return this.overrideRule();
    if (stored.digest === undefined) return rules.find((r) => r.name === stored.name);
    if (stored.named) return rules.find((r) => r.named && r.name === stored.name);
    const there = rules[stored.index];
    return there && !there.named && there.digest === stored.digest ? there : undefined;
  }

  /** Overrides are approved by whoever may `unlock` (the admins), one of them, within 30 minutes. */
  overrideRule(): ApprovalRule | undefined {
    const roles = [...this.policy.roles]
      .filter(([, patterns]) => matchesAny(patterns, "unlock"))
      .map(([r]) => r);
    const grants = this.policy.grants.filter((g) => roles.includes(g.role) && !g.everyone);
    const users = [...new Set(grants.flatMap((g) => g.users))];
    const usergroups = [...new Set(grants.flatMap((g) => g.usergroups))];
    if (users.length + usergroups.length === 0) return undefined;
    const decides = {
      match: ["*"],
      when: {},
      approvers: { users, usergroups },
      required: 1,
      allowSelfApproval: false,
    };
    return {
      // After the file's own rules, which are numbered from 0.
      index: this.policy.approvals.length,
      id: OVERRIDE_RULE_ID,
      name: OVERRIDE_RULE_NAME,
      named: true,
      digest: ruleDigest(decides),
      ...decides,
      expiresAfterMs: 30 * 60_000,
    };
  }

  /** Holds a role that allows everything: who can change the permissions, and is told of its warnings. */
  async isAdmin(userId: string, channelId: string): Promise<boolean> {
    const held = await this.roles(userId, channelId);
    return held.some((role) => this.policy.roles.get(role)?.includes("*"));
  }

  /** The members of each user group the policy names, of those Slack has said. */
  async groupMembers(): Promise<Map<string, string[]>> {
    const groups = [...groupsReferenced(this.policy)];
    const known = await Promise.all(groups.map(async (g) => [g, await this.groups.membersOf(g)] as const));
    return new Map(known.flatMap(([g, members]) => (members ? [[g, [...members]] as const] : [])));
  }

  /**
   * How many people could approve `requesterId`'s request under `rule`: the users it names and the
   * members of its groups, the requester left out unless the rule allows self-approval. Undefined when
   * a group's members are not known (Slack has not said), so that nothing is refused on a guess.
   */
  async approversFor(rule: ApprovalRule, requesterId: string): Promise<number | undefined> {
    const people = new Set(rule.approvers.users);
    for (const group of rule.approvers.usergroups) {
      const members = await this.groups.membersOf(group);
      if (!members) return undefined;
      for (const member of members) people.add(member);
    }
    if (!rule.allowSelfApproval) people.delete(requesterId);
    return people.size;
  }

  async mayApprove(rule: ApprovalRule, userId: string, channelId: string): Promise<boolean> {
    return mayApprove(rule, await this.subject(userId, channelId));
  }
}
