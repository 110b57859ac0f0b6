import { describe, expect, it } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../src/blocks/ids.js";
import { pickedOperationId, pickerModal } from "../../src/blocks/modals.js";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import { catalogue, expectModalWithinLimits, inputs, portList, taskList } from "./fakes.js";

describe("pickerModal", () => {
  const view = pickerModal(catalogue, "meta");

  it("offers the operations that change something, grouped by resource", () => {
    expect(view.callback_id).toBe(CALLBACK.pickerModal);
    expect(view.private_metadata).toBe("meta");
    const [input] = inputs(view);
    expect(input?.block_id).toBe(BLOCK.pickOperation);
    expect(input?.dispatch_action).toBe(true);
    const element = input?.element;
    if (element?.type !== "static_select") throw new Error("expected a static_select");
    expect(element.action_id).toBe(ACTION.pickOperation);
    expect(element.option_groups?.map((g) => [g.label.text, g.options.map((o) => o.value)])).toEqual([
      ["task", ["task:deploy", "task:delete"]],
      ["port", ["port:create"]],
      ["opsbot", ["lock", "unlock", "subscribe", "unsubscribe"]],
    ]);
    expect(element.option_groups?.[0]?.options[0]?.description?.text).toBe("Deploy a task from a repository");
    expect(view.submit?.text).toBe("Next");
    expectModalWithinLimits(view);
  });

  it("says so when nothing needs a form", () => {
    const reads = pickerModal(new Catalogue([taskList, portList]), "");
    expect(inputs(reads)).toEqual([]);
    expect(reads.submit).toBeUndefined();
    expectModalWithinLimits(reads);
  });

  it("refuses private_metadata longer than Slack keeps", () => {
    expect(() => pickerModal(catalogue, "x".repeat(3_001))).toThrow(RangeError);
  });

  it("reads the chosen operation from untrusted state values", () => {
    const state = {
      [BLOCK.pickOperation]: {
        [ACTION.pickOperation]: { type: "static_select", selected_option: { value: "task:deploy" } },
      },
    };
    expect(pickedOperationId(state)).toBe("task:deploy");
    expect(pickedOperationId({})).toBeUndefined();
    expect(
      pickedOperationId({ [BLOCK.pickOperation]: { [ACTION.pickOperation]: { selected_option: null } } }),
    ).toBe(undefined);
  });
});
