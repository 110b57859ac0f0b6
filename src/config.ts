import { z } from "zod";
import { Secret } from "./lib/secret.js";

/**
 * All settings, read once from the environment (the only module that reads `process.env`). A missing or
 * malformed setting stops start-up with one message that lists every problem and the variable to set.
 */

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const positiveInt = (max: number) => z.coerce.number({ error: "must be a number" }).int().min(1).max(max);
const secret = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .transform((v) => new Secret(v));
const pathOverrides = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of operation id to path template" });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.string().startsWith("/", "each path must start with /")));

/** Environment variable name -> schema. Optional variables may be absent; secrets are wrapped. */
const envSchema = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  OPSBOT_HTTP_CONNECT_TIMEOUT_MS: positiveInt(120_000).default(5_000),
  OPSBOT_HTTP_HEADERS_TIMEOUT_MS: positiveInt(600_000).default(15_000),
  OPSBOT_HTTP_BODY_TIMEOUT_MS: positiveInt(600_000).default(30_000),
  OPSBOT_HTTP_CONNECTIONS: positiveInt(1_024).default(64),

  CALYPTIA_API_URL: url.default("https://cloud-api.calyptia.com"),
  CALYPTIA_API_TOKEN: secret.optional(),
  CALYPTIA_AUTH_SCHEME: z.enum(["project-token", "bearer"]).default("project-token"),
  CALYPTIA_API_PATHS: pathOverrides.optional(),

  DEPLOY_API_URL: url.optional(),
  DEPLOY_API_PATHS: pathOverrides.optional(),

  ORCHESTRATION_API_URL: url.optional(),
  ORCHESTRATION_API_TOKEN: secret.optional(),
  ORCHESTRATION_CLIENT_ID: z.string().trim().min(1).optional(),
  ORCHESTRATION_CLIENT_SECRET: secret.optional(),
  ORCHESTRATION_REFRESH_TOKEN: secret.optional(),
  ORCHESTRATION_TOKEN_URL: url.default("https://platform-auth.improbable.io/auth/v1/token"),
  ORCHESTRATION_PROJECT_ID: z.string().trim().min(1).optional(),
  ORCHESTRATION_ALLOCATION_ID: z.string().trim().min(1).optional(),
  ORCHESTRATION_API_PATHS: pathOverrides.optional(),
});

type Env = z.output<typeof envSchema>;

export interface HttpSettings {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly connections: number;
}

export interface CalyptiaSettings {
  readonly baseUrl: string;
  readonly token: Secret | undefined;
  readonly authScheme: "project-token" | "bearer";
  readonly paths: Readonly<Record<string, string>>;
}

export interface DeploySettings {
  readonly baseUrl: string | undefined;
  readonly paths: Readonly<Record<string, string>>;
}

export type OrchestrationAuth =
  | { readonly kind: "static"; readonly token: Secret }
  | {
      readonly kind: "refresh-token";
      readonly clientId: string;
      readonly clientSecret: Secret;
      readonly refreshToken: Secret;
      readonly tokenUrl: string;
    }
  | { readonly kind: "none" };

export interface OrchestrationSettings {
  readonly baseUrl: string | undefined;
  readonly auth: OrchestrationAuth;
  readonly projectId: string | undefined;
  readonly allocationId: string | undefined;
  readonly paths: Readonly<Record<string, string>>;
}

export interface Config {
  readonly logLevel: Env["LOG_LEVEL"];
  readonly http: HttpSettings;
  readonly calyptia: CalyptiaSettings;
  readonly deploy: DeploySettings;
  readonly orchestration: OrchestrationSettings;
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `opsbot cannot start: ${problems.length} configuration problem${problems.length === 1 ? "" : "s"}\n${problems
        .map((p) => `  - ${p.variable}: ${p.message}`)
        .join("\n")}`,
    );
  }
}

/** Parses the environment. Empty strings count as unset, as shells and .env files often leave them. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((key) => [key, env[key]])
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const problems: ConfigProblem[] = [];
  const orchestrationAuth = resolveOrchestrationAuth(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    logLevel: e.LOG_LEVEL,
    http: {
      connectTimeoutMs: e.OPSBOT_HTTP_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.OPSBOT_HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.OPSBOT_HTTP_BODY_TIMEOUT_MS,
      connections: e.OPSBOT_HTTP_CONNECTIONS,
    },
    calyptia: {
      baseUrl: e.CALYPTIA_API_URL,
      token: e.CALYPTIA_API_TOKEN,
      authScheme: e.CALYPTIA_AUTH_SCHEME,
      paths: e.CALYPTIA_API_PATHS ?? {},
    },
    deploy: { baseUrl: e.DEPLOY_API_URL, paths: e.DEPLOY_API_PATHS ?? {} },
    orchestration: {
      baseUrl: e.ORCHESTRATION_API_URL,
      auth: orchestrationAuth,
      projectId: e.ORCHESTRATION_PROJECT_ID,
      allocationId: e.ORCHESTRATION_ALLOCATION_ID,
      paths: e.ORCHESTRATION_API_PATHS ?? {},
    },
  };
}

function resolveOrchestrationAuth(e: Env, problems: ConfigProblem[]): OrchestrationAuth {
  const serviceAccount = [
    e.ORCHESTRATION_CLIENT_ID,
    e.ORCHESTRATION_CLIENT_SECRET,
    e.ORCHESTRATION_REFRESH_TOKEN,
  ];
  const given = serviceAccount.filter((v) => v !== undefined).length;
  if (e.ORCHESTRATION_API_TOKEN && given > 0) {
    problems.push({
      variable: "ORCHESTRATION_API_TOKEN",
      message:
        "set either a static token or the service account (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN), not both",
    });
    return { kind: "none" };
  }
  if (e.ORCHESTRATION_API_TOKEN) return { kind: "static", token: e.ORCHESTRATION_API_TOKEN };
  if (given > 0 && given < 3) {
    const names = ["ORCHESTRATION_CLIENT_ID", "ORCHESTRATION_CLIENT_SECRET", "ORCHESTRATION_REFRESH_TOKEN"];
    for (const [i, name] of names.entries())
      if (serviceAccount[i] === undefined)
        problems.push({
          variable: name,
          message: "is required when the other service-account variables are set",
        });
    return { kind: "none" };
  }
  if (e.ORCHESTRATION_CLIENT_ID && e.ORCHESTRATION_CLIENT_SECRET && e.ORCHESTRATION_REFRESH_TOKEN) {
    return {
      kind: "refresh-token",
      clientId: e.ORCHESTRATION_CLIENT_ID,
      clientSecret: e.ORCHESTRATION_CLIENT_SECRET,
      refreshToken: e.ORCHESTRATION_REFRESH_TOKEN,
      tokenUrl: e.ORCHESTRATION_TOKEN_URL,
    };
  }
  return { kind: "none" };
}
