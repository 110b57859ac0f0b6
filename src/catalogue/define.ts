import type { z } from "zod";
import type { Backend } from "../api/endpoint.js";
import type { Identity } from "../api/identity.js";
import type { ApiClients } from "../api/index.js";
import type { OpsbotContext } from "./opsbot/context.js";
import type { Output } from "./output.js";

/**
 * The operation catalogue's building blocks. Each operation is described once (its arguments with their
 * zod rules and how they are typed in Slack, its risk, how it runs and how its result reads); the
 * `/ops` parser, help, modals, permissions, approvals and audit are all derived from that description.
 */

/** How an argument is typed in a modal. */
export type InputKind = "text" | "multiline" | "number" | "select" | "external_select" | "boolean";

/** Lists the bot can offer in an external select, fed by a backend list endpoint. */
export type OptionSource = "namespaces" | "task-templates" | "pipeline-templates";

/** Configured defaults an argument may fall back on. */
export type DefaultSource = "orchestration.projectId" | "orchestration.allocationId";

/** The environment variable an operator sets for each default, the name help shows. */
export const DEFAULT_SETTINGS: Readonly<Record<DefaultSource, string>> = {
  "orchestration.projectId": "ORCHESTRATION_PROJECT_ID",
  "orchestration.allocationId": "ORCHESTRATION_ALLOCATION_ID",
};

export interface ArgDef<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** Positional arguments are taken in declaration order; the others are `--flags`. */
  readonly positional: boolean;
  readonly label: string;
  readonly hint?: string;
  readonly placeholder?: string;
  readonly input: InputKind;
  /** Values of a `select`. */
  readonly choices?: readonly string[];
  readonly source?: OptionSource;
  /** Flag may be given several times (`--selector a=b --selector c=d`); the value is a string list. */
  readonly repeatable?: boolean;
  readonly defaultFrom?: DefaultSource;
  /** Flag name when it differs from the kebab-case of the argument name. */
  readonly flag?: string;
  /**
   * A value that may hold credentials (a pasted configuration, log text): logs, audit rows, approval
   * cards, exports and command notes show a digest of it instead (see sensitive.ts).
   */
  readonly sensitive?: boolean;
  /** Flag names it had before (`--last` for `--limit`): still taken, with a hint to the current one. */
  readonly formerly?: readonly string[];
}

type ArgOptions = Omit<ArgDef, "schema" | "positional" | "input"> & { readonly input?: InputKind };

export const arg = {
  positional: <S extends z.ZodType>(schema: S, options: ArgOptions): ArgDef<S> => ({
    input: "text",
    ...options,
    schema,
    positional: true,
  }),
  flag: <S extends z.ZodType>(schema: S, options: ArgOptions): ArgDef<S> => ({
    input: "text",
    ...options,
    schema,
    positional: false,
  }),
};

export type Risk = "read" | "write" | "destructive";

export type ArgsOf<Defs extends Record<string, ArgDef>> = { [K in keyof Defs]: z.output<Defs[K]["schema"]> };

/** Who asked and where; handed to every operation. */
export interface Actor {
  readonly userId: string;
  readonly channelId: string;
}

export interface RunContext {
  readonly api: ApiClients;
  /** opsbot's own state (freezes, subscriptions, the audit log), for its own commands. */
  readonly opsbot: OpsbotContext;
  readonly actor: Actor;
  readonly signal?: AbortSignal;
}

/** The context of an operation on a protected Deploy route: the caller's identity is always there. */
export interface IdentifiedContext extends RunContext {
  readonly identity: Identity;
}

/**
 * How to follow a long operation: the read operation to poll, with its raw arguments, until that one
 * says it has settled. `prefill` adds arguments to the buttons the settled result offers (a Deploy
 * button after a load keeps the repository and folder it came from).
 */
export interface FollowSpec {
  readonly operationId: `${string}:${string}`;
  readonly args: Readonly<Record<string, string>>;
  readonly prefill?: Readonly<Record<string, string>>;
  /** States that count as done here besides the polled operation's own (a service stays "running"). */
  readonly settleOn?: readonly string[];
  /** What the parent message calls it, e.g. `quick_start/job_python`. */
  readonly subject?: string;
  /** A button on the parent while it runs (e.g. kill the pipeline), through the usual permission check. */
  readonly cancel?: {
    readonly operationId: `${string}:${string}`;
    readonly args: Readonly<Record<string, string>>;
    readonly label: string;
  };
}

/** Where a followed operation is: its state word, and whether that is final. */
export interface Progress {
  readonly state: string;
  readonly outcome?: "succeeded" | "failed";
}

/** What an operation acts on, for change freezes and approval conditions. */
export interface Target {
  readonly namespace?: string;
  readonly allocation?: string;
}

export interface Operation<
  Defs extends Record<string, ArgDef> = Record<string, ArgDef>,
  Result = unknown,
  NeedsIdentity extends boolean = boolean,
> {
  /**
   * The name permissions and approvals match on: `resource:verb` for a backend operation, a bare word
   * for one of opsbot's own commands (`lock`, `audit`), whose `verb` is empty.
   */
  readonly id: string;
  readonly resource: string;
  readonly verb: string;
  readonly summary: string;
  readonly risk: Risk;
  /** Whose requests it makes: one of the three APIs, or opsbot itself (its store). */
  readonly backend: Backend | "opsbot";
  /**
   * Needs no permission with these arguments: reads anyone may see (the freezes, which a refusal shows
   * anyway; where events go; who you are to opsbot).
   */
  open?(args: ArgsOf<Defs>): boolean;
  readonly args: Defs;
  /** Calls a protected Deploy route, so it runs as the person who asked. */
  readonly needsIdentity: NeedsIdentity;
  /** Cross-field rule checked after each argument's own rule; returns problems by argument name. */
  // Method syntax on purpose: its parameters are checked bivariantly, so a specific operation can
  // stand where `AnyOperation` is expected.
  check?(args: ArgsOf<Defs>): readonly { arg: string; message: string }[];
  run(ctx: NeedsIdentity extends true ? IdentifiedContext : RunContext, args: ArgsOf<Defs>): Promise<Result>;
  render(result: Result, args: ArgsOf<Defs>): Output;
  target?(args: ArgsOf<Defs>): Target;
  /** A long operation: what to poll after it answered (e.g. a load's work ID), or undefined. */
  follow?(result: Result, args: ArgsOf<Defs>): FollowSpec | undefined;
  /** On the polled operation: the state this answer shows, and whether it is final. */
  progress?(result: Result): Progress;
  /**
   * For a change that also reads (`lock` alone lists the freezes): whether these arguments make the
   * change. Without it every call of a change makes one.
   */
  changes?(args: ArgsOf<Defs>): boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest operation type, used only as a constraint
export type AnyOperation = Operation<Record<string, ArgDef>, any, boolean>;

export function defineOperation<Defs extends Record<string, ArgDef>, Result, NeedsIdentity extends boolean>(
  operation: Operation<Defs, Result, NeedsIdentity>,
): Operation<Defs, Result, NeedsIdentity> {
  return operation;
}

/** The words that name it on the command line: `task deploy`, or `lock`. */
export function commandWords(operation: Pick<AnyOperation, "resource" | "verb">): string {
  return operation.verb ? `${operation.resource} ${operation.verb}` : operation.resource;
}

/** The `--flag` name of an argument: its own, or the kebab-case of its name (`frontendPort` → `frontend-port`). */
export function flagName(name: string, def: ArgDef): string {
  return def.flag ?? name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, "-");
}

/**
 * Whether these validated arguments change something. A change typed with no arguments at all opens its
 * form instead of running, so nothing is changed before its values were seen.
 */
export function makesChange(operation: AnyOperation, args: Record<string, unknown>): boolean {
  return operation.risk !== "read" && (operation.changes?.(args) ?? true);
}

/**
 * An argument as a person names it in a message: the flag they type (`--frontend-port`), or a
 * positional's usage name (`<pipelineId>`), never the internal name alone.
 */
export function argWord(name: string, def: ArgDef | undefined): string {
  if (!def) return name;
  return def.positional ? `<${name}>` : `--${flagName(name, def)}`;
}

export function isOptional(def: ArgDef): boolean {
  // A repeatable flag given no times is an empty list, which its schema decides on.
  if (def.repeatable) return def.schema.safeParse([]).success;
  return def.defaultFrom !== undefined || def.schema.safeParse(undefined).success;
}
