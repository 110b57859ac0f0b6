import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateValue } from "../../../devkit/testing/index.js";
import { identityFromEmail } from "../../../src/api/identity.js";
import {
  ACTION,
  argBlockId,
  BLOCK,
  CALLBACK,
  encodeOperationValue,
  sourceActionId,
} from "../../../src/blocks/ids.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { type AppStack, startAppStack } from "../../helpers/app-stack.js";

// Buttons under opsbot's messages, clicked through signed block_actions against the real receiver.
let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [
      { id: "U0ALICE", name: "alice", email: "alice@example.com" },
      { id: "U0BOB", name: "bob", email: "bob@example.com" },
    ],
    followUpSettings: { firstPollMs: 30, intervalMs: 60 },
  });
});
afterAll(() => stack.close());

interface Button {
  action_id: string;
  value: string;
  text: { text: string };
  confirm?: unknown;
}
interface Block {
  type: string;
  block_id?: string;
  elements?: Button[];
  text?: { text: string };
}

function buttonsOf(message: Readonly<Record<string, unknown>>, blockId: string): Button[] {
  const blocks = (message.blocks ?? []) as Block[];
  return blocks.find((b) => b.block_id === blockId)?.elements ?? [];
}

function textOf(message: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(message.blocks ?? []);
}

async function click(button: Button, user = "U0ALICE") {
  const payload = stack.fx.blockActions(
    {
      type: "button" as const,
      action_id: button.action_id,
      block_id: "b",
      text: { type: "plain_text" as const, text: button.text.text },
      value: button.value,
      action_ts: "1700000000.000001",
    },
    { user },
  );
  const res = await stack.send.interaction(payload);
  expect(res.status).toBe(200);
  return payload;
}

/** The thread replies under the follow-up parent message that names `subject`, once `count` are there. */
async function followUpThread(subject: string, count: number) {
  return until(() => {
    const parent = stack.slackApi.messages("C0OPS0001").find((m) => JSON.stringify(m).includes(subject));
    if (!parent) return undefined;
    const replies = stack.slackApi.thread("C0OPS0001", parent.ts).filter((m) => m.ts !== parent.ts);
    return replies.length >= count ? { parent, replies } : undefined;
  }, `${count} replies under ${subject}`);
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("pager buttons", () => {
  it("pages through a long list in place, running the query again as the clicker", async () => {
    const identity = identityFromEmail("seed.deployer@example.com");
    for (let i = 0; i < 20; i++)
      await stack.api.deploy.deployTaskAs(
        { repository: "analytics", directory: "job_python", name: `bulk-${String(i).padStart(2, "0")}` },
        { identity },
      );
    const command = stack.fx.command({ text: "task list" });
    await stack.send.command(command);
    const first = await stack.responseFor(command.response_url);
    expect(textOf(first)).toMatch(/Showing 1–15 of 2\d/);
    const [next] = buttonsOf(first, BLOCK.pager);
    expect(next?.action_id).toBe(ACTION.pageNext);
    if (!next) throw new Error("no Next button");

    const payload = await click(next);
    const [second] = await stack.responsesFor(payload.response_url, 1);
    if (!second) throw new Error("no second page");
    expect(second.replace_original).toBe(true);
    expect(textOf(second)).toMatch(/Showing 16–2\d of 2\d/);
    const pager = buttonsOf(second, BLOCK.pager);
    expect(pager.map((b) => b.action_id)).toEqual([ACTION.pagePrev]);
  });

  it("refuses a tampered or outdated button value with a private message", async () => {
    const payload = await click({
      action_id: ACTION.pageNext,
      value: '{"o":"nothing:here","a":{}}',
      text: { text: "Next" },
    });
    const [reply] = await stack.responsesFor(payload.response_url, 1);
    expect(reply?.response_type).toBe("ephemeral");
    expect(textOf(reply ?? {})).toContain("out of date");
  });

  it("refuses a pager on an operation that changes something", async () => {
    const value = encodeOperationValue({
      operationId: "job:delete",
      args: { namespace: "analytics", name: "x" },
      page: 1,
    });
    const before = stack.sims.deploy.requests.length;
    const payload = await click({ action_id: ACTION.pageNext, value: value ?? "", text: { text: "Next" } });
    const [reply] = await stack.responsesFor(payload.response_url, 1);
    expect(textOf(reply ?? {})).toContain("Only lists have pages");
    expect(stack.sims.deploy.requests.length).toBe(before);
  });

  it("validates a button's arguments like a typed command", async () => {
    const value = encodeOperationValue({
      operationId: "task:list",
      args: { namespace: "Bad Name!" },
      page: 1,
    });
    const payload = await click({ action_id: ACTION.pageNext, value: value ?? "", text: { text: "Next" } });
    const [reply] = await stack.responsesFor(payload.response_url, 1);
    expect(textOf(reply ?? {})).toContain("`--namespace`");
  });
});

describe("task load, followed, then Deploy…", () => {
  it("follows the load, posts the manifest with a Deploy button, whose modal is prefilled after a loading state", async () => {
    const command = stack.fx.command({ text: "task load quick_start job_python --branch main" });
    await stack.send.command(command);
    const [started] = await stack.responsesFor(command.response_url, 1);
    expect(started?.response_type).toBe("in_channel");
    expect(textOf(started ?? {})).toContain("Loading the task configuration");
    // The simulator keeps the load pending until its clock moves on.
    stack.sims.clock.advance(60_000);
    const { replies } = await followUpThread("quick_start/job_python", 2);
    const loaded = replies.find((m) => JSON.stringify(m).includes("The task configuration is loaded")) as
      | Readonly<Record<string, unknown>>
      | undefined;
    if (!loaded) throw new Error(`no loaded message in ${JSON.stringify(replies)}`);
    expect(textOf(loaded)).toContain("The task configuration is loaded");
    expect(textOf(loaded)).toContain("image-destination");
    const [deploy] = buttonsOf(loaded, BLOCK.nextSteps);
    expect(deploy?.text.text).toBe("Deploy…");
    expect(deploy?.action_id).toBe(ACTION.openModal);
    if (!deploy) throw new Error("no Deploy button");

    const opensBefore = stack.slackApi.callsTo("views.open").length;
    const payload = await click(deploy, "U0BOB");
    const opened = await until(() => stack.slackApi.callsTo("views.open")[opensBefore], "views.open");
    expect(JSON.stringify(opened.args.view)).toContain(BLOCK.loading);
    const update = await until(() => stack.slackApi.callsTo("views.update").at(-1), "views.update");
    const view = update.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe(CALLBACK.operationModal);
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain('\\"type\\": \\"job\\"');
    expect(shown).toContain("quick_start");
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      operationId: "task:deploy-config",
      responseUrl: payload.response_url,
    });

    // Submitting the prefilled form (a namespace chosen) deploys as the person who clicked.
    const input = (view.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
      (b) => b.block_id === argBlockId("configuration"),
    );
    const configuration = input?.element?.initial_value;
    if (!configuration) throw new Error("no configuration prefilled");
    expect(JSON.parse(configuration)).toMatchObject({ type: "job", name: "job-python" });
    const submitted = await stack.send.interaction(
      stack.fx.viewSubmission(
        stack.fx.view({
          callbackId: CALLBACK.operationModal,
          privateMetadata: view.private_metadata,
          values: {
            [argBlockId("namespace")]: {
              [sourceActionId("namespaces")]: stateValue.staticSelect("analytics"),
            },
            [argBlockId("configuration")]: { value: stateValue.text(configuration) },
            [argBlockId("repository")]: { value: stateValue.text("quick_start") },
            [argBlockId("directory")]: { value: stateValue.text("job_python") },
          },
        }),
        { user: "U0BOB" },
      ),
    );
    expect(submitted.status).toBe(200);
    const [deployed] = await stack.responsesFor(payload.response_url, 1);
    expect(textOf(deployed ?? {})).toContain("Task deployed from its configuration");
    const sent = stack.sims.deploy.requests.at(-1);
    expect(sent?.url).toBe("/v2/task/deploy/with-configuration");
    expect(sent?.headers.identity).toBe("bob@example.com");
  });

  it("posts a failed load without a Deploy button, and a Deploy click on it says why in the modal", async () => {
    const command = stack.fx.command({ text: "task load quick_start broken_job" });
    await stack.send.command(command);
    const [started] = await stack.responsesFor(command.response_url, 1);
    const workId = /Work ID\*\\n`([^`]+)`/.exec(textOf(started ?? {}))?.[1];
    if (!workId) throw new Error(`no work ID in ${textOf(started ?? {})}`);
    stack.sims.clock.advance(60_000);
    const { replies, parent } = await followUpThread("quick_start/broken_job", 2);
    const failed = replies.find((m) => JSON.stringify(m).includes("not valid JSON")) as
      | Readonly<Record<string, unknown>>
      | undefined;
    expect(failed).toBeDefined();
    expect(buttonsOf(failed ?? {}, BLOCK.nextSteps)).toEqual([]);
    expect(JSON.stringify(stack.slackApi.messages("C0OPS0001").find((m) => m.ts === parent.ts))).toContain(
      "❌",
    );

    const updatesBefore = stack.slackApi.callsTo("views.update").length;
    const value = encodeOperationValue({
      operationId: "task:deploy-config",
      args: {},
      loaded: { what: "task", workId },
    });
    await click({ action_id: ACTION.openModal, value: value ?? "", text: { text: "Deploy…" } });
    const update = await until(() => stack.slackApi.callsTo("views.update")[updatesBefore], "views.update");
    expect(JSON.stringify(update.args.view)).toContain("is not loaded (the load is error)");
  });
});
