import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, FILE_VARIABLES, loadConfig } from "../../src/app/config.js";
import { Secret } from "../../src/lib/secret.js";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("starts from an empty environment with the documented defaults", () => {
    const config = loadConfig({});
    expect(config.logLevel).toBe("info");
    expect(config.http).toEqual({
      connectTimeoutMs: 5_000,
      headersTimeoutMs: 15_000,
      bodyTimeoutMs: 30_000,
      deadlineMs: 60_000,
      connections: 64,
    });
    expect(config.calyptia).toEqual({
      baseUrl: "https://cloud-api.calyptia.com",
      token: undefined,
      authScheme: "project-token",
      paths: {},
    });
    expect(config.deploy).toEqual({ baseUrl: undefined, paths: {} });
    expect(config.orchestration.auth).toEqual({ kind: "none" });
    expect(config.followUpLeaseMs).toBe(30_000);
  });

  it("takes the follow-up lease time, at least half a second", () => {
    expect(loadConfig({ OPSBOT_FOLLOWUP_LEASE_MS: "1500" }).followUpLeaseMs).toBe(1_500);
    expect(configError({ OPSBOT_FOLLOWUP_LEASE_MS: "100" }).problems).toEqual([
      {
        variable: "OPSBOT_FOLLOWUP_LEASE_MS",
        message: "must be a whole number of milliseconds between 500 and 3600000",
      },
    ]);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ CALYPTIA_API_URL: "", OPSBOT_HTTP_CONNECTIONS: "" }).http.connections).toBe(64);
  });

  it("reads and coerces the settings it is given", () => {
    const config = loadConfig({
      LOG_LEVEL: "debug",
      OPSBOT_HTTP_CONNECTIONS: "8",
      CALYPTIA_API_URL: "http://127.0.0.1:9000",
      CALYPTIA_AUTH_SCHEME: "bearer",
      CALYPTIA_API_PATHS: '{"listPipelinePorts": "/v2/{pipelineID}/ports"}',
      DEPLOY_API_URL: "https://deploy.example/apps/deploy-api",
      ORCHESTRATION_CLIENT_ID: "client",
      ORCHESTRATION_CLIENT_SECRET: "client-secret-value",
      ORCHESTRATION_REFRESH_TOKEN: "refresh-token-value",
    });
    expect(config.logLevel).toBe("debug");
    expect(config.http.connections).toBe(8);
    expect(config.calyptia.authScheme).toBe("bearer");
    expect(config.calyptia.paths).toEqual({ listPipelinePorts: "/v2/{pipelineID}/ports" });
    expect(config.deploy.baseUrl).toBe("https://deploy.example/apps/deploy-api");
    expect(config.orchestration.auth).toMatchObject({
      kind: "refresh-token",
      clientId: "client",
      tokenUrl: "https://platform-auth.improbable.io/auth/v1/token",
    });
  });

  it("lists every problem, malformed and missing companions alike, in one error", () => {
    const error = configError({
      OPSBOT_HTTP_CONNECTIONS: "lots",
      CALYPTIA_API_URL: "ftp://files.example",
      ORCHESTRATION_CLIENT_ID: "client",
    });
    expect(error.problems.map((p) => p.variable)).toEqual([
      "OPSBOT_HTTP_CONNECTIONS",
      "CALYPTIA_API_URL",
      "ORCHESTRATION_CLIENT_SECRET",
      "ORCHESTRATION_REFRESH_TOKEN",
    ]);
    // One line per problem, each whole on its own.
    expect(error.message.split("\n")).toEqual([
      "opsbot cannot start: OPSBOT_HTTP_CONNECTIONS: must be a whole number between 1 and 1024",
      "opsbot cannot start: CALYPTIA_API_URL: must be an http(s) URL",
      "opsbot cannot start: ORCHESTRATION_CLIENT_SECRET: is required when the other service-account variables are set",
      "opsbot cannot start: ORCHESTRATION_REFRESH_TOKEN: is required when the other service-account variables are set",
    ]);
  });

  it("reads who opsbot serves, and by default leaves it to the bot token (auth.test at start)", () => {
    expect(loadConfig({}).serving).toEqual({ teams: [], enterprise: undefined });
    expect(loadConfig({}).identity.memberCacheTtlMs).toBe(60_000);
    const config = loadConfig({
      OPSBOT_ALLOWED_TEAMS: "T0ONE, T0TWO",
      OPSBOT_ALLOWED_ENTERPRISE: "E0ORG",
      OPSBOT_MEMBER_CACHE_SECONDS: "30",
    });
    expect(config.serving).toEqual({ teams: ["T0ONE", "T0TWO"], enterprise: "E0ORG" });
    expect(config.identity.memberCacheTtlMs).toBe(30_000);
    const problems = configError({
      OPSBOT_ALLOWED_TEAMS: "T0ONE,workspace",
      OPSBOT_ALLOWED_ENTERPRISE: "T0X",
    })
      .problems.map((p) => p.variable)
      .sort();
    expect(problems).toEqual(["OPSBOT_ALLOWED_ENTERPRISE", "OPSBOT_ALLOWED_TEAMS"]);
  });

  it("reads the Slack queue's caps and retry budget (200 a channel, 5,000 in all, 10 minutes)", () => {
    expect(loadConfig({}).slackQueue).toEqual({ maxPerChannel: 200, max: 5_000, retryBudgetMs: 600_000 });
    expect(
      loadConfig({
        OPSBOT_SLACK_QUEUE_MAX_PER_CHANNEL: "20",
        OPSBOT_SLACK_QUEUE_MAX: "100",
        OPSBOT_SLACK_RETRY_BUDGET_SECONDS: "30",
      }).slackQueue,
    ).toEqual({ maxPerChannel: 20, max: 100, retryBudgetMs: 30_000 });
    expect(configError({ OPSBOT_SLACK_QUEUE_MAX: "0" }).problems.map((p) => p.variable)).toEqual([
      "OPSBOT_SLACK_QUEUE_MAX",
    ]);
  });

  it("reads OPSBOT_USER_CACHE_MAX (default 10,000) and refuses a cap under 100", () => {
    expect(loadConfig({}).identity.peopleCached).toBe(10_000);
    expect(loadConfig({ OPSBOT_USER_CACHE_MAX: "500" }).identity.peopleCached).toBe(500);
    expect(configError({ OPSBOT_USER_CACHE_MAX: "50" }).problems.map((p) => p.variable)).toEqual([
      "OPSBOT_USER_CACHE_MAX",
    ]);
  });

  it("reads OPSBOT_HEARTBEAT_STALE_MS (default 30 s) and refuses a limit too short to beat within", () => {
    expect(loadConfig({}).heartbeatStaleMs).toBe(30_000);
    expect(loadConfig({ OPSBOT_HEARTBEAT_STALE_MS: "5000" }).heartbeatStaleMs).toBe(5_000);
    expect(configError({ OPSBOT_HEARTBEAT_STALE_MS: "100" }).problems).toEqual([
      {
        variable: "OPSBOT_HEARTBEAT_STALE_MS",
        message: "must be a whole number of milliseconds between 300 and 3600000",
      },
    ]);
  });

  it("reads the retention (90 days of audit, 30 of the rest; 0 keeps for ever) and refuses a negative one", () => {
    expect(loadConfig({}).retention).toEqual({ auditDays: 90, otherDays: 30 });
    expect(loadConfig({ OPSBOT_RETENTION_AUDIT_DAYS: "365", OPSBOT_RETENTION_DAYS: "0" }).retention).toEqual({
      auditDays: 365,
      otherDays: 0,
    });
    expect(configError({ OPSBOT_RETENTION_DAYS: "-1" }).problems).toEqual([
      {
        variable: "OPSBOT_RETENTION_DAYS",
        message: "must be a whole number of days between 0 (keep for ever) and 36500",
      },
    ]);
  });

  it("refuses a static token together with a service account", () => {
    const error = configError({ ORCHESTRATION_API_TOKEN: "static-token", ORCHESTRATION_CLIENT_ID: "c" });
    expect(error.problems).toEqual([
      {
        variable: "ORCHESTRATION_API_TOKEN",
        message: expect.stringContaining("not both"),
      },
    ]);
    expect(error.message).toMatch(/^opsbot cannot start: ORCHESTRATION_API_TOKEN: set either .* not both$/);
  });

  it("takes PostgreSQL from OPSBOT_DATABASE_URL, as a secret, with an optional schema", () => {
    const url = "postgres://opsbot:s3cret-pw@db.internal:5432/opsbot";
    const config = loadConfig({ OPSBOT_DATABASE_URL: url, OPSBOT_DATABASE_SCHEMA: "opsbot" });
    expect(config.database?.url.reveal()).toBe(url);
    expect(config.database?.schema).toBe("opsbot");
    expect(config.database?.poolMax).toBe(10);
    expect(JSON.stringify(config)).not.toContain("s3cret-pw");
    expect(loadConfig({}).database).toBeUndefined();
    expect(loadConfig({ OPSBOT_DATABASE_URL: url, OPSBOT_DATABASE_POOL_MAX: "25" }).database?.poolMax).toBe(
      25,
    );
  });

  it("reads OPSBOT_DATABASE_URL from a mounted Secret file (OPSBOT_DATABASE_URL_FILE)", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsbot-db-url-"));
    const path = join(dir, "url");
    writeFileSync(path, "postgres://opsbot:pw@db:5432/opsbot\n", { mode: 0o600 });
    expect(loadConfig({ OPSBOT_DATABASE_URL_FILE: path }).database?.url.reveal()).toBe(
      "postgres://opsbot:pw@db:5432/opsbot",
    );
    // The file's content is checked like the variable's, and the message names the file, not the content.
    writeFileSync(path, "mysql://opsbot:pw@db/opsbot\n");
    const problems = configError({ OPSBOT_DATABASE_URL_FILE: path }).problems;
    expect(problems).toEqual([
      { variable: "OPSBOT_DATABASE_URL_FILE", message: expect.stringContaining(path) },
    ]);
    expect(JSON.stringify(problems)).not.toContain("pw@db");
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [{ OPSBOT_DATABASE_URL: "mysql://db/opsbot" }, "OPSBOT_DATABASE_URL", "postgres://"],
    [
      { OPSBOT_DATABASE_URL: "postgres://db/opsbot", OPSBOT_DB: "/data/opsbot.db" },
      "OPSBOT_DATABASE_URL",
      "set one",
    ],
    [{ OPSBOT_DATABASE_SCHEMA: "opsbot" }, "OPSBOT_DATABASE_SCHEMA", "needs OPSBOT_DATABASE_URL"],
    [{ OPSBOT_DATABASE_POOL_MAX: "5" }, "OPSBOT_DATABASE_POOL_MAX", "needs OPSBOT_DATABASE_URL"],
    [
      { OPSBOT_DATABASE_URL: "postgres://db/x", OPSBOT_DATABASE_POOL_MAX: "0" },
      "OPSBOT_DATABASE_POOL_MAX",
      "",
    ],
    [
      { OPSBOT_DATABASE_URL: "postgres://db/x", OPSBOT_DATABASE_SCHEMA: "Ops-Bot" },
      "OPSBOT_DATABASE_SCHEMA",
      "lowercase",
    ],
  ])("refuses a database setting that cannot work: %j", (env, variable, says) => {
    expect(configError(env).problems).toEqual([{ variable, message: expect.stringContaining(says) }]);
  });

  it.each([
    ["bounds", { OPSBOT_HTTP_HEADERS_TIMEOUT_MS: "0" }, "OPSBOT_HTTP_HEADERS_TIMEOUT_MS"],
    ["enums", { LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    ["blank secrets", { CALYPTIA_API_TOKEN: "   " }, "CALYPTIA_API_TOKEN"],
  ])("checks %s", (_label, env, variable) => {
    expect(configError(env).problems.map((p) => p.variable)).toEqual([variable]);
  });

  it.each([
    ["not JSON", "{listPipelinePorts:", "must be a JSON object of operation id to path template"],
    ["a path without /", '{"listPipelinePorts": "v1/x"}', "each path must start with /"],
    ["not an object", '["/v1"]', "expected record"],
  ])("reports bad *_API_PATHS: %s", (_label, value, message) => {
    for (const variable of ["CALYPTIA_API_PATHS", "DEPLOY_API_PATHS", "ORCHESTRATION_API_PATHS"]) {
      const [problem, ...rest] = configError({ [variable]: value }).problems;
      expect(rest).toEqual([]);
      expect(problem?.variable).toBe(variable);
      expect(problem?.message).toContain(message);
    }
  });
});

describe("secrets in the configuration", () => {
  const values = {
    CALYPTIA_API_TOKEN: "calyptia-token-SECRET1",
    ORCHESTRATION_CLIENT_ID: "client",
    ORCHESTRATION_CLIENT_SECRET: "client-secret-SECRET2",
    ORCHESTRATION_REFRESH_TOKEN: "refresh-token-SECRET3",
  };

  it("wraps every secret and never shows its value", () => {
    const config = loadConfig(values);
    const auth = config.orchestration.auth;
    if (auth.kind !== "refresh-token") throw new Error("expected the service account");
    const secrets = [config.calyptia.token, auth.clientSecret, auth.refreshToken];
    expect(secrets.map((s) => s instanceof Secret)).toEqual([true, true, true]);
    expect(secrets.map((s) => s?.reveal())).toEqual([
      "calyptia-token-SECRET1",
      "client-secret-SECRET2",
      "refresh-token-SECRET3",
    ]);
    const shown = [
      JSON.stringify(config),
      String(config.calyptia.token),
      `${auth.clientSecret}`,
      inspect(config, { depth: 10 }),
      inspect(auth.refreshToken),
    ];
    for (const text of shown) expect(text).not.toMatch(/SECRET\d/);
    expect(JSON.stringify(config.calyptia)).toContain('"token":"[redacted]"');
    expect(inspect(auth.refreshToken)).toBe("Secret([redacted])");
  });

  it("does not echo a secret's value in a configuration error", () => {
    const error = configError({ ...values, ORCHESTRATION_API_TOKEN: "static-SECRET4" });
    expect(error.message).not.toMatch(/SECRET\d/);
  });
});

describe("secrets from files (NAME_FILE)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "opsbot-config-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it("offers a file for every secret and for nothing else", () => {
    expect([...FILE_VARIABLES].sort()).toEqual([
      "CALYPTIA_API_TOKEN",
      "OPSBOT_DATABASE_URL",
      "OPSBOT_METRICS_TOKEN",
      "ORCHESTRATION_API_TOKEN",
      "ORCHESTRATION_CLIENT_SECRET",
      "ORCHESTRATION_REFRESH_TOKEN",
      "SLACK_APP_TOKEN",
      "SLACK_BOT_TOKEN",
      "SLACK_SIGNING_SECRET",
    ]);
    // A variable that is no secret has no _FILE form: it is ignored like any unknown variable.
    expect(loadConfig({ DEPLOY_API_URL_FILE: file("url", "https://deploy.example\n") }).deploy.baseUrl).toBe(
      undefined,
    );
  });

  it("reads each secret from its file, dropping the trailing newline", () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN_FILE: file("bot", "xoxb-from-file\n"),
      SLACK_APP_TOKEN_FILE: file("app", "xapp-from-file\r\n"),
      SLACK_SIGNING_SECRET_FILE: file("signing", "signing-from-file"),
      CALYPTIA_API_TOKEN_FILE: file("calyptia", "calyptia-from-file\n"),
      OPSBOT_METRICS_TOKEN_FILE: file("metrics", "metrics-from-file\n"),
      ORCHESTRATION_CLIENT_ID: "client",
      ORCHESTRATION_CLIENT_SECRET_FILE: file("client-secret", "client-secret-from-file\n"),
      ORCHESTRATION_REFRESH_TOKEN_FILE: file("refresh", "refresh-from-file\n"),
    });
    expect(config.slack.botToken?.reveal()).toBe("xoxb-from-file");
    expect(config.slack.appToken?.reveal()).toBe("xapp-from-file");
    expect(config.slack.signingSecret?.reveal()).toBe("signing-from-file");
    expect(config.calyptia.token?.reveal()).toBe("calyptia-from-file");
    expect(config.metricsToken?.reveal()).toBe("metrics-from-file");
    expect(config.orchestration.auth).toMatchObject({ kind: "refresh-token", clientId: "client" });
    const auth = config.orchestration.auth;
    if (auth.kind !== "refresh-token") throw new Error("expected the service account");
    expect([auth.clientSecret.reveal(), auth.refreshToken.reveal()]).toEqual([
      "client-secret-from-file",
      "refresh-from-file",
    ]);
    expect(
      loadConfig({ ORCHESTRATION_API_TOKEN_FILE: file("static", "static-from-file\n") }).orchestration.auth,
    ).toMatchObject({ kind: "static" });
  });

  it("treats an empty NAME_FILE as unset, like any empty variable", () => {
    expect(loadConfig({ CALYPTIA_API_TOKEN_FILE: "" }).calyptia.token).toBeUndefined();
  });

  it("refuses NAME and NAME_FILE together, naming both", () => {
    const error = configError({
      SLACK_BOT_TOKEN: "xoxb-inline",
      SLACK_BOT_TOKEN_FILE: file("bot", "xoxb-from-file\n"),
    });
    expect(error.problems).toEqual([
      {
        variable: "SLACK_BOT_TOKEN_FILE",
        message: "set either SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both",
      },
    ]);
  });

  it("names the variable and the path of a file it cannot read, and of an empty one", () => {
    const missing = join(dir, "no-such-file");
    const empty = file("empty", "\n");
    const error = configError({
      CALYPTIA_API_TOKEN_FILE: missing,
      OPSBOT_METRICS_TOKEN_FILE: dir,
      SLACK_SIGNING_SECRET_FILE: empty,
    });
    expect(error.problems).toEqual([
      { variable: "SLACK_SIGNING_SECRET_FILE", message: `${empty} is empty` },
      { variable: "CALYPTIA_API_TOKEN_FILE", message: `cannot read ${missing} (ENOENT)` },
      { variable: "OPSBOT_METRICS_TOKEN_FILE", message: `cannot read ${dir} (EISDIR)` },
    ]);
    expect(error.message).toContain(
      `opsbot cannot start: CALYPTIA_API_TOKEN_FILE: cannot read ${missing} (ENOENT)`,
    );
  });

  it("does not ask for a service-account variable whose file could not be read", () => {
    const error = configError({
      ORCHESTRATION_CLIENT_ID: "client",
      ORCHESTRATION_CLIENT_SECRET_FILE: join(dir, "missing"),
      ORCHESTRATION_REFRESH_TOKEN_FILE: file("refresh", "refresh-token\n"),
    });
    expect(error.problems.map((p) => p.variable)).toEqual(["ORCHESTRATION_CLIENT_SECRET_FILE"]);
  });

  it("reports a malformed value under NAME_FILE, with the path and without the content", () => {
    const path = file("bot", "not-a-bot-token-SECRET5\n");
    const error = configError({ SLACK_BOT_TOKEN_FILE: path });
    expect(error.problems).toEqual([
      {
        variable: "SLACK_BOT_TOKEN_FILE",
        message: `must be a bot token (xoxb-...) (the content of ${path})`,
      },
    ]);
    expect(error.message).not.toMatch(/SECRET\d/);
  });

  it("never shows a value read from a file", () => {
    const config = loadConfig({ CALYPTIA_API_TOKEN_FILE: file("calyptia", "calyptia-SECRET6\n") });
    expect(JSON.stringify(config)).not.toMatch(/SECRET\d/);
    expect(inspect(config, { depth: 10 })).not.toMatch(/SECRET\d/);
  });
});
