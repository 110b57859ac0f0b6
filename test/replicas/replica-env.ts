import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningSimulators, SimSettings } from "../../devkit/sim/index.js";
import type { SlackStandIn } from "../../devkit/slack-standin/index.js";
import { simulatorBackendsEnv } from "../helpers/app-stack.js";
import { TEST_DATABASE_URL } from "../store/helpers.js";

export interface ReplicaEnvironment {
  /** A folder of the test's own, holding the permissions file: removed by the test afterwards. */
  readonly dir: string;
  /** A PostgreSQL schema of the test's own: dropped by the test afterwards. */
  readonly schema: string;
  /** What every replica of the deployment starts with. */
  readonly env: Record<string, string>;
}

/** One deployment's setting for bot processes on PostgreSQL: its own schema, permissions file and backends. */
export function replicaEnvironment(options: {
  readonly name: string;
  readonly policy: string;
  readonly sims: RunningSimulators;
  readonly settings: SimSettings;
  readonly slack: SlackStandIn;
  readonly signingSecret: string;
  readonly extra?: Record<string, string>;
}): ReplicaEnvironment {
  const dir = mkdtempSync(join(tmpdir(), `opsbot-${options.name}-`));
  writeFileSync(join(dir, "opsbot.yml"), options.policy);
  const schema = `opsbot_${options.name}_${randomBytes(6).toString("hex")}`;
  const env = {
    SLACK_BOT_TOKEN: options.slack.token,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: options.slack.url,
    DEPLOY_API_URL: options.sims.deploy.url,
    ...simulatorBackendsEnv(options.sims, options.settings),
    OPSBOT_CONFIG: join(dir, "opsbot.yml"),
    OPSBOT_DATABASE_URL: TEST_DATABASE_URL,
    OPSBOT_DATABASE_SCHEMA: schema,
    LOG_LEVEL: "warn",
    ...options.extra,
  };
  return { dir, schema, env };
}
