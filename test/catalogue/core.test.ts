import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Catalogue, closest } from "../../src/catalogue/catalogue.js";
import { arg, defineOperation } from "../../src/catalogue/define.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { record } from "../../src/catalogue/output.js";
import { parseCommand, type Tokens, usageOf } from "../../src/catalogue/parse.js";
import { validateArgs } from "../../src/catalogue/validate.js";

const portCreate = defineOperation({
  id: "port:create",
  resource: "port",
  verb: "create",
  summary: "Create a port",
  risk: "write",
  backend: "calyptia",
  needsIdentity: false,
  args: {
    pipelineId: arg.positional(z.uuid("must be a UUID"), { label: "Pipeline ID" }),
    protocol: arg.flag(z.enum(["tcp", "udp"]), {
      label: "Protocol",
      input: "select",
      choices: ["tcp", "udp"],
    }),
    frontendPort: arg.flag(z.number().int().min(0).max(65_535, "must be at most 65535"), {
      label: "Frontend port",
      input: "number",
    }),
    kind: arg.flag(z.enum(["LoadBalancer", "NodePort"]).optional(), { label: "Kind" }),
    label: arg.flag(z.array(z.string()), { label: "Labels", repeatable: true }),
    project: arg.flag(z.string(), { label: "Project", defaultFrom: "orchestration.projectId" }),
    replace: arg.flag(z.boolean().optional(), { label: "Replace", input: "boolean" }),
  },
  check: (a) => (a.frontendPort === 22 ? [{ arg: "frontendPort", message: "port 22 is reserved" }] : []),
  run: async () => ({}),
  render: () => record("done", []),
});
const portList = defineOperation({
  id: "port:list",
  resource: "port",
  verb: "list",
  summary: "List ports",
  risk: "read",
  backend: "calyptia",
  needsIdentity: false,
  args: {},
  run: async () => [],
  render: () => record("none", []),
});
const catalogue = new Catalogue([portCreate, portList]);
const tokens = (positionals: string[], flags: [string, string[]][] = []): Tokens => ({
  positionals,
  flags: new Map(flags),
});
const ID = "6f1c3f3e-8a53-4c33-9f0f-2b6c2d1e9a01";

describe("Catalogue", () => {
  it("rejects duplicate operations and mismatched ids", () => {
    expect(() => new Catalogue([portList, portList])).toThrow(/defined twice/);
    expect(() => new Catalogue([{ ...portList, id: "port:show" }])).toThrow(/must be named port:list/);
  });

  it("suggests the closest name", () => {
    expect(closest("prot", ["port", "pod", "payload"])).toBe("port");
    expect(closest("pay", ["port", "pod", "payload"])).toBe("payload");
    expect(closest("zzzzzz", ["port", "pod"])).toBeUndefined();
  });
});

describe("parseCommand", () => {
  it("maps positionals and flags onto the operation", () => {
    const parsed = parseCommand(
      catalogue,
      tokens(
        ["port", "create", ID],
        [
          ["protocol", ["tcp"]],
          ["frontend-port", ["80"]],
        ],
      ),
    );
    expect(parsed).toMatchObject({
      kind: "operation",
      raw: { pipelineId: ID, protocol: ["tcp"], frontendPort: ["80"] },
    });
  });

  it.each([
    [["prot", "create"], "Unknown resource `prot`. Did you mean `port`?"],
    [["__proto__"], "Unknown resource `__proto__`. Try"],
    [["port", "crate"], "`port` has no verb `crate`. Did you mean `create`?"],
    [["port"], "Say what to do with `port`"],
    [["port", "list", "extra"], "Too many arguments"],
  ])("explains %j", (words, message) => {
    const parsed = parseCommand(catalogue, tokens(words));
    expect(parsed.kind).toBe("error");
    if (parsed.kind === "error") expect(parsed.message).toContain(message);
  });

  it("names an unknown flag with a suggestion and the usage", () => {
    const parsed = parseCommand(catalogue, tokens(["port", "create", ID], [["protocl", ["tcp"]]]));
    expect(parsed).toMatchObject({
      kind: "error",
      message: expect.stringContaining("Did you mean `--protocol`?"),
    });
    if (parsed.kind === "error") expect(parsed.usage).toBe(usageOf(portCreate));
  });

  it("recognises help, whoami and an empty command", () => {
    expect(parseCommand(catalogue, tokens([]))).toEqual({ kind: "empty" });
    expect(parseCommand(catalogue, tokens(["help", "Port"]))).toEqual({ kind: "help", topic: "port" });
    expect(parseCommand(createCatalogue(), tokens(["whoami"]))).toMatchObject({
      kind: "operation",
      operation: { id: "whoami" },
      raw: {},
    });
  });

  it("writes a usage line with required and optional parts", () => {
    expect(usageOf(portCreate)).toBe(
      "/ops port create <pipelineId> --protocol <tcp|udp> --frontend-port <frontendPort> [--kind <kind>] [--label <label> …] [--project <project>] [--replace]",
    );
  });
});

describe("validateArgs", () => {
  const raw = { pipelineId: ID, protocol: "tcp", frontendPort: "8080", label: ["a=b", "c=d"] };

  it("coerces text by input kind and applies configured defaults", () => {
    const result = validateArgs(
      portCreate,
      { ...raw, replace: "yes" },
      { "orchestration.projectId": "demo-1" },
    );
    expect(result).toEqual({
      ok: true,
      args: {
        pipelineId: ID,
        protocol: "tcp",
        frontendPort: 8080,
        label: ["a=b", "c=d"],
        project: "demo-1",
        replace: true,
      },
    });
  });

  it("reports every bad argument with a specific message", () => {
    const result = validateArgs(portCreate, {
      pipelineId: "nope",
      frontendPort: "80x",
      replace: "maybe",
      kind: "Ingress",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byArg = Object.fromEntries(result.issues.map((i) => [i.arg, i.message]));
    expect(byArg).toMatchObject({
      pipelineId: "must be a UUID",
      protocol: "is required",
      frontendPort: "must be a whole number",
      replace: "must be yes or no",
      project: "is required",
    });
    expect(byArg.kind).toBeDefined();
  });

  it("refuses a flag given twice and runs the cross-field check last", () => {
    const twice = validateArgs(portCreate, { ...raw, protocol: ["tcp", "udp"], project: "p" });
    expect(twice).toMatchObject({
      ok: false,
      issues: [{ arg: "protocol", message: "must be given only once" }],
    });
    const reserved = validateArgs(portCreate, { ...raw, frontendPort: "22", project: "p" });
    expect(reserved).toMatchObject({
      ok: false,
      issues: [{ arg: "frontendPort", message: "port 22 is reserved" }],
    });
  });
});
