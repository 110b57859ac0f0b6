import { describe, expect, it } from "vitest";
import { z } from "zod";
import { helpMessage } from "../../src/blocks/help.js";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import { type AnyOperation, arg, defineOperation } from "../../src/catalogue/define.js";
import { record } from "../../src/catalogue/output.js";
import { allText, catalogue, expectMessageWithinLimits } from "./fakes.js";

function manyOperations(resources: number, verbs: number, summary: string): AnyOperation[] {
  return Array.from({ length: resources * verbs }, (_, i) => {
    const resource = `resource${Math.floor(i / verbs)}`;
    const verb = `verb${i % verbs}`;
    return defineOperation({
      id: `${resource}:${verb}`,
      resource,
      verb,
      summary,
      risk: "write",
      backend: "deploy",
      needsIdentity: false,
      args: {
        target: arg.positional(z.string(), { label: "Target", hint: summary }),
        mode: arg.flag(z.enum(["a", "b"]).optional(), {
          label: "Mode",
          input: "select",
          choices: ["a", "b"],
        }),
      },
      run: async () => ({}),
      render: () => record("done", []),
    });
  });
}

describe("helpMessage", () => {
  it("gives an overview grouped by resource, with each verb's summary", () => {
    const message = helpMessage(catalogue);
    const json = allText(message.blocks);
    expect(json).toContain(
      "*task*\\n`deploy` Deploy a task from a repository\\n`delete` Delete a task\\n`list` List tasks",
    );
    expect(json).toContain("*port*\\n`create` Create a port on an aggregator pipeline");
    expect(json).toContain("/ops whoami");
    expect(json).toContain("/ops help [resource [verb] | command]");
    expect(json).toContain(
      "/ops lock [&lt;namespace|allocation&gt;] [&lt;name&gt;] [--reason &lt;reason&gt;] [--until &lt;until&gt;]",
    );
    expect(message.text).toBe("opsbot help");
    expectMessageWithinLimits(message);
  });

  it("lists one resource's verbs with their usage lines and summaries, and no grammar footer", () => {
    const message = helpMessage(catalogue, "task");
    const json = allText(message.blocks);
    expect(json).toContain("`/ops task delete &lt;namespace&gt; &lt;name&gt;`\\n    Delete a task");
    expect(json).toContain("[--replace]");
    expect(json).toContain("`/ops help task &lt;verb&gt;` explains one verb's arguments.");
    expect(json).not.toContain("`--replicas` Replicas");
    expect(json).not.toContain("`/ops &lt;resource&gt; &lt;verb&gt;");
    expect(json).not.toContain("port create");
    expectMessageWithinLimits(message);
  });

  it("details one verb: its usage, summary and each argument's label and hint", () => {
    const message = helpMessage(catalogue, "task", "deploy");
    const json = allText(message.blocks);
    expect(message.text).toBe("opsbot help: task deploy");
    expect(json).toContain("`--replicas` Replicas");
    expect(json).toContain("`&lt;repository&gt;` Repository – Git URL of the task");
    expect(json).toContain("`--protocol` Protocol: one of `tcp`, `udp`");
    expect(json).toContain("`--selector` Selectors (repeatable) – key=value");
    expect(json).not.toContain("Delete a task");
    expectMessageWithinLimits(message);
  });

  it("explains the built-in commands", () => {
    expect(allText(helpMessage(catalogue, "whoami").blocks)).toContain(
      "The identity and the roles opsbot uses",
    );
    expect(allText(helpMessage(catalogue, "lock").blocks)).toContain(
      "/ops lock [&lt;namespace|allocation&gt;]",
    );
    expect(allText(helpMessage(catalogue, "lock").blocks)).toContain("--force");
    expect(allText(helpMessage(catalogue, "audit").blocks)).toContain("How far back: 30m, 2h, 7d");
  });

  it("suggests a resource for an unknown topic, escaping it", () => {
    const json = allText(helpMessage(catalogue, "tsak").blocks);
    expect(json).toContain("No resource `tsak`. Did you mean `task`?");
    expect(allText(helpMessage(catalogue, "<!channel>").blocks)).not.toContain("<!channel>");
  });

  it("stays compact and within limits for a catalogue too big for one message", () => {
    const big = new Catalogue(manyOperations(60, 12, "s".repeat(200)));
    const overview = helpMessage(big);
    expectMessageWithinLimits(overview);
    expect(allText(overview.blocks)).toContain("*resource59*: `verb0` · `verb1`");
    const one = helpMessage(big, "resource3");
    expectMessageWithinLimits(one);
    expect(allText(one.blocks)).toContain("/ops resource3 verb11");
  });
});
