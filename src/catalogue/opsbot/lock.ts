import { z } from "zod";
import { kubeNameProblem } from "../../api/deploy/validators.js";
import { allocationId } from "../../api/orchestration/schemas.js";
import type { Lock, LockTargetKind } from "../../store/types.js";
import { arg, defineOperation } from "../define.js";
import type { Field, Output } from "../output.js";
import { UserFacingError } from "./context.js";
import { isUntil, untilOf } from "./time.js";

/** Change freezes: `lock` and `unlock` a namespace or an allocation; `lock` alone lists them. */

const MAX_LOCK_MS = 30 * 24 * 3_600_000;

const KINDS = ["namespace", "allocation"] as const;
const kindOptions = {
  label: "What",
  hint: "A namespace, or an Orchestration allocation",
  input: "select",
  choices: KINDS,
} as const;
const nameOptions = {
  label: "Name",
  hint: "The namespace's name, or the allocation's UUID",
  placeholder: "prod-eu",
};
const targetName = z.string().max(253, "must be at most 253 characters");

/** The target's own rule: a Kubernetes name, or an allocation UUID. */
function targetProblems(kind: LockTargetKind | undefined, name: string | undefined) {
  if (kind === undefined) return [];
  if (name === undefined) return [{ arg: "name", message: `is required: the ${kind} to act on` }];
  if (kind === "namespace") {
    const problem = kubeNameProblem(name);
    return problem ? [{ arg: "name", message: problem }] : [];
  }
  return allocationId.safeParse(name).success
    ? []
    : [{ arg: "name", message: "must be the allocation's UUID" }];
}

const described = (target: Lock["target"]) => `${target.kind} ${target.name}`;

function lockFields(lock: Lock): Field[] {
  return [
    { label: "Reason", value: lock.reason },
    { label: "Locked by", value: lock.lockedBy, mention: "user" },
    ...(lock.until ? [{ label: "Until", value: new Date(lock.until).toISOString(), time: true }] : []),
  ];
}

export const lock = defineOperation({
  id: "lock",
  resource: "lock",
  verb: "",
  summary: "Freeze changes to a namespace or an allocation (admins); alone, list the freezes",
  risk: "write",
  backend: "opsbot",
  needsIdentity: false,
  args: {
    kind: arg.positional(z.enum(KINDS).optional(), kindOptions),
    name: arg.positional(targetName.optional(), nameOptions),
    reason: arg.flag(
      z.string().trim().min(1, "must say why").max(500, "must be at most 500 characters").optional(),
      {
        label: "Reason",
        hint: "Shown to everyone whose change is refused",
        placeholder: "quarter close",
        input: "multiline",
      },
    ),
    until: arg.flag(
      z
        .string()
        .refine(
          isUntil,
          "must be a time of day (18:00, UTC), a duration (2h) or a date-time (2026-12-01T09:00Z)",
        )
        .optional(),
      {
        label: "Until",
        hint: "18:00 (UTC), 2h, or 2026-12-01T09:00Z; empty: until unlocked",
        placeholder: "2h",
      },
    ),
  },
  open: (args) => args.kind === undefined,
  changes: (args) => args.kind !== undefined,
  check: (args) => [
    ...targetProblems(args.kind, args.name),
    ...(args.kind !== undefined && args.reason === undefined
      ? [{ arg: "reason", message: "is required: say why, it is shown to everyone refused" }]
      : []),
    ...(args.kind === undefined && (args.reason !== undefined || args.until !== undefined)
      ? [{ arg: "kind", message: "is required: name the namespace or allocation to lock" }]
      : []),
  ],
  async run(ctx, args) {
    const { now } = ctx.opsbot;
    if (args.kind === undefined || args.name === undefined)
      return { listed: await ctx.opsbot.locks.list(now) };
    const until = args.until === undefined ? undefined : untilOf(args.until, now);
    if (until !== undefined && until <= now) throw new UserFacingError("`--until` must be in the future.");
    if (until !== undefined && until - now > MAX_LOCK_MS)
      throw new UserFacingError("`--until` must be within 30 days.");
    const locked = await ctx.opsbot.locks.lock({
      target: { kind: args.kind, name: args.name },
      reason: args.reason ?? "",
      lockedBy: ctx.actor.userId,
      lockedAt: now,
      ...(until === undefined ? {} : { until }),
    });
    return { locked };
  },
  render(result): Output {
    if ("locked" in result)
      return {
        kind: "record",
        title: `Locked ${described(result.locked.target)}`,
        tone: "success",
        text: "Changes to it are refused; an admin can override with --force and an approval.",
        fields: lockFields(result.locked),
      };
    return {
      kind: "list",
      title: "Change freezes",
      empty: "No change freezes: every namespace and allocation is open.",
      items: result.listed.map((listed) => ({ title: described(listed.target), fields: lockFields(listed) })),
    };
  },
});

export const unlock = defineOperation({
  id: "unlock",
  resource: "unlock",
  verb: "",
  summary: "End a change freeze (admins)",
  risk: "write",
  backend: "opsbot",
  needsIdentity: false,
  args: {
    kind: arg.positional(z.enum(KINDS), kindOptions),
    name: arg.positional(targetName, nameOptions),
  },
  check: (args) => targetProblems(args.kind, args.name),
  async run(ctx, args) {
    const target = { kind: args.kind, name: args.name };
    const removed = await ctx.opsbot.locks.unlock(target);
    if (!removed) throw new UserFacingError(`${args.kind} \`${args.name}\` is not locked.`);
    return removed;
  },
  render: (removed): Output => ({
    kind: "record",
    title: `Unlocked ${described(removed.target)}`,
    tone: "success",
    fields: [
      { label: "Was locked by", value: removed.lockedBy, mention: "user" },
      { label: "Reason", value: removed.reason },
    ],
  }),
});
