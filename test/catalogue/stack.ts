import pino from "pino";
import { expect } from "vitest";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { ORCHESTRATION_SEED } from "../../devkit/sim/orchestration-world.js";
import { type ApiClients, createApiClients } from "../../src/api/index.js";
import { loadConfig } from "../../src/app/config.js";
import type { Catalogue } from "../../src/catalogue/catalogue.js";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import type { AnyOperation } from "../../src/catalogue/define.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import type { Output } from "../../src/catalogue/output.js";
import { parseCommand } from "../../src/catalogue/parse.js";
import { type ArgDefaults, type ArgIssue, validateArgs } from "../../src/catalogue/validate.js";
import { IdentityResolver } from "../../src/core/policy/identity.js";
import { runInvocation } from "../../src/core/run.js";

/**
 * The real path of an `/ops` command, end to end: tokenizer → parser → validation → runner → API clients
 * → the three simulators over HTTP. Tests assert on the rendered Output and on what the simulator got.
 */

export const IDENTITY_EMAIL = "ops@example.com";

export const DEFAULTS: ArgDefaults = {
  "orchestration.projectId": ORCHESTRATION_SEED.projectId,
  "orchestration.allocationId": ORCHESTRATION_SEED.allocationId,
};

export interface Stack {
  readonly sims: RunningSimulators;
  readonly api: ApiClients;
  readonly catalogue: Catalogue;
  /** Runs `/ops <line>` and returns the operation and its Output; fails the test on any refusal. */
  run(line: string): Promise<{ operation: AnyOperation; output: Output }>;
  /** Parses and validates `/ops <line>`; returns the issues (empty when valid). */
  issues(line: string): readonly ArgIssue[];
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const settings = loadSimSettings({});
  const sims = await startSimulators(settings);
  const api = createApiClients(
    loadConfig({
      LOG_LEVEL: "silent",
      CALYPTIA_API_URL: sims.calyptia.url,
      CALYPTIA_API_TOKEN: settings.calyptiaToken,
      DEPLOY_API_URL: sims.deploy.url,
      ORCHESTRATION_API_URL: sims.orchestration.url,
      ORCHESTRATION_TOKEN_URL: `${sims.orchestration.url}/auth/v1/token`,
      ORCHESTRATION_CLIENT_ID: settings.orchestrationClientId,
      ORCHESTRATION_CLIENT_SECRET: settings.orchestrationClientSecret,
      ORCHESTRATION_REFRESH_TOKEN: settings.orchestrationRefreshToken,
    }),
    {},
  );
  const catalogue = createCatalogue();
  const deps = {
    api,
    logger: pino({ level: "silent" }),
    identities: new IdentityResolver({ lookup: { email: async () => IDENTITY_EMAIL } }),
    opsbot: () => {
      throw new Error("backend operations have no use for opsbot's own state");
    },
  };

  const parse = (line: string) => {
    const tokens = tokenize(line);
    if (!tokens.ok) throw new Error(`tokenize ${line}: ${tokens.error.message}`);
    const parsed = parseCommand(catalogue, tokens.tokens);
    if (parsed.kind !== "operation") throw new Error(`parse ${line}: ${JSON.stringify(parsed)}`);
    return { operation: parsed.operation, validation: validateArgs(parsed.operation, parsed.raw, DEFAULTS) };
  };

  let counter = 0;
  return {
    sims,
    api,
    catalogue,
    async run(line) {
      const { operation, validation } = parse(line);
      if (!validation.ok) throw new Error(`validate ${line}: ${JSON.stringify(validation.issues)}`);
      counter += 1;
      const outcome = await runInvocation(deps, {
        id: `test-${counter}`,
        operation,
        args: validation.args,
        actor: { userId: "U1", channelId: "C1" },
      });
      if (!outcome.ok) throw new Error(`run ${line}: ${outcome.message}`);
      return { operation, output: outcome.output };
    },
    issues(line) {
      const { validation } = parse(line);
      return validation.ok ? [] : validation.issues;
    },
    close: async () => {
      await api.close();
      await sims.close();
    },
  };
}

/** The last request a simulator recorded, checked for method and path (query string ignored). */
export function expectLastRequest(
  sim: RunningSimulators[keyof Omit<RunningSimulators, "clock" | "close">],
  method: string,
  path: string | RegExp,
) {
  const request = sim.requests.at(-1);
  expect(request?.method).toBe(method);
  const url = request?.url.split("?")[0] ?? "";
  if (typeof path === "string") expect(url).toBe(path);
  else expect(url).toMatch(path);
  if (!request) throw new Error("no request recorded");
  return request;
}

/** Narrows an Output to one kind, failing the test otherwise. */
export function as<K extends Output["kind"]>(output: Output, kind: K): Extract<Output, { kind: K }> {
  expect(output.kind).toBe(kind);
  if (output.kind !== kind) throw new Error(`expected a ${kind}`);
  return output as Extract<Output, { kind: K }>;
}

/** The value of a field of a record, by label. */
export function fieldOf(output: Output, label: string): string | undefined {
  return output.kind === "record" ? output.fields?.find((f) => f.label === label)?.value : undefined;
}
