import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORCHESTRATION_SEED } from "../../../devkit/sim/orchestration-world.js";
import { stateValue } from "../../../devkit/testing/index.js";
import { ACTION, BLOCK, CALLBACK, sourceActionId } from "../../../src/blocks/ids.js";
import { commandWords, makesChange } from "../../../src/catalogue/define.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { encodeModalMetadata } from "../../../src/slack/listeners/modal-metadata.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

/** An operation's open form, as a dropdown in it asks for options. */
const form = (operationId: string) =>
  stack.fx.view({
    callbackId: CALLBACK.operationModal,
    privateMetadata: encodeModalMetadata({ operationId, channelId: stack.fx.ids.channelId }),
  });

// The real catalogue behind the real receiver: what `npm start` runs, against the simulators.
let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    // No reuse of a source's names between tests: one of them makes the backend fail.
    dropdowns: { cacheMs: 0 },
    env: (sims, settings) => ({
      ORCHESTRATION_API_URL: sims.orchestration.url,
      ORCHESTRATION_API_TOKEN: settings.orchestrationToken,
      ORCHESTRATION_PROJECT_ID: ORCHESTRATION_SEED.projectId,
      ORCHESTRATION_ALLOCATION_ID: ORCHESTRATION_SEED.allocationId,
    }),
  });
});
afterAll(() => stack.close());

describe("the full catalogue over the HTTP receiver", () => {
  it("lists every resource in help", async () => {
    const res = await stack.send.command(stack.fx.command({ text: "help" }));
    const text = JSON.stringify(res.json());
    for (const resource of ["task", "pipeline", "port", "check", "log", "payload", "allocation", "artefact"])
      expect(text).toContain(resource);
  });

  it("narrows help to one verb, its yes/no flag shown bare", async () => {
    const res = await stack.send.command(stack.fx.command({ text: "help payload delete" }));
    const text = JSON.stringify(res.json());
    expect(text).toContain("opsbot help: payload delete");
    expect(text).toContain("[--force-delete]");
    expect(text).toContain("ORCHESTRATION_PROJECT_ID");
    expect(text).not.toContain("payload reserve");
  });

  it("fills project and allocation from configuration and accepts a bare boolean flag", async () => {
    const command = stack.fx.command({
      text: `payload delete ${ORCHESTRATION_SEED.payloads.rankedHarbor} --force-delete`,
    });
    await stack.send.command(command);
    const body = await stack.responseFor(command.response_url);
    expect(body.response_type).toBe("in_channel");
    const sent = stack.sims.orchestration.requests.at(-1);
    expect(sent?.method).toBe("DELETE");
    expect(sent?.url).toBe(
      `/v0/projects/${ORCHESTRATION_SEED.projectId}/allocations/${ORCHESTRATION_SEED.allocationId}/payloads/${ORCHESTRATION_SEED.payloads.rankedHarbor}?force_delete=true`,
    );
  });

  it("answers a read privately with the backend's data", async () => {
    const command = stack.fx.command({ text: "payload list" });
    await stack.send.command(command);
    const body = await stack.responseFor(command.response_url);
    expect(body.response_type).toBe("ephemeral");
    expect(JSON.stringify(body.blocks)).toContain(ORCHESTRATION_SEED.payloads.casualHarbor);
  });

  it("feeds external selects from the Deploy API, filtered by what was typed", async () => {
    const res = await stack.send.interaction(
      stack.fx.blockSuggestion(sourceActionId("namespaces"), "ana", { view: form("task:deploy-config") }),
    );
    expect(res.json()).toEqual({
      options: [{ text: { type: "plain_text", text: "analytics" }, value: "analytics" }],
    });
    const templates = await stack.send.interaction(
      stack.fx.blockSuggestion(sourceActionId("task-templates"), "", { view: form("task:template") }),
    );
    const values = (templates.json() as { options: { value: string }[] }).options.map((o) => o.value);
    expect(values).toContain("job_python.json");
  });

  it("answers an empty option list when the backend fails", async () => {
    stack.sims.deploy.setFaults([{ kind: "error", status: 500, path: "/v1/list/namespaces" }]);
    try {
      const res = await stack.send.interaction(
        stack.fx.blockSuggestion(sourceActionId("namespaces"), "", { view: form("task:deploy-config") }),
      );
      expect(res.json()).toEqual({ options: [] });
    } finally {
      stack.sims.deploy.setFaults([]);
    }
  });

  it("shows a read plainly and marks a change that was made with ✅", async () => {
    const read = stack.fx.command({ text: "allocation get" });
    await stack.send.command(read);
    const got = JSON.stringify((await stack.responseFor(read.response_url)).blocks);
    expect(got).toContain(ORCHESTRATION_SEED.allocationId);
    expect(got).not.toMatch(/✅|❌|⚠️/);
    const change = stack.fx.command({
      text: `payload label ${ORCHESTRATION_SEED.payloads.casualHarbor} team ops`,
    });
    await stack.send.command(change);
    expect(JSON.stringify((await stack.responseFor(change.response_url)).blocks)).toContain("✅");
  });

  it("answers a verb typed first with the commands that do it, not a look-alike resource", async () => {
    const said = JSON.stringify((await stack.send.command(stack.fx.command({ text: "deploy" }))).json());
    expect(said).toContain("Unknown resource `deploy`. Did you mean `task deploy` or `pipeline run`?");
    expect(said).not.toContain("`deployment`");
    const typo = JSON.stringify(
      (await stack.send.command(stack.fx.command({ text: "payloda list" }))).json(),
    );
    expect(typo).toContain("Did you mean `payload`?");
  });

  it("names the flag or the positional that was typed in a problem, never the internal name", async () => {
    const said = async (text: string) =>
      JSON.stringify((await stack.send.command(stack.fx.command({ text }))).json());
    const port = await said(
      "port create 5f0c9a52-3f4e-4c1b-9c39-7b0f1d2a6e11 --protocol tcp --frontend-port 70000 --backend-port 1 --endpoint e",
    );
    expect(port).toContain("Cannot run `port create`: `--frontend-port` must be between 0 and 65535.");
    expect(port).not.toContain("frontendPort`");
    expect(await said("payload reserve --selector nonsense")).toContain(
      '`--selector` \\"nonsense\\" must look like key=value',
    );
    expect(await said("check create nope --protocol tcp --host h --port 1")).toContain(
      "`&lt;coreInstanceId&gt;` must be a UUID",
    );
  });

  it("opens the form of every change typed alone, and calls no backend", async () => {
    const changes = createCatalogue().operations.filter((o) => o.risk !== "read");
    // Only changes count: an earlier test's follow-up may still be polling with GETs.
    const requests = () =>
      [stack.sims.calyptia, stack.sims.deploy, stack.sims.orchestration].flatMap((sim) =>
        sim.requests.filter((r) => r.method !== "GET"),
      ).length;
    const before = requests();
    const formOf = async (words: string) => {
      const opened = stack.slackApi.callsTo("views.open").length;
      await stack.send.command(stack.fx.command({ text: words }));
      for (let i = 0; i < 100 && stack.slackApi.callsTo("views.open").length === opened; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const view = stack.slackApi.callsTo("views.open").at(-1)?.args.view as { private_metadata: string };
      return JSON.parse(view.private_metadata) as { operationId: string };
    };
    const opened: string[] = [];
    for (const operation of changes.filter((o) => makesChange(o, {}))) {
      expect(await formOf(commandWords(operation))).toMatchObject({ operationId: operation.id });
      opened.push(operation.id);
    }
    expect(opened).toContain("payload:reserve");
    expect(requests()).toBe(before);
    // `lock` and `subscribe` alone only list, so they answer at once.
    expect(changes.filter((o) => !makesChange(o, {})).map((o) => o.id)).toEqual(["lock", "subscribe"]);
    const lock = stack.fx.command({ text: "lock" });
    await stack.send.command(lock);
    expect(JSON.stringify((await stack.responseFor(lock.response_url)).blocks)).toContain("Change freezes");
  });

  it("opens the operation picker for /ops alone, then replaces it with the chosen operation's modal", async () => {
    const before = stack.slackApi.callsTo("views.open").length;
    await stack.send.command(stack.fx.command({ text: "" }));
    for (let i = 0; i < 100 && stack.slackApi.callsTo("views.open").length === before; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const picker = stack.slackApi.callsTo("views.open").at(-1)?.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(picker.callback_id).toBe(CALLBACK.pickerModal);
    const submit = (values: Parameters<typeof stack.fx.view>[0]["values"]) =>
      stack.send.interaction(
        stack.fx.viewSubmission(
          stack.fx.view({
            callbackId: CALLBACK.pickerModal,
            privateMetadata: picker.private_metadata,
            ...(values ? { values } : {}),
          }),
        ),
      );
    expect((await submit({})).json()).toMatchObject({ response_action: "errors" });
    const chosen = await submit({
      [BLOCK.pickOperation]: { [ACTION.pickOperation]: stateValue.staticSelect("payload:reserve") },
    });
    const body = chosen.json() as {
      response_action: string;
      view: { callback_id: string; private_metadata: string };
    };
    expect(body.response_action).toBe("update");
    expect(body.view.callback_id).toBe(CALLBACK.operationModal);
    expect(JSON.parse(body.view.private_metadata)).toMatchObject({ operationId: "payload:reserve" });
  });
});
