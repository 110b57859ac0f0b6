import { readFileSync } from "node:fs";
import { z } from "zod";
import type {
  CalyptiaSettings,
  DeploySettings,
  HttpSettings,
  OrchestrationAuth,
  OrchestrationSettings,
} from "../api/settings.js";
import { ConfigError, type ConfigProblem } from "../lib/config-error.js";
import { Secret } from "../lib/secret.js";

/**
 * All settings, read once from the environment (the only module that reads `process.env`). A missing or
 * malformed setting stops start-up with one line per problem, naming the variable to set.
 */

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/**
 * A whole number within bounds, with the bounds in the message whatever is wrong (text, a fraction, too
 * big): "must be a number" alone leaves the operator guessing what a valid one is.
 */
const wholeNumber = (min: number, max: number, unit?: string) => {
  const message = `must be a whole number${unit ? ` of ${unit}` : ""} between ${min} and ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};
const positiveInt = (max: number, unit?: string) => wholeNumber(1, max, unit);
const retentionMessage = "must be a whole number of days between 0 (keep for ever) and 36500";
const retentionDays = z.coerce
  .number({ error: retentionMessage })
  .int(retentionMessage)
  .min(0, retentionMessage)
  .max(36_500, retentionMessage);
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

  /** The permissions file (YAML); without it everyone may read and nobody may change anything. */
  OPSBOT_CONFIG: z.string().trim().min(1).optional(),
  /** The embedded store's SQLite file. */
  OPSBOT_DB: z.string().trim().min(1).default("./data/opsbot.db"),
  /** A PostgreSQL database instead, for several replicas (it may carry a password: kept as a secret). */
  OPSBOT_DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/i, "must be a postgres:// or postgresql:// URL")
    .transform((value) => new Secret(value))
    .optional(),
  /** The schema opsbot's tables live in on PostgreSQL (created if missing); the connection's default otherwise. */
  OPSBOT_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL name (letters, digits, _)")
    .optional(),
  /** Connections each replica may hold open to PostgreSQL (replicas × this ≤ the server's max_connections). */
  OPSBOT_DATABASE_POOL_MAX: positiveInt(200).default(10),

  OPSBOT_HTTP_CONNECT_TIMEOUT_MS: positiveInt(120_000, "milliseconds").default(5_000),
  OPSBOT_HTTP_HEADERS_TIMEOUT_MS: positiveInt(600_000, "milliseconds").default(15_000),
  OPSBOT_HTTP_BODY_TIMEOUT_MS: positiveInt(600_000, "milliseconds").default(30_000),
  OPSBOT_HTTP_DEADLINE_MS: positiveInt(600_000, "milliseconds").default(60_000),
  OPSBOT_HTTP_CONNECTIONS: positiveInt(1_024).default(64),

  /** When set, `GET /metrics` asks for `Authorization: Bearer <token>`. */
  OPSBOT_METRICS_TOKEN: secret.optional(),
  /** How long SIGTERM waits for in-flight work and the Slack queue before closing anyway. */
  OPSBOT_SHUTDOWN_GRACE_MS: positiveInt(600_000, "milliseconds").default(10_000),
  /** Slack writes waiting or in flight, per channel and in all, before progress updates are skipped. */
  OPSBOT_SLACK_QUEUE_MAX_PER_CHANNEL: positiveInt(100_000).default(200),
  OPSBOT_SLACK_QUEUE_MAX: positiveInt(1_000_000).default(5_000),
  /** How long one Slack write may go on meeting 429s before it is dropped. */
  OPSBOT_SLACK_RETRY_BUDGET_SECONDS: positiveInt(86_400, "seconds").default(600),
  /** A follow-up lease: how long a dead replica's follow-ups wait before another takes them over. */
  OPSBOT_FOLLOWUP_LEASE_MS: wholeNumber(500, 3_600_000, "milliseconds").default(30_000),
  /**
   * A process whose heartbeat in the store is older than this is gone, and its work in flight (an
   * approved call running, a command being handled) is taken over by the others.
   */
  OPSBOT_HEARTBEAT_STALE_MS: wholeNumber(300, 3_600_000, "milliseconds").default(30_000),
  /** Days the audit log is kept; 0 keeps it for ever. */
  OPSBOT_RETENTION_AUDIT_DAYS: retentionDays.default(90),
  /** Days ended approval requests, ended follow-ups and command notes are kept; 0 keeps them for ever. */
  OPSBOT_RETENTION_DAYS: retentionDays.default(30),

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

  SLACK_BOT_TOKEN: secret
    .pipe(
      z.custom<Secret>(
        (v) => v instanceof Secret && v.reveal().startsWith("xoxb-"),
        "must be a bot token (xoxb-...)",
      ),
    )
    .optional(),
  SLACK_SIGNING_SECRET: secret.optional(),
  SLACK_APP_TOKEN: secret
    .pipe(
      z.custom<Secret>(
        (v) => v instanceof Secret && v.reveal().startsWith("xapp-"),
        "must be an app-level token (xapp-...)",
      ),
    )
    .optional(),
  SLACK_API_URL: url.optional(),
  PORT: wholeNumber(1, 65_535).default(3000),
  OPSBOT_IDENTITY_OVERRIDES: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'must be a JSON object like {"U0123ABC": "alice@example.com"}',
        });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string().regex(/^[UW][A-Z0-9]{2,}$/, "keys must be Slack user IDs"),
        z.email("values must be email addresses"),
      ),
    )
    .optional(),
  OPSBOT_IDENTITY_CACHE_SECONDS: positiveInt(86_400, "seconds").default(600),
  /** How long users.info answers (guest, deactivated, team, email confirmed) are trusted. */
  OPSBOT_MEMBER_CACHE_SECONDS: positiveInt(3_600, "seconds").default(60),
  /** People each per-person cache (users.info, identities, the dropdown rate limit) remembers at most. */
  OPSBOT_USER_CACHE_MAX: wholeNumber(100, 1_000_000).default(10_000),
  /** The workspaces opsbot serves, comma-separated; unset: the bot token's own (auth.test). */
  OPSBOT_ALLOWED_TEAMS: z
    .string()
    .transform((text) => text.split(",").map((team) => team.trim()))
    .pipe(
      z.array(z.string().regex(/^T[A-Z0-9]{2,}$/, "must be Slack team IDs (T…), separated by commas")).min(1),
    )
    .optional(),
  /** The Enterprise Grid organisation opsbot serves (all its workspaces); unset: none, or the token's own. */
  OPSBOT_ALLOWED_ENTERPRISE: z
    .string()
    .trim()
    .regex(/^E[A-Z0-9]{2,}$/, "must be a Slack enterprise ID (E…)")
    .optional(),
});

type Env = z.output<typeof envSchema>;

/** Every variable `loadConfig` reads (besides the `NAME_FILE` forms of FILE_VARIABLES). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * The secrets that may be given as a file instead: `NAME_FILE=/path` reads NAME's value from the file (as
 * Docker and Kubernetes mount secrets), one trailing newline dropped. Setting NAME and NAME_FILE both is
 * a mistake, and so is a file that cannot be read or is empty; a message names the path, never the content.
 */
export const FILE_VARIABLES = [
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "CALYPTIA_API_TOKEN",
  "ORCHESTRATION_API_TOKEN",
  "ORCHESTRATION_CLIENT_SECRET",
  "ORCHESTRATION_REFRESH_TOKEN",
  "OPSBOT_METRICS_TOKEN",
  "OPSBOT_DATABASE_URL",
] as const satisfies readonly (keyof typeof envSchema.shape)[];

export interface SlackSettings {
  readonly botToken: Secret | undefined;
  readonly signingSecret: Secret | undefined;
  /** Set: Socket Mode. Unset: the HTTP receiver on `port`. */
  readonly appToken: Secret | undefined;
  /** Web API base URL override (tests and the demo point it at the local stand-in). */
  readonly apiUrl: string | undefined;
  readonly port: number;
}

export interface IdentitySettings {
  readonly overrides: Readonly<Record<string, string>>;
  readonly cacheTtlMs: number;
  /** OPSBOT_MEMBER_CACHE_SECONDS, in ms. */
  readonly memberCacheTtlMs: number;
  /** OPSBOT_USER_CACHE_MAX: people each per-person cache remembers at most. */
  readonly peopleCached: number;
}

/**
 * OPSBOT_ALLOWED_TEAMS / OPSBOT_ALLOWED_ENTERPRISE: who opsbot serves. Neither set: the workspace (or,
 * for an organisation-wide install, the organisation) its bot token belongs to, asked at start-up.
 */
export interface ServingSettings {
  readonly teams: readonly string[];
  readonly enterprise: string | undefined;
}

export interface Config {
  readonly logLevel: Env["LOG_LEVEL"];
  /** OPSBOT_CONFIG: the permissions file, read at start-up (auth/policy-file.ts). */
  readonly policyFile: string | undefined;
  /** OPSBOT_DB: where the store keeps approvals, the audit log and change freezes. */
  readonly databasePath: string;
  /** OPSBOT_DATABASE_URL / OPSBOT_DATABASE_SCHEMA: PostgreSQL instead of the SQLite file. */
  readonly database?: { readonly url: Secret; readonly schema?: string; readonly poolMax: number };
  readonly slack: SlackSettings;
  readonly identity: IdentitySettings;
  readonly serving: ServingSettings;
  readonly http: HttpSettings;
  readonly calyptia: CalyptiaSettings;
  readonly deploy: DeploySettings;
  readonly orchestration: OrchestrationSettings;
  /** OPSBOT_METRICS_TOKEN: the bearer token `/metrics` asks for; unset, it answers anyone. */
  readonly metricsToken: Secret | undefined;
  /** OPSBOT_SLACK_QUEUE_MAX_PER_CHANNEL, OPSBOT_SLACK_QUEUE_MAX, OPSBOT_SLACK_RETRY_BUDGET_SECONDS (in ms). */
  readonly slackQueue: {
    readonly maxPerChannel: number;
    readonly max: number;
    readonly retryBudgetMs: number;
  };
  /** OPSBOT_SHUTDOWN_GRACE_MS. */
  readonly shutdownGraceMs: number;
  /** OPSBOT_FOLLOWUP_LEASE_MS: how long a follow-up's lease lasts unless its holder extends it. */
  readonly followUpLeaseMs: number;
  /** OPSBOT_HEARTBEAT_STALE_MS: when a silent replica counts as gone and its work is taken over. */
  readonly heartbeatStaleMs: number;
  /** OPSBOT_RETENTION_AUDIT_DAYS, OPSBOT_RETENTION_DAYS: how long records are kept (0: for ever). */
  readonly retention: { readonly auditDays: number; readonly otherDays: number };
}

/** Parses the environment. Empty strings count as unset, as shells and .env files often leave them. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const present: Record<string, string> = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((key) => [key, env[key]])
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const files = readSecretFiles(env, present);
  const parsed = envSchema.safeParse(present);
  // Every problem in one error: the cross-variable checks run on what is set even when a value is malformed.
  const problems: ConfigProblem[] = [...files.problems];
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? "environment");
      const path = files.read.get(variable);
      problems.push(
        path === undefined
          ? { variable, message: issue.message }
          : { variable: `${variable}_FILE`, message: `${issue.message} (the content of ${path})` },
      );
    }
  problems.push(...orchestrationAuthProblems(new Set([...Object.keys(present), ...files.named])));
  if (present.OPSBOT_DB !== undefined && present.OPSBOT_DATABASE_URL !== undefined)
    problems.push({
      variable: "OPSBOT_DATABASE_URL",
      message:
        "is set together with OPSBOT_DB: set one (PostgreSQL for several replicas, or the SQLite file)",
    });
  for (const variable of ["OPSBOT_DATABASE_SCHEMA", "OPSBOT_DATABASE_POOL_MAX"])
    if (present[variable] !== undefined && present.OPSBOT_DATABASE_URL === undefined)
      problems.push({ variable, message: "needs OPSBOT_DATABASE_URL (it is PostgreSQL's)" });
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const parsedEnv = parsed.data;
  const orchestrationAuth = resolveOrchestrationAuth(parsedEnv);
  return {
    logLevel: parsedEnv.LOG_LEVEL,
    policyFile: parsedEnv.OPSBOT_CONFIG,
    databasePath: parsedEnv.OPSBOT_DB,
    ...(parsedEnv.OPSBOT_DATABASE_URL
      ? {
          database: {
            url: parsedEnv.OPSBOT_DATABASE_URL,
            ...(parsedEnv.OPSBOT_DATABASE_SCHEMA ? { schema: parsedEnv.OPSBOT_DATABASE_SCHEMA } : {}),
            poolMax: parsedEnv.OPSBOT_DATABASE_POOL_MAX,
          },
        }
      : {}),
    slack: {
      botToken: parsedEnv.SLACK_BOT_TOKEN,
      signingSecret: parsedEnv.SLACK_SIGNING_SECRET,
      appToken: parsedEnv.SLACK_APP_TOKEN,
      apiUrl: parsedEnv.SLACK_API_URL,
      port: parsedEnv.PORT,
    },
    identity: {
      overrides: parsedEnv.OPSBOT_IDENTITY_OVERRIDES ?? {},
      cacheTtlMs: parsedEnv.OPSBOT_IDENTITY_CACHE_SECONDS * 1000,
      memberCacheTtlMs: parsedEnv.OPSBOT_MEMBER_CACHE_SECONDS * 1000,
      peopleCached: parsedEnv.OPSBOT_USER_CACHE_MAX,
    },
    serving: {
      teams: parsedEnv.OPSBOT_ALLOWED_TEAMS ?? [],
      enterprise: parsedEnv.OPSBOT_ALLOWED_ENTERPRISE,
    },
    http: {
      connectTimeoutMs: parsedEnv.OPSBOT_HTTP_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: parsedEnv.OPSBOT_HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: parsedEnv.OPSBOT_HTTP_BODY_TIMEOUT_MS,
      deadlineMs: parsedEnv.OPSBOT_HTTP_DEADLINE_MS,
      connections: parsedEnv.OPSBOT_HTTP_CONNECTIONS,
    },
    calyptia: {
      baseUrl: parsedEnv.CALYPTIA_API_URL,
      token: parsedEnv.CALYPTIA_API_TOKEN,
      authScheme: parsedEnv.CALYPTIA_AUTH_SCHEME,
      paths: parsedEnv.CALYPTIA_API_PATHS ?? {},
    },
    deploy: { baseUrl: parsedEnv.DEPLOY_API_URL, paths: parsedEnv.DEPLOY_API_PATHS ?? {} },
    orchestration: {
      baseUrl: parsedEnv.ORCHESTRATION_API_URL,
      auth: orchestrationAuth,
      projectId: parsedEnv.ORCHESTRATION_PROJECT_ID,
      allocationId: parsedEnv.ORCHESTRATION_ALLOCATION_ID,
      paths: parsedEnv.ORCHESTRATION_API_PATHS ?? {},
    },
    metricsToken: parsedEnv.OPSBOT_METRICS_TOKEN,
    slackQueue: {
      maxPerChannel: parsedEnv.OPSBOT_SLACK_QUEUE_MAX_PER_CHANNEL,
      max: parsedEnv.OPSBOT_SLACK_QUEUE_MAX,
      retryBudgetMs: parsedEnv.OPSBOT_SLACK_RETRY_BUDGET_SECONDS * 1000,
    },
    shutdownGraceMs: parsedEnv.OPSBOT_SHUTDOWN_GRACE_MS,
    followUpLeaseMs: parsedEnv.OPSBOT_FOLLOWUP_LEASE_MS,
    heartbeatStaleMs: parsedEnv.OPSBOT_HEARTBEAT_STALE_MS,
    retention: {
      auditDays: parsedEnv.OPSBOT_RETENTION_AUDIT_DAYS,
      otherDays: parsedEnv.OPSBOT_RETENTION_DAYS,
    },
  };
}

/**
 * Reads each `NAME_FILE` that is set into `present[NAME]`. Returns the problems (both set, unreadable,
 * empty), which file each value read came from, and every NAME whose file was named (read or not).
 */
function readSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  present: Record<string, string>,
): { problems: ConfigProblem[]; read: Map<string, string>; named: Set<string> } {
  const problems: ConfigProblem[] = [];
  const read = new Map<string, string>();
  const named = new Set<string>();
  for (const name of FILE_VARIABLES) {
    const variable = `${name}_FILE`;
    const path = env[variable];
    if (path === undefined || path === "") continue;
    named.add(name);
    if (present[name] !== undefined) {
      problems.push({ variable, message: `set either ${name} or ${variable}, not both` });
      continue;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      // The code (ENOENT, EACCES, EISDIR...) and the path say enough; the content is never shown.
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      problems.push({ variable, message: `cannot read ${path} (${code})` });
      continue;
    }
    const value = text.replace(/\r?\n$/, "");
    if (value.trim() === "") {
      problems.push({ variable, message: `${path} is empty` });
      continue;
    }
    present[name] = value;
    read.set(name, path);
  }
  return { problems, read, named };
}

const SERVICE_ACCOUNT_VARIABLES = [
  "ORCHESTRATION_CLIENT_ID",
  "ORCHESTRATION_CLIENT_SECRET",
  "ORCHESTRATION_REFRESH_TOKEN",
] as const;

/** Orchestration credentials: a static token or the whole service account, never both, never a part. */
function orchestrationAuthProblems(set: ReadonlySet<string>): ConfigProblem[] {
  const missing = SERVICE_ACCOUNT_VARIABLES.filter((name) => !set.has(name));
  const given = SERVICE_ACCOUNT_VARIABLES.length - missing.length;
  if (set.has("ORCHESTRATION_API_TOKEN") && given > 0)
    return [
      {
        variable: "ORCHESTRATION_API_TOKEN",
        message:
          "set either a static token or the service account (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN), not both",
      },
    ];
  if (given > 0 && missing.length > 0)
    return missing.map((variable) => ({
      variable,
      message: "is required when the other service-account variables are set",
    }));
  return [];
}

function resolveOrchestrationAuth(env: Env): OrchestrationAuth {
  if (env.ORCHESTRATION_API_TOKEN) return { kind: "static", token: env.ORCHESTRATION_API_TOKEN };
  if (env.ORCHESTRATION_CLIENT_ID && env.ORCHESTRATION_CLIENT_SECRET && env.ORCHESTRATION_REFRESH_TOKEN) {
    return {
      kind: "refresh-token",
      clientId: env.ORCHESTRATION_CLIENT_ID,
      clientSecret: env.ORCHESTRATION_CLIENT_SECRET,
      refreshToken: env.ORCHESTRATION_REFRESH_TOKEN,
      tokenUrl: env.ORCHESTRATION_TOKEN_URL,
    };
  }
  return { kind: "none" };
}

/** What running the bot against Slack needs beyond `loadConfig`: the tokens for the chosen mode. */
export function slackProblems(slack: SlackSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!slack.botToken)
    problems.push({
      variable: "SLACK_BOT_TOKEN",
      message:
        "is required (the bot token, xoxb-...); to try opsbot without Slack or any API, run: npm run demo",
    });
  if (!slack.appToken && !slack.signingSecret)
    problems.push({
      variable: "SLACK_APP_TOKEN",
      message: "set it for Socket Mode (xapp-...), or set SLACK_SIGNING_SECRET to take requests over HTTP",
    });
  return problems;
}

export type { CalyptiaSettings, DeploySettings, HttpSettings, OrchestrationAuth, OrchestrationSettings };
export { ConfigError, type ConfigProblem };
