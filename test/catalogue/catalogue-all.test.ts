import { describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../devkit/sim/calyptia.js";
import { Catalogue } from "../../src/catalogue/catalogue.js";
import { tokenize } from "../../src/catalogue/command-line/tokenize.js";
import { allOperations, createCatalogue } from "../../src/catalogue/index.js";
import { parseCommand, usageOf } from "../../src/catalogue/parse.js";
import { type ArgDefaults, validateArgs } from "../../src/catalogue/validate.js";
import { DEFAULTS } from "./stack.js";

/** The whole catalogue: it builds, every operation is described for help and modals, and bad input is named. */

const catalogue = createCatalogue();

function issuesOf(line: string, defaults: ArgDefaults = DEFAULTS) {
  const tokens = tokenize(line);
  if (!tokens.ok) throw new Error(tokens.error.message);
  const parsed = parseCommand(catalogue, tokens.tokens);
  if (parsed.kind !== "operation") throw new Error(`parse ${line}: ${JSON.stringify(parsed)}`);
  const validation = validateArgs(parsed.operation, parsed.raw, defaults);
  return validation.ok ? [] : validation.issues;
}

const usage = (id: string) => {
  const operation = catalogue.byId(id);
  if (!operation) throw new Error(`no operation ${id}`);
  return usageOf(operation);
};

const pipelineId = CALYPTIA_SEED.pipelineId;

describe("the operation catalogue", () => {
  it("builds without duplicates and holds every operation of the grammar", () => {
    expect(() => new Catalogue(allOperations)).not.toThrow();
    expect(catalogue.operations.map((o) => o.id).sort()).toEqual(
      [
        ...["deploy", "load", "loading", "deploy-config", "state", "templates", "template", "list"].map(
          (v) => `task:${v}`,
        ),
        ...["run", "load", "loading", "run-config", "state", "kill", "list", "templates", "template"].map(
          (v) => `pipeline:${v}`,
        ),
        "namespace:list",
        "pod:list",
        ...["job", "cronjob", "deployment", "service"].map((r) => `${r}:delete`),
        "port:list",
        "port:create",
        "port:delete",
        "check:list",
        "check:create",
        "check:state",
        ...["request", "get", "list", "update", "delete"].map((v) => `log:${v}`),
        ...["list", "get", "delete", "label", "annotate", "reserve", "release", "state"].map(
          (v) => `payload:${v}`,
        ),
        ...["list", "get", "create", "update", "delete", "enable", "disable", "image"].map(
          (v) => `allocation:${v}`,
        ),
        "artefact:list",
        "artefact:get",
        ...["whoami", "lock", "unlock", "audit", "subscribe", "unsubscribe"],
      ].sort(),
    );
  });

  it.each(allOperations.map((o) => [o.id, o] as const))("%s is described for help and modals", (_id, op) => {
    expect(op.summary.length).toBeGreaterThan(5);
    expect(op.summary).not.toContain("\n");
    expect(op.summary.length).toBeLessThanOrEqual(80);
    for (const [name, def] of Object.entries(op.args)) {
      expect(def.label, `${op.id} ${name}`).toBeTruthy();
      expect(def.hint, `${op.id} ${name}`).toBeTruthy();
      if (def.input === "select") expect(def.choices?.length, `${op.id} ${name}`).toBeGreaterThan(1);
      else if (def.input !== "boolean") expect(def.placeholder, `${op.id} ${name}`).toBeTruthy();
    }
    // Protected Deploy routes need the caller's identity; destructive operations say so.
    if (/^(job|cronjob|deployment|service):delete$|^pipeline:kill$/.test(op.id)) {
      expect(op.risk).toBe("destructive");
      expect(op.needsIdentity).toBe(true);
    }
  });

  it("writes usage lines from the argument descriptions", () => {
    expect(usage("task:deploy")).toBe(
      "/ops task deploy <repository> <directory> [--name <name>] [--namespace <namespace>] [--branch <branch>] [--schedule <schedule>]",
    );
    expect(usage("port:create")).toBe(
      "/ops port create <pipelineId> --protocol <tcp|udp> --frontend-port <frontendPort> --backend-port <backendPort> --endpoint <endpoint> [--kind <LoadBalancer|ClusterIP|NodePort>]",
    );
    expect(usage("payload:reserve")).toBe(
      "/ops payload reserve [--selector <selector> …] [--label <label> …] [--annotation <annotation> …] [--project <project>] [--allocation <allocation>]",
    );
    expect(usage("allocation:get")).toBe("/ops allocation get [<allocation>] [--project <project>]");
  });
});

describe("bad input is reported on the argument at fault", () => {
  it("a port outside 0-65535 or not a number", () => {
    expect(
      issuesOf(
        `port create ${pipelineId} --protocol tcp --frontend-port 70000 --backend-port 1 --endpoint e`,
      ),
    ).toEqual([{ arg: "frontendPort", message: "must be between 0 and 65535" }]);
    expect(
      issuesOf(`check create ${CALYPTIA_SEED.coreInstanceId} --protocol tcp --host h --port http`),
    ).toEqual([{ arg: "port", message: "must be a whole number" }]);
  });

  it("a protocol outside the select's choices", () => {
    expect(
      issuesOf(`port create ${pipelineId} --protocol sctp --frontend-port 1 --backend-port 1 --endpoint e`),
    ).toEqual([{ arg: "protocol", message: "must be tcp or udp" }]);
  });

  it("a bad cron schedule, and a CronJob name that is too long", () => {
    expect(issuesOf('task deploy quick_start job_python --schedule "61 * * * *"')).toEqual([
      { arg: "schedule", message: 'not a valid cron schedule: minute: "61" must be within 0-59' },
    ]);
    expect(issuesOf(`task deploy quick_start job_python --schedule @daily --name ${"a".repeat(53)}`)).toEqual(
      [{ arg: "name", message: "must be at most 52 characters for a scheduled task" }],
    );
  });

  it("a malformed selector, label or key", () => {
    expect(issuesOf("payload reserve --selector mode=casual --selector harbor")).toEqual([
      { arg: "selector", message: '"harbor" must look like key=value' },
    ]);
    expect(issuesOf("payload reserve --label =x")).toEqual([
      { arg: "label", message: '"=x" must look like key=value' },
    ]);
    expect(issuesOf("payload reserve --selector a=b,a=c")).toEqual([
      { arg: "selector", message: 'has the key "a" twice' },
    ]);
    expect(issuesOf("payload reserve --selector -bad=x")[0]?.message).toMatch(
      /^label key must be 1-59 characters/,
    );
  });

  it("a missing required argument, and a missing configured default", () => {
    expect(issuesOf(`port create ${pipelineId} --protocol tcp --backend-port 1 --endpoint e`)).toEqual([
      { arg: "frontendPort", message: "is required" },
    ]);
    expect(issuesOf("pipeline run quick_start pipeline_seq")).toEqual([
      { arg: "name", message: "is required" },
    ]);
    expect(issuesOf("payload list", {})).toEqual([
      { arg: "project", message: "is required" },
      { arg: "allocation", message: "is required" },
    ]);
  });

  it("cross-argument rules: min ≤ max payloads, something to update, image-destination needs a source", () => {
    expect(
      issuesOf("allocation create --name a --image r.example.com/x:1 --min-payloads 5 --max-payloads 2"),
    ).toEqual([{ arg: "maxPayloads", message: "must be at least --min-payloads" }]);
    expect(issuesOf(`log update ${pipelineId}`)).toEqual([
      { arg: "lines", message: "give at least one of --lines, --status or --logs" },
    ]);
    expect(
      issuesOf(
        `task deploy-config --namespace a --configuration '{"name":"x","type":"job","image-destination":"r/x:1"}'`,
      ),
    ).toEqual([
      { arg: "repository", message: "is required when the manifest has an image-destination" },
      { arg: "directory", message: "is required when the manifest has an image-destination" },
    ]);
  });

  it("a bad port spec, image or configuration", () => {
    expect(issuesOf("allocation create --name a --image r.example.com/x:1 --port game")).toEqual([
      { arg: "port", message: 'port "game" must look like name:containerPort/PROTOCOL' },
    ]);
    expect(issuesOf("allocation create --name a --image r.example.com/x:1 --port game:1/SCTP")).toEqual([
      { arg: "port", message: 'port "game:1/SCTP": protocol must be UDP, TCP or TCPUDP' },
    ]);
    expect(issuesOf("allocation image 7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f latest")[0]?.arg).toBe("image");
    expect(issuesOf("task deploy-config --namespace a --configuration '{not json'")).toEqual([
      { arg: "configuration", message: "is not valid JSON" },
    ]);
  });
});
