import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadSimSettings, type RunningSimulators, startSimulators } from "../../devkit/sim/index.js";
import { type ApiClients, createApiClients } from "../../src/api/index.js";
import { loadConfig } from "../../src/app/config.js";
import { arg, defineOperation } from "../../src/catalogue/define.js";
import { record } from "../../src/catalogue/output.js";
import { IdentityResolver } from "../../src/core/policy/identity.js";
import { type Invocation, runInvocation } from "../../src/core/run.js";

let sims: RunningSimulators;
let api: ApiClients;

beforeAll(async () => {
  sims = await startSimulators(loadSimSettings({}));
  api = createApiClients(loadConfig({ DEPLOY_API_URL: sims.deploy.url }), {});
});
afterAll(async () => {
  await api.close();
  await sims.close();
});

const deleteJob = defineOperation({
  id: "job:delete",
  resource: "job",
  verb: "delete",
  summary: "Delete a job",
  risk: "destructive",
  backend: "deploy",
  needsIdentity: true,
  args: {
    namespace: arg.positional(z.string(), { label: "Namespace" }),
    name: arg.positional(z.string(), { label: "Name" }),
  },
  run: (ctx, a) =>
    ctx.api.deploy.deleteJob({ namespace: a.namespace, name: a.name }, { identity: ctx.identity }),
  render: (_result, a) => record(`Deleted job ${a.name}`, [], { tone: "success" }),
});
const crashing = defineOperation({
  ...deleteJob,
  id: "job:crash",
  verb: "crash",
  run: async () => {
    throw new Error("secret internals");
  },
});

const invocation = (
  operation: typeof deleteJob,
  args: Record<string, unknown>,
  userId = "U1",
): Invocation => ({
  id: "corr-1",
  operation,
  args,
  actor: { userId, channelId: "C1" },
});

function deps(emails: Record<string, string>) {
  return {
    api,
    logger: pino({ level: "silent" }),
    identities: new IdentityResolver({ lookup: { email: async (id) => emails[id] } }),
    opsbot: () => {
      throw new Error("backend operations have no use for opsbot's own state");
    },
  };
}

describe("runInvocation", () => {
  it("runs a protected operation as the asking user's identity", async () => {
    const outcome = await runInvocation(
      deps({ U1: "alice@example.com" }),
      invocation(deleteJob, { namespace: "analytics", name: "nightly-report" }),
    );
    expect(outcome).toMatchObject({ ok: true, output: { title: "Deleted job nightly-report" } });
    expect(sims.deploy.requests.at(-1)?.headers.identity).toBe("alice@example.com");
  });

  it("refuses without sending anything when the user has no identity", async () => {
    const before = sims.deploy.requests.length;
    const outcome = await runInvocation(
      deps({}),
      invocation(deleteJob, { namespace: "analytics", name: "x" }, "U9"),
    );
    expect(outcome).toMatchObject({ ok: false, reason: "refused" });
    expect(sims.deploy.requests.length).toBe(before);
  });

  it("turns a backend error into a safe message naming the backend and identity", async () => {
    const outcome = await runInvocation(
      deps({ U1: "alice@example.com" }),
      invocation(deleteJob, { namespace: "analytics", name: "no-such-job" }),
    );
    expect(outcome).toMatchObject({ ok: false, reason: "failed" });
    if (!outcome.ok) expect(outcome.message).toMatch(/^Deploy API \(as alice@example.com\): not found/);
  });

  it("hides an unexpected error behind the correlation ID", async () => {
    const outcome = await runInvocation(deps({ U1: "alice@example.com" }), invocation(crashing, {}));
    expect(outcome).toMatchObject({ ok: false, reason: "failed" });
    if (!outcome.ok) {
      expect(outcome.message).toContain("corr-1");
      expect(outcome.message).not.toContain("secret internals");
    }
  });
});
