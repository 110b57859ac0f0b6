import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ACTION, BLOCK, CALLBACK } from "../../src/blocks/ids.js";
import { modalErrors, operationModal, readModalValues } from "../../src/blocks/modals.js";
import { arg } from "../../src/catalogue/define.js";
import { validateArgs } from "../../src/catalogue/validate.js";
import {
  expectModalWithinLimits,
  fakeOperation,
  inputs,
  portCreate,
  submittedState,
  taskDelete,
  taskDeploy,
  taskList,
} from "./fakes.js";

const META = '{"channel":"C1"}';

describe("operationModal", () => {
  const view = operationModal(taskDeploy, { privateMetadata: META });

  it("is a modal named after the operation, with a submit that says what happens", () => {
    expect(view.type).toBe("modal");
    expect(view.callback_id).toBe(CALLBACK.operationModal);
    expect(view.title.text).toBe("Task deploy");
    expect(view.submit?.text).toBe("Deploy");
    expect(view.close?.text).toBe("Cancel");
    expect(view.private_metadata).toBe(META);
    expect(operationModal(taskDelete, { privateMetadata: "" }).submit?.text).toBe("Delete");
    expect(operationModal(taskList, { privateMetadata: "" }).submit?.text).toBe("Run");
    expectModalWithinLimits(view);
  });

  it("has one input per argument, in declaration order, each keyed by its name", () => {
    const blocks = inputs(view);
    expect(view.blocks).toHaveLength(blocks.length);
    expect(blocks.map((b) => [b.block_id, b.element.type, b.optional])).toEqual([
      ["arg:repository", "plain_text_input", false],
      ["arg:namespace", "external_select", false],
      ["arg:replicas", "number_input", false],
      ["arg:protocol", "static_select", false],
      ["arg:selector", "plain_text_input", false],
      ["arg:replace", "static_select", true],
      ["arg:notes", "plain_text_input", true],
      ["arg:name", "plain_text_input", true],
    ]);
  });

  it("types each input from the argument description", () => {
    const [repository, namespace, replicas, protocol, selector, replace, notes] = inputs(view);
    expect(repository?.label.text).toBe("Repository");
    expect(repository?.hint?.text).toBe("Git URL of the task");
    expect(repository?.element).toEqual({
      type: "plain_text_input",
      action_id: ACTION.argValue,
      placeholder: { type: "plain_text", text: "https://git.example.com/team/task.git", emoji: true },
    });
    expect(namespace?.element).toEqual({
      type: "external_select",
      action_id: "source:namespaces",
      min_query_length: 0,
    });
    expect(replicas?.element).toEqual({
      type: "number_input",
      action_id: "value",
      is_decimal_allowed: false,
    });
    const choices = (e: types.InputBlockElement | undefined) =>
      e?.type === "static_select" ? e.options?.map((o) => [o.text.text, o.value]) : undefined;
    expect(choices(protocol?.element)).toEqual([
      ["tcp", "tcp"],
      ["udp", "udp"],
    ]);
    expect(choices(replace?.element)).toEqual([
      ["Yes", "true"],
      ["No", "false"],
    ]);
    expect(selector?.element).toMatchObject({ type: "plain_text_input", multiline: true });
    expect(selector?.hint?.text).toBe("key=value One value per line.");
    expect(notes?.element).toMatchObject({ type: "plain_text_input", multiline: true });
  });

  it("warns at the top of a destructive operation", () => {
    const del = operationModal(taskDelete, { privateMetadata: "" });
    expect(del.blocks[0]).toMatchObject({ type: "section", block_id: BLOCK.warning });
    expect(JSON.stringify(del.blocks[0])).toContain("cannot be undone");
    expect(view.blocks.some((b) => b.block_id === BLOCK.warning)).toBe(false);
    expectModalWithinLimits(del);
  });

  it("lists what to fix above the inputs, escaped", () => {
    const withErrors = operationModal(portCreate, {
      privateMetadata: "",
      errors: [{ arg: "frontendPort", message: "must be a whole number, not <!channel>" }],
    });
    expect(withErrors.blocks[0]).toMatchObject({
      type: "section",
      block_id: BLOCK.errors,
      text: { text: "❌ Please fix:\n• *Frontend port* must be a whole number, not &lt;!channel&gt;" },
    });
    expectModalWithinLimits(withErrors);
  });

  it("has a loading state with the same callback and no submit", () => {
    const loading = operationModal(taskDeploy, { privateMetadata: META, loading: true });
    expect(loading.callback_id).toBe(CALLBACK.operationModal);
    expect(loading.title.text).toBe("Task deploy");
    expect(loading.submit).toBeUndefined();
    expect(loading.blocks).toEqual([
      {
        type: "section",
        block_id: BLOCK.loading,
        text: { type: "mrkdwn", text: "⏳ Loading…", verbatim: true },
      },
    ]);
    expectModalWithinLimits(loading);
  });

  it("refuses private_metadata longer than Slack keeps", () => {
    expect(() => operationModal(taskList, { privateMetadata: "x".repeat(3_001) })).toThrow(RangeError);
    expect(() => operationModal(taskList, { privateMetadata: "x".repeat(3_000) })).not.toThrow();
  });
});

describe("prefill and readModalValues", () => {
  const prefill = {
    repository: "https://git.example.com/team/task.git",
    namespace: "prod",
    replicas: "3",
    protocol: "udp",
    selector: ["app=web", "tier=front"],
    replace: "true",
    notes: "first line\nsecond line",
    name: "web",
  };

  it("reads back exactly what it was prefilled with", () => {
    const view = operationModal(taskDeploy, { privateMetadata: "", prefill });
    expect(readModalValues(taskDeploy, submittedState(view))).toEqual(prefill);
    expectModalWithinLimits(view);
  });

  it("feeds validateArgs the same way command text does", () => {
    const view = operationModal(taskDeploy, { privateMetadata: "", prefill });
    const result = validateArgs(taskDeploy, readModalValues(taskDeploy, submittedState(view)));
    expect(result).toEqual({
      ok: true,
      args: { ...prefill, replicas: 3, replace: true },
    });
  });

  it("takes parser-style single-element arrays and yes/no words", () => {
    const view = operationModal(taskDeploy, {
      privateMetadata: "",
      prefill: { protocol: ["tcp"], replace: "no", replicas: "+5" },
    });
    expect(readModalValues(taskDeploy, submittedState(view))).toEqual({
      protocol: "tcp",
      replace: "false",
      replicas: "5",
    });
  });

  it("leaves out initial values Slack would refuse, so the view still opens", () => {
    const view = operationModal(taskDeploy, {
      privateMetadata: "",
      prefill: {
        replicas: "three",
        protocol: "sctp",
        replace: "maybe",
        namespace: "n".repeat(76),
        name: "x".repeat(3_001),
      },
    });
    expect(readModalValues(taskDeploy, submittedState(view))).toEqual({});
    expectModalWithinLimits(view);
  });

  it("treats the payload as untrusted: wrong shapes read as not given", () => {
    expect(readModalValues(taskDeploy, null)).toEqual({});
    expect(readModalValues(taskDeploy, "values")).toEqual({});
    expect(
      readModalValues(taskDeploy, {
        "arg:repository": { value: { type: "plain_text_input", value: 42 } },
        "arg:namespace": {
          value: { type: "external_select", selected_option: { value: "wrong action id" } },
        },
        "arg:replicas": { value: { type: "number_input", value: "  " } },
        "arg:protocol": { value: { type: "static_select", selected_option: null } },
        "arg:selector": { value: { type: "plain_text_input", value: "a=b\r\n\r\n  c=d  \n" } },
        "arg:name": { value: { type: "plain_text_input", value: "web" } },
        "arg:unknown": { value: { type: "plain_text_input", value: "x" } },
      }),
    ).toEqual({ selector: ["a=b", "c=d"], name: "web" });
  });
});

describe("modalErrors", () => {
  it("maps issues to their input blocks, joining several on one argument", () => {
    expect(
      modalErrors(taskDeploy, [
        { arg: "replicas", message: "must be a whole number" },
        { arg: "replicas", message: "too big" },
        { arg: "name", message: "is taken" },
      ]),
    ).toEqual({ "arg:replicas": "Must be a whole number; Too big", "arg:name": "Is taken" });
  });

  it("puts an issue about an unknown argument on the first input", () => {
    expect(modalErrors(taskDeploy, [{ arg: "combination", message: "replicas and force clash" }])).toEqual({
      "arg:repository": "Combination: replicas and force clash",
    });
  });

  it("has nowhere to put issues when the operation has no inputs", () => {
    const bare = fakeOperation("task", "ping", {});
    expect(modalErrors(bare, [{ arg: "x", message: "bad" }])).toEqual({});
  });
});

describe("huge inputs", () => {
  it("keeps labels, hints, placeholders and prefill within modal limits", () => {
    const long = "w".repeat(5_000);
    const op = fakeOperation(
      "task",
      "a-very-long-verb-that-will-not-fit-a-title",
      Object.fromEntries(
        Array.from({ length: 90 }, (_, i) => [
          `arg${i}`,
          arg.flag(z.string(), { label: long, hint: long, placeholder: long }),
        ]),
      ),
      "destructive",
    );
    const view = operationModal(op, {
      privateMetadata: "m".repeat(3_000),
      prefill: { arg0: long, arg1: "p".repeat(3_000) },
      errors: Array.from({ length: 200 }, (_, i) => ({ arg: `arg${i}`, message: long })),
    });
    expectModalWithinLimits(view);
    expect(view.blocks).toHaveLength(92);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text.length).toBeLessThanOrEqual(24);
  });

  it("refuses an operation with more arguments than a modal holds", () => {
    const op = fakeOperation(
      "task",
      "wide",
      Object.fromEntries(
        Array.from({ length: 99 }, (_, n) => [`a${n}`, arg.flag(z.string(), { label: "a" })]),
      ),
    );
    expect(() => operationModal(op, { privateMetadata: "" })).toThrow(RangeError);
  });
});
