import { z } from "zod";
import { repositoryProblem } from "../../src/api/deploy/validators.js";
import { cronProblem } from "../../src/api/validators.js";
import { SimHttpError, type SimRequest } from "./http.js";

/** Request rules of the Deploy API simulator: identity, path parameters, form bodies. */

const email = z.email();
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Who calls a protected route, or 401. A JWT's `email` (or `sub`) claim is read, not verified. */
export function callerOf(req: SimRequest): string {
  const header = req.headers.identity;
  if (typeof header === "string" && email.safeParse(header.trim()).success) return header.trim();
  const cookie = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith("authtoken="));
  const jwt = cookie?.slice("authtoken=".length) ?? "";
  if (!JWT.test(jwt))
    throw new SimHttpError(401, "unauthorized: send an Identity header (email) or an authtoken cookie (JWT)");
  try {
    const payload = Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8");
    const claims = JSON.parse(payload) as { email?: unknown; sub?: unknown };
    if (typeof claims.email === "string") return claims.email;
    if (typeof claims.sub === "string") return claims.sub;
  } catch {
    // an opaque payload: still a logged-in user
  }
  return "authtoken user";
}

export function check(field: string, value: string, problem: (v: string) => string | undefined): string {
  const message = problem(value);
  if (message) throw new SimHttpError(400, `invalid ${field}: ${message}`);
  return value;
}

const directoryProblem = (value: string) => {
  for (const part of value.split("/")) {
    const message = part === "." || part === ".." ? "must not contain . or .." : repositoryProblem(part);
    if (message) return message;
  }
  return undefined;
};
export const scheduleProblem = (value: string) => (value === "" ? undefined : cronProblem(value));

/** The form body (multipart or urlencoded; anything else is 415), with a 400 for missing fields. */
export async function formOf(req: SimRequest) {
  const form = await req.form();
  const get = (name: string): string | undefined => form[name] || undefined;
  const required = (name: string): string => {
    const value = get(name);
    if (value === undefined) throw new SimHttpError(400, `missing form field: ${name}`);
    return value;
  };
  return { get, required };
}

export function parseConfiguration(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimHttpError(400, "invalid configuration: not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new SimHttpError(400, "invalid configuration: must be a JSON object");
  return value as Record<string, unknown>;
}

export const source = (req: SimRequest) => ({
  repository: check("repository", req.params.repository ?? "", repositoryProblem),
  directory: check("directory", req.params.directory ?? "", directoryProblem),
});
export const failingSource = (s: { repository: string; directory: string }) =>
  `${s.repository}/${s.directory}`.toLowerCase().includes("fail");
