import { describe, expect, it } from "vitest";
import { actionsBlock, operationButton } from "../../src/blocks/buttons.js";
import { ACTION, actionPattern, decodeOperationValue } from "../../src/blocks/ids.js";
import { expectMessageWithinLimits, taskDelete, taskDeploy, taskList } from "./fakes.js";

describe("operationButton", () => {
  it("runs a prefilled operation, asking for confirmation first", () => {
    const button = operationButton(
      taskDeploy,
      { repository: "r", selector: ["a=b"] },
      {
        action: "run",
        label: "Deploy this manifest",
      },
    );
    expect(button?.action_id).toBe(ACTION.runOperation);
    expect(button?.text.text).toBe("Deploy this manifest");
    expect(button?.style).toBe("primary");
    expect(button?.confirm?.confirm?.text).toBe("Deploy");
    expect(decodeOperationValue(button?.value)).toEqual({
      operationId: "task:deploy",
      args: { repository: "r", selector: ["a=b"] },
    });
  });

  it("marks destructive runs as danger and leaves reads unconfirmed", () => {
    const del = operationButton(taskDelete, {}, { action: "run" });
    expect(del?.style).toBe("danger");
    expect(del?.confirm?.text.text).toBe("Delete a task. This cannot be undone.");
    const list = operationButton(taskList, {}, { action: "run" });
    expect(list?.confirm).toBeUndefined();
    expect(list?.text.text).toBe("Task list");
  });

  it("opens a modal without confirming", () => {
    const open = operationButton(taskDelete, { name: "x" }, { action: "open" });
    expect(open?.action_id).toBe(ACTION.openModal);
    expect(open?.confirm).toBeUndefined();
  });

  it("is left out when the arguments do not fit a button value", () => {
    expect(operationButton(taskDeploy, { repository: "r".repeat(2_000) }, { action: "run" })).toBeUndefined();
  });
});

describe("actionsBlock", () => {
  it("keeps the buttons that exist and numbers repeated action ids", () => {
    const block = actionsBlock("b", [
      operationButton(taskDeploy, { repository: "a" }, { action: "run" }),
      undefined,
      operationButton(taskDeploy, { repository: "b" }, { action: "run" }),
    ]);
    const ids = block?.elements.map((e) => ("action_id" in e ? e.action_id : undefined));
    expect(ids).toEqual([ACTION.runOperation, `${ACTION.runOperation}#2`]);
    expect(ids?.every((id) => actionPattern(ACTION.runOperation).test(id ?? ""))).toBe(true);
    expect(actionsBlock("b", [undefined])).toBeUndefined();
    if (block) expectMessageWithinLimits({ text: "t", blocks: [block] });
  });
});
