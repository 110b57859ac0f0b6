import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEPLOY_SEED } from "../../../devkit/sim/deploy-data.js";
import type { RunningSimulators } from "../../../devkit/sim/index.js";
import type { SlackStandIn } from "../../../devkit/slack-standin/index.js";
import { staleTimestamp, stateValue } from "../../../devkit/testing/index.js";
import { identityFromEmail } from "../../../src/api/identity.js";
import type { ApiClients } from "../../../src/api/index.js";
import { CALLBACK } from "../../../src/blocks/ids.js";
import { Catalogue } from "../../../src/catalogue/catalogue.js";
import { arg, defineOperation } from "../../../src/catalogue/define.js";
import { record } from "../../../src/catalogue/output.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// A small catalogue for the wiring; the full one has its own tests.
const namespaceList = defineOperation({
  id: "namespace:list",
  resource: "namespace",
  verb: "list",
  summary: "List namespaces",
  risk: "read",
  backend: "deploy",
  needsIdentity: false,
  args: {},
  run: (ctx) => ctx.api.deploy.listNamespaces({}),
  render: (items) => ({
    kind: "list",
    title: "Namespaces",
    empty: "No namespaces.",
    items: items.map((n) => ({ title: n.name })),
  }),
});
const jobDelete = defineOperation({
  id: "job:delete",
  resource: "job",
  verb: "delete",
  summary: "Delete a job",
  risk: "destructive",
  backend: "deploy",
  needsIdentity: true,
  args: {
    namespace: arg.positional(z.string(), { label: "Namespace" }),
    name: arg.positional(z.string(), { label: "Job name" }),
  },
  run: (ctx, a) =>
    ctx.api.deploy.deleteJob({ namespace: a.namespace, name: a.name }, { identity: ctx.identity }),
  render: (_r, a) =>
    record(`Deleted job ${a.name}`, [{ label: "Namespace", value: a.namespace, code: true }], {
      tone: "success",
    }),
});
const catalogue = new Catalogue([namespaceList, jobDelete]);

let stack: AppStack;
let sims: RunningSimulators;
let slackApi: SlackStandIn;
let api: ApiClients;
let send: AppStack["send"];
let fx: AppStack["fx"];
let botPort: number | undefined;
const responseFor = (url: string) => stack.responseFor(url);

beforeAll(async () => {
  stack = await startAppStack({
    catalogue,
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0NOMAIL", name: "bob" },
    ],
  });
  ({ sims, slackApi, api, send, fx, port: botPort } = stack);
});
afterAll(() => stack.close());

describe("/ops over the HTTP receiver", () => {
  it("answers help in the acknowledgement itself", async () => {
    const res = await send.command(fx.command({ text: "help" }));
    expect(res.status).toBe(200);
    const body = res.json() as { response_type: string; blocks: { text?: { text: string } }[] };
    expect(body.response_type).toBe("ephemeral");
    expect(JSON.stringify(body.blocks)).toContain("`delete` Delete a job");
  });

  it("explains an unknown resource with the closest match", async () => {
    const res = await send.command(fx.command({ text: "namespase list" }));
    expect(JSON.stringify(res.json())).toContain("Did you mean `namespace`?");
  });

  it("runs a read and answers ephemerally through the response URL", async () => {
    const command = fx.command({ text: "namespace list" });
    const res = await send.command(command);
    expect(res.status).toBe(200);
    const body = await responseFor(command.response_url);
    expect(body.response_type).toBe("ephemeral");
    expect(JSON.stringify(body.blocks)).toContain(DEPLOY_SEED.namespaces[0]);
  });

  it("runs a protected operation as the user's Slack email and shows it to the channel", async () => {
    const command = fx.command({ text: `job delete ${DEPLOY_SEED.job.namespace} ${DEPLOY_SEED.job.name}` });
    await send.command(command);
    const body = await responseFor(command.response_url);
    expect(body.response_type).toBe("in_channel");
    expect(JSON.stringify(body.blocks)).toContain(`Deleted job ${DEPLOY_SEED.job.name}`);
    const sent = sims.deploy.requests.at(-1);
    expect(sent?.url).toBe(`/v1/delete/job/${DEPLOY_SEED.job.namespace}/${DEPLOY_SEED.job.name}`);
    expect(sent?.headers.identity).toBe("alice@example.com");
  });

  it("refuses a user without an identity and sends nothing to the backend", async () => {
    const before = sims.deploy.requests.length;
    const command = fx.command({ text: "job delete analytics anything", user_id: "U0NOMAIL" });
    await send.command(command);
    const body = await responseFor(command.response_url);
    expect(body.response_type).toBe("ephemeral");
    expect(JSON.stringify(body)).toContain("no email address");
    expect(sims.deploy.requests.length).toBe(before);
  });

  it("rejects arguments that would change the route before anything is sent", async () => {
    const before = sims.deploy.requests.length;
    const command = fx.command({ text: "job delete ../etc passwd" });
    await send.command(command);
    const body = await responseFor(command.response_url);
    expect(JSON.stringify(body)).toContain("namespace");
    expect(sims.deploy.requests.length).toBe(before);
  });

  it("rejects a bad signature and a stale timestamp", async () => {
    expect((await send.command(fx.command({ text: "help" }), { badSignature: true })).status).toBe(401);
    expect((await send.command(fx.command({ text: "help" }), { timestamp: staleTimestamp() })).status).toBe(
      401,
    );
  });

  it("serves health and readiness on the receiver's port", async () => {
    const health = await fetch(`http://127.0.0.1:${botPort}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${botPort}/readyz`);
    expect(await ready.json()).toEqual({ ready: true });
  });

  it("opens a prefilled modal for a change with arguments missing, then validates and runs its submission", async () => {
    await api.deploy.deployTaskAs(
      { repository: "analytics", directory: "reports", name: "modal-job" },
      { identity: identityFromEmail("seed@example.com") },
    );
    const command = fx.command({ text: "job delete analytics" });
    const openedBefore = slackApi.callsTo("views.open").length;
    await send.command(command);
    for (let i = 0; i < 100 && slackApi.callsTo("views.open").length === openedBefore; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const opened = slackApi.callsTo("views.open").at(-1)?.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string; element?: { initial_value?: string } }[];
    };
    expect(opened.callback_id).toBe(CALLBACK.operationModal);
    const namespaceBlock = opened.blocks.find((b) => b.block_id === "arg:namespace");
    expect(namespaceBlock?.element?.initial_value).toBe("analytics");

    const submit = (name: string) =>
      send.interaction(
        fx.viewSubmission(
          fx.view({
            callbackId: CALLBACK.operationModal,
            privateMetadata: opened.private_metadata,
            values: {
              "arg:namespace": { value: stateValue.text("analytics") },
              "arg:name": { value: stateValue.text(name) },
            },
          }),
        ),
      );
    const before = sims.deploy.requests.length;
    const invalid = await submit("");
    expect(invalid.json()).toMatchObject({
      response_action: "errors",
      errors: { "arg:name": expect.any(String) },
    });
    expect(sims.deploy.requests.length).toBe(before);

    const valid = await submit("modal-job");
    expect(valid.status).toBe(200);
    const body = await responseFor(command.response_url);
    expect(JSON.stringify(body.blocks)).toContain("Deleted job modal-job");
    expect(sims.deploy.requests.at(-1)?.headers.identity).toBe("alice@example.com");
  });

  it("refuses a submission whose metadata was tampered with", async () => {
    const res = await send.interaction(
      fx.viewSubmission(
        fx.view({ callbackId: CALLBACK.operationModal, privateMetadata: '{"operationId":"admin:root"}' }),
      ),
    );
    expect(res.json()).toMatchObject({ response_action: "errors" });
  });
});
