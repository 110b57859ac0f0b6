import type { GroupResolver } from "./groups.js";
import type { Standing } from "./member.js";
import { matchesAny } from "./patterns.js";
import {
  type ApprovalRule,
  approvalRuleFor,
  authorize,
  type ConditionFacts,
  mayApprove,
  type Policy,
  rolesOf,
  type Subject,
} from "./policy.js";

export type AccessCheck =
  | { readonly allowed: true; readonly role: string }
  | { readonly allowed: false; readonly message: string };

/** The rule a change-freeze override falls under when no rule of the file matches it. */
export const OVERRIDE_RULE_NAME = "change-freeze override";

/**
 * Who may do what, for the handlers: the policy's pure decisions, fed with the user groups Slack says a
 * person is in. Matched on Slack IDs only (users, groups, channels), never on display names.
 */
export class AccessControl {
  constructor(
    readonly policy: Policy,
    private readonly groups: Pick<GroupResolver, "groupsOf">,
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
   * The rule of a stored request, as the policy says now: a rule removed or renamed since approves
   * nothing. The override rule is made from who may unlock.
   */
  ruleNamed(name: string): ApprovalRule | undefined {
    if (name === OVERRIDE_RULE_NAME) return this.overrideRule();
    return this.policy.approvals.find((rule) => rule.name === name);
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
    return {
      // After the file's own rules, which are numbered from 0.
      index: this.policy.approvals.length,
      name: OVERRIDE_RULE_NAME,
      match: ["*"],
      when: {},
      approvers: { users, usergroups },
      required: 1,
      expiresAfterMs: 30 * 60_000,
      allowSelfApproval: false,
    };
  }

  async mayApprove(rule: ApprovalRule, userId: string, channelId: string): Promise<boolean> {
    return mayApprove(rule, await this.subject(userId, channelId));
  }
}
