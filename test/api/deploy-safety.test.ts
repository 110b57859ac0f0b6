import { describe, expect, it } from "vitest";
import { DEPLOY_SEED } from "../../devkit/sim/deploy.js";
import {
  createDeployClient,
  DEPLOY_NOT_CONFIGURED,
  describeDeployError,
} from "../../src/api/deploy/client.js";
import { deployEndpoints } from "../../src/api/deploy/endpoints.js";
import { identityFromJwt } from "../../src/api/identity.js";
import { testHttp } from "../helpers/api.js";
import { ALICE, alice, deployHarness, idOf, rejection } from "../helpers/deploy.js";

/** What the Deploy client refuses, never repeats, and tolerates. */

const h = deployHarness();

describe("Deploy client: input refused before sending", () => {
  it.each([
    ["a `..` directory", { directory: ".." }, "directory"],
    ["an encoded `..`", { directory: "%2e%2e" }, "directory"],
    ["a `..` inside the directory", { directory: "a/../b" }, "directory"],
    ["a leading `/`", { directory: "/etc" }, "directory"],
    ["an empty directory", { directory: "" }, "directory"],
    ["an encoded `/` in a name", { name: "a%2Fb" }, "name"],
    ["a `/` in a name", { name: "a/b" }, "name"],
    ["a control character", { name: "job\u0000x" }, "name"],
    ["an empty name", { name: "" }, "name"],
    ["an uppercase namespace", { namespace: "Team-A" }, "namespace"],
    ["an underscore in a namespace", { namespace: "team_a" }, "namespace"],
    ["a repository starting with `.`", { repository: ".git" }, "repository"],
    ["a repository with a space", { repository: "my repo" }, "repository"],
  ])("refuses %s", async (_label, change, field) => {
    const { api } = h.client();
    const input = { repository: "analytics", directory: "jobs", namespace: "ops", name: "job", ...change };
    const error = await rejection(api.deployTaskInNamespaceAs(input, alice));
    expect(error.kind).toBe("invalid_request");
    expect(error.issues.map((i) => i.field)).toContain(field);
    expect(h.sim.requests).toHaveLength(0);
  });

  it.each([
    ["a bad cron minute", { schedule: "61 * * * *" }, "schedule", "not a valid cron schedule: minute"],
    ["a cron with 4 fields", { schedule: "* * * *" }, "schedule", "needs 5 fields"],
    ["a branch with `..`", { branch: "feat..x" }, "branch", "must not contain '..'"],
    ["a branch with a space", { branch: "my branch" }, "branch", "spaces"],
    ["a branch starting with `-`", { branch: "-x" }, "branch", "must not start with '-'"],
    ["a branch with `:`", { branch: "a:b" }, "branch", "must not contain ':'"],
    ["a long CronJob name", { name: "n".repeat(53), schedule: "@daily" }, "name", "at most 52"],
  ])("refuses %s, naming the field", async (_label, change, field, message) => {
    const { api } = h.client();
    const input = { repository: "analytics", directory: "jobs", namespace: "ops", name: "job", ...change };
    const error = await rejection(api.deployTaskElaborate(input, alice));
    expect(error.issues.find((i) => i.field === field)?.message).toContain(message);
    expect(error.safeMessage).toContain(field);
    expect(h.sim.requests).toHaveLength(0);
  });

  it.each([
    ["text that is not JSON", "{name: x}", "configuration", "is not valid JSON"],
    ["a JSON array", "[]", "configuration", "must be a JSON object"],
    ["an unknown type", { name: "x", type: "pod" }, "configuration.type", "job, deployment or service"],
    [
      "a name that is not a Kubernetes name",
      { name: "My_Job", type: "job" },
      "configuration.name",
      "lowercase",
    ],
    ["a missing name", { type: "job" }, "configuration.name", "is required"],
    [
      "an image without a source",
      { name: "x", type: "job", "image-destination": "i" },
      "repository",
      "required",
    ],
  ])("refuses a task configuration with %s", async (_label, configuration, field, message) => {
    const { api } = h.client();
    const error = await rejection(
      api.deployTaskWithConfiguration({ namespace: "ops", configuration }, alice),
    );
    expect(error.issues.find((i) => i.field === field)?.message).toContain(message);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("refuses a pipeline configuration without tasks, and bad ids and template paths", async () => {
    const { api } = h.client();
    const noTasks = await rejection(
      api.runPipelineWithConfiguration({ namespace: "ops", configuration: { name: "p", tasks: [] } }, alice),
    );
    expect(noTasks.issues[0]).toMatchObject({ field: "configuration.tasks" });
    const badId = await rejection(api.getTaskState({ id: "../etc" }));
    expect(badId.issues[0]?.field).toBe("id");
    const dots = await rejection(api.killPipeline({ id: ".." }, alice));
    expect(dots.issues[0]?.field).toBe("id");
    const template = await rejection(api.getTaskTemplate({ template_path: "../secrets.json" }));
    expect(template.issues[0]?.field).toBe("template_path");
    expect(h.sim.requests).toHaveLength(0);
  });
});

describe("Deploy client: identity", () => {
  it("cannot call a protected route without an identity", async () => {
    const { api, transport } = h.client();
    // @ts-expect-error a protected route demands an identity at the type level
    const untyped = api.deployTask({ repository: "analytics", directory: "jobs" });
    await expect(untyped).rejects.toThrow(/protected route/);
    // The adapter refuses too, for anything that reaches the transport directly.
    const direct = await rejection(
      transport?.call(deployEndpoints.deleteJob, { namespace: "ops", name: "x" }) ?? Promise.resolve(),
    );
    expect(direct.kind).toBe("invalid_request");
    expect(direct.safeMessage).toContain("deleteJob is a protected route");
    expect(h.sim.requests).toHaveLength(0);
  });

  it("sends an authtoken cookie instead of the header, and the sim records the JWT's user", async () => {
    const { api } = h.client();
    const payload = Buffer.from(JSON.stringify({ email: "bob@example.com" })).toString("base64url");
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${payload}.c2lnbmF0dXJl`;
    const task = await api.deployTaskAs(
      { repository: "analytics", directory: "x", name: "y" },
      { identity: identityFromJwt(jwt) },
    );
    expect(await h.lastSent()).toMatchObject({ identity: undefined, cookie: `authtoken=${jwt}` });
    expect((await api.getTaskState({ id: idOf(task) })).deployedBy).toBe("bob@example.com");
  });

  it("sends no identity to unprotected routes even when one is given", async () => {
    const { api, transport } = h.client();
    // The typed client does not even accept one here; the transport is asked directly.
    await transport?.call(deployEndpoints.listTasks, {}, alice);
    expect((await h.lastSent()).identity).toBeUndefined();
    await api.listTasks({});
    expect((await h.lastSent()).identity).toBeUndefined();
  });
});

describe("Deploy client: retries", () => {
  it.each([
    ["a deploy", (api: Api) => api.deployTask({ repository: "analytics", directory: "jobs" }, alice)],
    ["a delete", (api: Api) => api.deleteJob({ namespace: "analytics", name: DEPLOY_SEED.job.name }, alice)],
    ["a kill", (api: Api) => api.killPipeline({ id: DEPLOY_SEED.pipeline.id }, alice)],
    ["a configuration load", (api: Api) => api.loadTaskConfiguration({ repository: "a", directory: "b" })],
  ])("does not repeat %s (a GET or POST that acts) after a 503", async (_label, call) => {
    const { api, delays } = h.client();
    h.sim.setFaults([{ kind: "error", status: 503, times: 1 }]);
    const error = await rejection(call(api));
    expect(error.status).toBe(503);
    expect(error.tries).toBe(1);
    expect(h.sim.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("repeats a safe read (list, state) after a 503 and succeeds", async () => {
    const { api, delays } = h.client();
    h.sim.setFaults([{ kind: "error", status: 503, times: 1 }]);
    expect((await api.listNamespaces({})).length).toBeGreaterThan(0);
    expect(h.sim.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(delays).toHaveLength(1);
    h.sim.setFaults([{ kind: "error", status: 502, times: 1, path: "/v1/task/state/" }]);
    expect((await api.getTaskState({ id: DEPLOY_SEED.job.id })).status).toBe("succeeded");
  });
});

type Api = ReturnType<typeof h.client>["api"];

describe("Deploy client: configuration and tolerance", () => {
  it("accepts text answers to deploys, kills and deletes as { message }", async () => {
    await h.restart({ textResponses: true });
    const { api } = h.client();
    const deployed = await api.deployTaskAs({ repository: "analytics", directory: "jobs", name: "x" }, alice);
    expect(deployed.message).toMatch(/^job x deployed in namespace analytics \(id task-/);
    expect(deployed.id).toBeUndefined();
    const run = await api.runPipelineAs({ repository: "analytics", directory: "p", name: "p" }, alice);
    expect(run.message).toContain("pipeline p started");
    const id = run.message?.match(/\(id (\S+)\)/)?.[1] ?? "";
    expect((await api.killPipeline({ id }, alice)).message).toBe(`kill order sent to pipeline ${id}`);
    expect((await api.deleteJob({ namespace: "analytics", name: "x" }, alice)).message).toBe("job x deleted");
  });

  it("works behind a path prefix such as /apps/deploy-api", async () => {
    await h.restart({ pathPrefix: "/apps/deploy-api" });
    const { api } = h.client(`${h.url}/apps/deploy-api/`);
    await api.deployTask({ repository: "analytics", directory: "jobs/nightly" }, alice);
    expect((await h.lastSent()).url).toBe("/apps/deploy-api/v1/task/deploy/analytics/jobs%2Fnightly");
    expect((await api.listNamespaces({})).length).toBeGreaterThan(0);
  });

  it("rejects every call with not_configured when DEPLOY_API_URL is unset", async () => {
    const handle = createDeployClient({ baseUrl: undefined, paths: {} }, { http: testHttp });
    expect(handle.transport).toBeUndefined();
    const error = await rejection(handle.client.deployTask({ repository: "a", directory: "b" }, alice));
    expect(error).toMatchObject({ kind: "not_configured", operation: "deployTask", retryable: false });
    expect(error.safeMessage).toBe(DEPLOY_NOT_CONFIGURED);
    expect((await rejection(handle.client.listNamespaces({}))).kind).toBe("not_configured");
  });

  it("checks DEPLOY_API_PATHS overrides against the placeholders", () => {
    expect(() => h.client(h.url, { getTaskState: "/v1/task/{name}" })).toThrow(/DEPLOY_API_PATHS/);
    expect(() => h.client(h.url, { deployTask: "/d/{repository}/{directory*}" })).not.toThrow();
  });

  it("reads {error}, text and HTML error bodies, and never shows a JWT", () => {
    expect(describeDeployError({ error: "task not found" })).toEqual({ message: "task not found" });
    expect(describeDeployError("quota exceeded\nstack...")).toEqual({ message: "quota exceeded" });
    expect(describeDeployError("<html><body>502</body></html>")).toEqual({});
    const leaked = describeDeployError({ error: "bad token eyJhbGciOiJI.eyJzdWIiOiJhIn0.sig" });
    expect(leaked.message).toBe("bad token [redacted]");
  });

  it("shows the API's error text with the status", async () => {
    const { api } = h.client();
    const error = await rejection(api.getTaskState({ id: "task-missing" }));
    expect(error.safeMessage).toBe("not found: task not found: task-missing (HTTP 404)");
    expect(error.message).not.toContain(ALICE);
  });
});
