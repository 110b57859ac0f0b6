import type { z } from "zod";
import type { Identity } from "./identity.js";

export type Backend = "calyptia" | "deploy" | "orchestration";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How a successful body is read before the response schema sees it. */
export type ResponseFormat =
  /** JSON required; anything else is a contract error. */
  | "json"
  /** JSON when it parses, otherwise the raw text is handed to the schema (the Deploy API's lenient mode). */
  | "json-or-text"
  /** The body is ignored; the schema receives `null` (204 and `{}` answers). */
  | "empty";

export interface ResponseMeta {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * One backend endpoint, described once. The client methods, the simulators' contract tests and the
 * Slack operation catalogue all derive from these descriptions.
 *
 * Input is one flat object validated by `input`: keys named in the path template fill it, keys listed in
 * `query` go to the query string, every other key goes to the body (encoded as `body` says).
 */
export interface Endpoint<
  In extends z.ZodType = z.ZodType,
  Res extends z.ZodType = z.ZodType,
  Out = z.output<Res>,
  NeedsIdentity extends boolean = boolean,
> {
  readonly backend: Backend;
  /** Stable name, e.g. `createPipelinePort`; also the key for path overrides in configuration. */
  readonly id: string;
  readonly summary: string;
  readonly method: HttpMethod;
  /** Default path template (see path.ts); configuration may override it. */
  readonly path: string;
  readonly input: In;
  readonly query?: readonly string[];
  readonly body?: "json" | "multipart";
  readonly response: Res;
  readonly responseFormat?: ResponseFormat;
  /** Shapes the parsed body with response metadata (e.g. the `Link` header's next cursor). */
  readonly shape?: (body: z.output<Res>, meta: ResponseMeta) => Out;
  /**
   * Whether the call may be repeated automatically after a transient failure. Declared per endpoint and
   * never inferred from the HTTP method: the Deploy API deploys, kills and deletes with GET.
   */
  readonly retry: "safe" | "unsafe";
  /** True for the Deploy API's protected routes: callers must say whose identity to send. */
  readonly needsIdentity: NeedsIdentity;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest endpoint type, used only as a constraint
export type AnyEndpoint = Endpoint<z.ZodType, z.ZodType, any, boolean>;

export function defineEndpoint<
  In extends z.ZodType,
  Res extends z.ZodType,
  NeedsIdentity extends boolean,
  Out = z.output<Res>,
>(endpoint: Endpoint<In, Res, Out, NeedsIdentity>): Endpoint<In, Res, Out, NeedsIdentity> {
  return endpoint;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface IdentityCallOptions extends CallOptions {
  /** Whose `Identity` header (or `authtoken` cookie) the protected route receives. */
  readonly identity: Identity;
}

export type InputOf<E> = E extends Endpoint<infer In, z.ZodType, unknown, boolean> ? z.input<In> : never;
export type OutputOf<E> = E extends Endpoint<z.ZodType, z.ZodType, infer Out, boolean> ? Out : never;

/** Protected endpoints take a mandatory identity; the others take optional options. */
export type CallArgs<E> =
  E extends Endpoint<z.ZodType, z.ZodType, unknown, true>
    ? [options: IdentityCallOptions]
    : [options?: CallOptions];

/** The typed client for a map of endpoints: one method per endpoint, same name. */
export type ClientOf<Eps extends Record<string, AnyEndpoint>> = {
  readonly [K in keyof Eps]: (input: InputOf<Eps[K]>, ...args: CallArgs<Eps[K]>) => Promise<OutputOf<Eps[K]>>;
};
