import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORCHESTRATION_SEED } from "../../devkit/sim/orchestration-world.js";
import { as, expectLastRequest, fieldOf, type Stack, startStack } from "./stack.js";

/** Payload, allocation and artefact operations through the real stack against the Orchestration simulator. */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const { projectId, allocationId, secondAllocationId, payloads } = ORCHESTRATION_SEED;
const allocationPath = `/v0/projects/${projectId}/allocations/${allocationId}`;
const lastRequest = (method: string, path: string) =>
  expectLastRequest(stack.sims.orchestration, method, path);
const bodyOf = (request: { body: string }): unknown => JSON.parse(request.body);

describe("payload operations", () => {
  it("payload:list and payload:get use the configured project and allocation", async () => {
    const { operation, output } = await stack.run("payload list");
    const list = as(output, "list");
    expect(list.items.map((i) => i.code)).toEqual(expect.arrayContaining(Object.values(payloads)));
    expect(operation.target?.({ allocation: allocationId })).toEqual({ allocation: allocationId });
    lastRequest("GET", `${allocationPath}/payloads`);

    const got = await stack.run(`payload get ${payloads.rankedHarbor}`);
    expect(fieldOf(got.output, "State")).toBe("Reserved");
    expect(fieldOf(got.output, "Labels")).toBe("mode=ranked, map=harbor");
    lastRequest("GET", `${allocationPath}/payloads/${payloads.rankedHarbor}`);
  });

  it("payload:label and payload:annotate set metadata", async () => {
    await stack.run(`payload label ${payloads.casualDesert} tier gold`);
    expect(
      bodyOf(lastRequest("PUT", `${allocationPath}/payloads/${payloads.casualDesert}/metadata/label`)),
    ).toEqual({
      key: "tier",
      value: "gold",
    });
    const { output } = await stack.run(`payload annotate ${payloads.casualDesert} note "warm spare"`);
    expect(as(output, "record")).toMatchObject({ title: "Annotation note set", tone: "success" });
    expect(
      bodyOf(lastRequest("PUT", `${allocationPath}/payloads/${payloads.casualDesert}/metadata/annotation`)),
    ).toEqual({ key: "note", value: "warm spare" });
  });

  it("payload:reserve sends selectors in order and the metadata to set", async () => {
    const { output } = await stack.run(
      "payload reserve --selector mode=casual,map=harbor --selector mode=casual --label match=m-42 --annotation owner=alice",
    );
    expect(as(output, "record")).toMatchObject({
      title: `Payload ${payloads.casualHarbor} reserved`,
      tone: "success",
    });
    expect(bodyOf(lastRequest("POST", `${allocationPath}/reservations`))).toEqual({
      selectors: [{ match_labels: { mode: "casual", map: "harbor" } }, { match_labels: { mode: "casual" } }],
      payload_metadata: { labels: { match: "m-42" }, annotations: { owner: "alice" } },
    });
  });

  it("payload:release releases a reservation", async () => {
    const { output } = await stack.run(`payload release ${payloads.rankedHarbor}`);
    expect(as(output, "record").title).toBe(`Payload ${payloads.rankedHarbor} released`);
    lastRequest("DELETE", `${allocationPath}/payloads/${payloads.rankedHarbor}/reservation`);
  });

  it("payload:delete forces only when asked", async () => {
    const { operation, output } = await stack.run(
      `payload delete ${payloads.rankedDesert} --force-delete yes`,
    );
    expect(operation.risk).toBe("destructive");
    expect(as(output, "record").tone).toBe("success");
    const request = lastRequest("DELETE", `${allocationPath}/payloads/${payloads.rankedDesert}`);
    expect(request.url).toContain("force_delete=true");
  });
});

describe("artefact operations", () => {
  it("artefact:list and artefact:get", async () => {
    const list = as(
      (await stack.run(`artefact list --payload ${payloads.casualDesert} --page-size 10`)).output,
      "list",
    );
    expect(list.items.map((i) => i.title)).toContain("crash/minidump-0001.dmp");
    const listed = lastRequest("GET", `${allocationPath}/artefacts`);
    expect(listed.url).toContain(`payload_id=${payloads.casualDesert}`);
    expect(listed.url).toContain("page_size=10");

    const { output } = await stack.run(`artefact get ${payloads.casualDesert} crash/minidump-0001.dmp`);
    expect(as(output, "record").title).toBe("Artefact crash/minidump-0001.dmp");
    expect(fieldOf(output, "Download")).toMatch(/^https:/);
    lastRequest("GET", `${allocationPath}/payloads/${payloads.casualDesert}/artefact`);
  });
});

describe("allocation operations", () => {
  let created = "";

  it("allocation:list and allocation:get (the configured one by default)", async () => {
    const list = as((await stack.run("allocation list --limit 10")).output, "list");
    expect(list.items.map((i) => i.title)).toEqual(expect.arrayContaining(["arena-eu", "arena-us"]));
    // The API has a limit but no cursor: the whole list is fetched and paged in opsbot.
    expect(lastRequest("GET", `/v0/projects/${projectId}/allocations`).url).not.toContain("limit=");
    const first = as((await stack.run("allocation list --limit 1")).output, "list");
    expect(first.items).toHaveLength(1);
    const second = as(
      (await stack.run(`allocation list --limit 1 --cursor ${first.nextCursor}`)).output,
      "list",
    );
    expect(second.items.map((i) => i.title)).toEqual([list.items[1]?.title]);

    const got = await stack.run("allocation get");
    expect(as(got.output, "record").title).toBe("Allocation arena-eu");
    expect(fieldOf(got.output, "Image")).toBe(ORCHESTRATION_SEED.image);
    lastRequest("GET", allocationPath);
  });

  it("allocation:create builds the spec from the flags", async () => {
    const { output } = await stack.run(
      "allocation create --name arena-ap --image registry.example.com/games/arena-server:2.0.0 --region ap-south " +
        "--min-payloads 1 --max-payloads 4 --buffer-size 1 --port game:7777/udp --port admin:8080",
    );
    expect(as(output, "record").tone).toBe("success");
    created = fieldOf(output, "ID") ?? "";
    expect(created).toBeTruthy();
    expect(bodyOf(lastRequest("POST", `/v0/projects/${projectId}/allocations`))).toEqual({
      name: "arena-ap",
      spec: {
        region: "ap-south",
        buffer_size: 1,
        min_payloads: 1,
        max_payloads: 4,
        payload_spec: {
          image: "registry.example.com/games/arena-server:2.0.0",
          ports: [
            { name: "game", container_port: 7777, protocol: "UDP" },
            { name: "admin", container_port: 8080 },
          ],
        },
      },
    });
  });

  it("allocation:update, image, disable and enable", async () => {
    const path = `/v0/projects/${projectId}/allocations/${created}`;
    const updated = await stack.run(
      `allocation update ${created} --name arena-ap-2 --image registry.example.com/games/arena-server:2.0.1`,
    );
    expect(as(updated.output, "record").title).toBe("Allocation arena-ap-2 updated");
    lastRequest("PUT", path);

    await stack.run(`allocation image ${created} registry.example.com/games/arena-server:2.0.2`);
    expect(bodyOf(lastRequest("PUT", `${path}/image`))).toEqual({
      image: "registry.example.com/games/arena-server:2.0.2",
    });
    await stack.run(`allocation disable ${created}`);
    expect(bodyOf(lastRequest("PUT", `${path}/enabled`))).toEqual({ enabled: false });
    const enabled = await stack.run(`allocation enable ${created}`);
    expect(as(enabled.output, "record").title).toBe("Allocation enabled");
    expect(bodyOf(lastRequest("PUT", `${path}/enabled`))).toEqual({ enabled: true });
  });

  it("allocation:delete deletes", async () => {
    const { operation, output } = await stack.run(`allocation delete ${secondAllocationId}`);
    expect(operation.risk).toBe("destructive");
    expect(as(output, "record")).toMatchObject({ title: "Allocation deleted", tone: "success" });
    lastRequest("DELETE", `/v0/projects/${projectId}/allocations/${secondAllocationId}`);
  });
});
