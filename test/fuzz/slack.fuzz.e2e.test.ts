import type { types } from "@slack/bolt";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../devkit/sim/calyptia.js";
import { ORCHESTRATION_SEED } from "../../devkit/sim/orchestration-world.js";
import type { ViewValues } from "../../devkit/testing/fixtures.js";
import { stateValue } from "../../devkit/testing/index.js";
import { CALLBACK } from "../../src/blocks/ids.js";
import { operationModal } from "../../src/blocks/modals.js";
import { escapeMrkdwn } from "../../src/blocks/text.js";
import { NOTIFICATION_EVENTS } from "../../src/catalogue/events.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { encodeModalMetadata } from "../../src/slack/listeners/modal-metadata.js";
import { ALLOW_ALL, type AppStack, simulatorBackendsEnv, startAppStack } from "../helpers/app-stack.js";
import {
  commandLine,
  foreignMarkup,
  HOSTILE_TEXT,
  hostileToken,
  runs,
  strayPath,
  templatePatterns,
  unclearParts,
} from "./arbitraries.js";

// Hostile text through the real receiver (signed requests), against the simulators: slash commands and
// every operation's form submitted with arbitrary values. Never a 500 or an unhandled rejection, always
// a clear answer, and no request reaches a backend on a path its templates do not allow.

const catalogue = createCatalogue();
const CHANNEL = "C0FUZZ001";
let stack: AppStack;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  stack = await startAppStack({
    catalogue,
    users: [{ id: "U0FUZZ", name: "fuzz", email: "fuzz@example.com" }],
    env: (sims, settings) => ({
      ...simulatorBackendsEnv(sims, settings),
    }),
  });
});

afterAll(async () => {
  await stack?.close();
  process.off("unhandledRejection", onRejection);
});

async function settled(probe: () => boolean, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return probe();
}

function expectNoStrayPaths() {
  const patterns = templatePatterns();
  const stray = [
    ...stack.sims.calyptia.requests.map((r) => strayPath(r.url, patterns.calyptia)),
    ...stack.sims.deploy.requests.map((r) => strayPath(r.url, patterns.deploy)),
    ...stack.sims.orchestration.requests.map((r) => strayPath(r.url, patterns.orchestration)),
  ].filter((p) => p !== undefined);
  expect(stray).toEqual([]);
}

/** Values that pass for real ones in some field (IDs the simulators know, names, ports, selectors). */
const PLAUSIBLE = [
  CALYPTIA_SEED.pipelineId,
  CALYPTIA_SEED.coreInstanceId,
  ORCHESTRATION_SEED.allocationId,
  ...Object.values(ORCHESTRATION_SEED.payloads),
  "analytics",
  "job_python",
  "fuzz-job",
  "tcp",
  "24224",
  "fluent.example.com",
  "mode=casual",
  "10",
  "main",
];

function backendRequests(): number {
  return (
    stack.sims.calyptia.requests.length +
    stack.sims.deploy.requests.length +
    stack.sims.orchestration.requests.length
  );
}

describe("fuzz: /ops through the receiver", () => {
  it("always answers clearly, with no 500, no unhandled rejection and no stray backend path", async () => {
    // Real IDs now and then, so that reads and changes get as far as the backends.
    const ids = fc.constantFrom(
      CALYPTIA_SEED.pipelineId,
      CALYPTIA_SEED.coreInstanceId,
      ORCHESTRATION_SEED.allocationId,
      "analytics",
      "job_python",
    );
    const line = fc.oneof(
      commandLine(catalogue),
      fc
        .tuple(
          fc.constantFrom(...catalogue.operations),
          fc.array(fc.oneof(ids, hostileToken), { maxLength: 4 }),
        )
        .map(([op, rest]) => [op.resource, op.verb, ...rest].join(" ")),
    );
    await fc.assert(
      fc.asyncProperty(line, async (text) => {
        const command = stack.fx.command({ text, user_id: "U0FUZZ", channel_id: CHANNEL });
        const res = await stack.send.command(command);
        expect(res.status, text).toBe(200);
        if (res.text) {
          const body = res.json() as { text?: string };
          expect(unclearParts(String(body.text ?? ""), text), text).toEqual([]);
          return;
        }
        // Answered at the response URL, or a form opened for it: one of the two, within seconds.
        const answered = await settled(
          () =>
            stack.slackApi.responses().some((r) => r.url === command.response_url) ||
            stack.slackApi.callsTo("views.open").some((c) => c.args.trigger_id === command.trigger_id),
        );
        expect(answered, text).toBe(true);
        const reply = stack.slackApi.responses().find((r) => r.url === command.response_url);
        if (reply) expect(unclearParts(String(reply.body.text ?? ""), text), text).toEqual([]);
      }),
      {
        numRuns: runs(60, 0.05),
        // Always among the cases: commands that reach each backend, so that the path check has work.
        examples: [["namespace list"], [`port list ${CALYPTIA_SEED.pipelineId}`], ["payload list"]],
      },
    );
    expect(rejections).toEqual([]);
    // The fuzzing got past the parser: the backends were called, on allowed paths only.
    expect(backendRequests()).toBeGreaterThan(0);
    expectNoStrayPaths();
  }, 240_000);

  it("every form, submitted with arbitrary values: inline errors on real fields, or an accepted run", async () => {
    const withForms = catalogue.operations.filter((op) => Object.keys(op.args).length > 0);
    const before = backendRequests();
    const seen = { errors: 0, accepted: 0 };
    for (const operation of withForms) {
      const modal = operationModal(operation, {
        privateMetadata: encodeModalMetadata({ operationId: operation.id, channelId: CHANNEL }),
      });
      const inputs = modal.blocks.filter((b): b is types.InputBlock => b.type === "input");
      const blockIds = new Set(inputs.map((b) => b.block_id));
      const choices = Object.values(operation.args).flatMap((def) => def.choices ?? []);
      const plausible = fc.constantFrom(...PLAUSIBLE, ...choices);
      const valueFor = fc.oneof(
        { weight: 2, arbitrary: hostileToken },
        { weight: 1, arbitrary: fc.constant("") },
        { weight: 4, arbitrary: plausible },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(valueFor, { minLength: inputs.length, maxLength: inputs.length }),
          async (values) => {
            const responseUrl = stack.fx.command({ text: "" }).response_url;
            const state: Record<string, Record<string, unknown>> = {};
            inputs.forEach((block, i) => {
              const element = block.element as { type: string; action_id?: string };
              const value = values[i] ?? "";
              if (!block.block_id || !element.action_id) return;
              state[block.block_id] = { [element.action_id]: stateFor(element.type, value) };
            });
            const view = stack.fx.view({
              callbackId: CALLBACK.operationModal,
              privateMetadata: encodeModalMetadata({
                operationId: operation.id,
                channelId: CHANNEL,
                responseUrl,
              }),
              values: state as ViewValues,
            });
            const res = await stack.send.interaction(stack.fx.viewSubmission(view, { user: "U0FUZZ" }));
            const label = `${operation.id} ${JSON.stringify(values).slice(0, 300)}`;
            expect(res.status, label).toBe(200);
            const body = (res.text ? res.json() : {}) as {
              response_action?: string;
              errors?: Record<string, string>;
            };
            if (body.response_action !== "errors") {
              seen.accepted += 1;
              return;
            }
            seen.errors += 1;
            const errors = Object.entries(body.errors ?? {});
            expect(errors.length, label).toBeGreaterThan(0);
            for (const [blockId, message] of errors) {
              expect(blockIds.has(blockId), `${label}: error on unknown block ${blockId}`).toBe(true);
              expect(unclearParts(message, values.join(" ")), label).toEqual([]);
            }
          },
        ),
        // The empty form is always among the cases: refused where a field is required, run where none is.
        { numRuns: runs(3, 0.002), examples: [[inputs.map(() => "")]] },
      );
    }
    // Accepted submissions run in the background: let them reach the backends before the paths are read.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rejections).toEqual([]);
    // Both ways were taken: forms refused inline and forms accepted that reached the backends.
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(backendRequests()).toBeGreaterThan(before);
    expectNoStrayPaths();
  }, 240_000);
});

/** The state Slack sends for an input element holding `value`. */
function stateFor(type: string, value: string) {
  switch (type) {
    case "static_select":
      return value === "" ? { type, selected_option: null } : stateValue.staticSelect(value);
    case "external_select":
      return value === ""
        ? { type, selected_option: null }
        : { type, selected_option: { text: { type: "plain_text", text: value.slice(0, 75) || "x" }, value } };
    default:
      return stateValue.text(value === "" ? null : value, type);
  }
}

// Hostile text in every free-text field the bot shows (lock reasons, annotations, names, backend error
// bodies, follow-up states), typed as Slack sends it: whatever the bot posts, edits, answers or opens
// mentions only the people and channels it knows and links nothing it did not build.

const ADMIN = "U0ADMIN";
const NOTES = "C0NOTES01";
const OWN = { users: ["U0FUZZ", ADMIN], channels: [CHANNEL, NOTES] };

/** What Slack sends for text a person typed: `&`, `<` and `>` as entities. */
const slackEscaped = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** A quoted argument: straight quotes inside would end it, so they become apostrophes. */
const quoted = (text: string) => `"${slackEscaped(text.replace(/"/g, "'").replace(/\n/g, " ")) || "x"}"`;

describe("fuzz: hostile text never becomes a mention or a link", () => {
  let hostile: AppStack;

  beforeAll(async () => {
    hostile = await startAppStack({
      catalogue,
      users: [
        { id: "U0FUZZ", name: "fuzz", email: "fuzz@example.com" },
        { id: ADMIN, name: "admin", email: "admin@example.com" },
      ],
      env: (sims, settings) => simulatorBackendsEnv(sims, settings),
      policy: {
        ...ALLOW_ALL,
        grants: [{ role: "admin", everyone: false, users: ["U0FUZZ", ADMIN], usergroups: [] }],
        notifications: [{ channel: NOTES, events: [...NOTIFICATION_EVENTS] }],
      },
    });
  });

  afterAll(async () => {
    await hostile?.close();
  });

  /** Everything the bot said from `since` on: Web API writes and views, and response URL posts. */
  function saidSince(since: { calls: number; responses: number }): unknown[] {
    const written = hostile.slackApi.calls
      .slice(since.calls)
      .filter((c) => /^(chat\.|views\.)/.test(c.method))
      .map((c) => c.args);
    return [
      ...written,
      ...hostile.slackApi
        .responses()
        .slice(since.responses)
        .map((r) => r.body),
    ];
  }

  async function ops(text: string): Promise<void> {
    const command = hostile.fx.command({ text, user_id: "U0FUZZ", channel_id: CHANNEL });
    const res = await hostile.send.command(command);
    expect(res.status, text).toBe(200);
    if (res.text) expect(foreignMarkup(res.json(), OWN), text).toEqual([]);
    await settled(() => hostile.slackApi.responses().some((r) => r.url === command.response_url));
  }

  it("through lock reasons, annotations, names, backend errors and follow-up states", async () => {
    const payloadId = Object.values(ORCHESTRATION_SEED.payloads)[0] ?? "";
    const sims = () => hostile.sims;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...HOSTILE_TEXT), hostileToken), async (text) => {
        const since = {
          calls: hostile.slackApi.calls.length,
          responses: hostile.slackApi.responses().length,
        };
        // A freeze with a hostile reason: its confirmation, the refusal, the override card, the unlock.
        await ops(`lock namespace analytics --reason ${quoted(text)}`);
        await ops("task deploy quick_start job_python --namespace analytics");
        await ops("task deploy quick_start job_python --namespace analytics --force");
        await ops("unlock namespace analytics");
        // Free text stored by a backend and shown back; a name that is not one.
        await ops(`payload annotate ${payloadId} note ${quoted(text)}`);
        await ops(`task deploy quick_start ${quoted(text)} --namespace analytics`);
        // A backend's error body, on a read and on a followed operation's polls; then a hostile state.
        sims().deploy.setFaults([
          { kind: "error", status: 502, path: "^/v1/list/namespaces", message: text },
        ]);
        await ops("namespace list");
        // Each poll tries up to 3 times: enough errors for one failed poll, then states that are text.
        const thread = (pattern: string) =>
          hostile.slackApi
            .callsTo("chat.postMessage")
            .some((c) => c.args.thread_ts && JSON.stringify(c.args).includes(pattern));
        const warnings = hostile.slackApi
          .callsTo("chat.postMessage")
          .filter((c) => /Still following/.test(String(c.args.text))).length;
        sims().deploy.setFaults([
          { kind: "error", status: 502, path: "^/v1/task/state/", message: text, times: 6 },
        ]);
        await ops("task deploy quick_start job_python --namespace analytics");
        await settled(
          () =>
            hostile.slackApi
              .callsTo("chat.postMessage")
              .filter((c) => /Still following/.test(String(c.args.text))).length > warnings,
          5_000,
        );
        const state = `state ${text}`.slice(0, 200);
        sims().deploy.setFaults([
          { kind: "wrong_shape", path: "^/v1/task/state/", body: { status: state, message: text }, times: 3 },
        ]);
        await settled(() => thread(JSON.stringify(escapeMrkdwn(state)).slice(1, 40)), 5_000);
        sims().deploy.setFaults([]);
        const said = saidSince(since);
        expect(said.length, text).toBeGreaterThan(0);
        for (const message of said)
          expect(
            foreignMarkup(message, OWN),
            `${text.slice(0, 80)} → ${JSON.stringify(message).slice(0, 400)}`,
          ).toEqual([]);
      }),
      {
        numRuns: runs(6, 0.001),
        examples: [["<!channel> <https://evil.example|Approve> @here <@U0EVIL>"]],
      },
    );
    // The hostile text did reach Slack, shown as text.
    const everything = JSON.stringify(saidSince({ calls: 0, responses: 0 }));
    expect(everything).toContain("&lt;!channel&gt;");
    expect(everything).toContain("&lt;https://evil.example|Approve&gt;");
    expect(everything).toContain("(HTTP 502) Still following.");
    expect(everything).toContain("state &lt;!channel&gt;");
    expect(rejections).toEqual([]);
  }, 240_000);
});
