import { describe, expect, it } from "vitest";
import { MINUTE, newRequest, oneApprover, storeKinds, T0, useTempStore } from "./helpers.js";

// A request's sensitive values are kept apart from what it shows, while it may still run, and no longer.

const CONFIG = '{"name":"hello-job","type":"job","token":"tok-9d2c"}';
const SHOWN = "‹redacted sha256:0123456789ab›";
const sensitive = (id: string) =>
  newRequest({
    id,
    operationId: "task:deploy-config",
    args: { namespace: "analytics", configuration: SHOWN },
    rawArgs: { namespace: "analytics", configuration: SHOWN },
    withheldArgs: { configuration: CONFIG },
    rule: oneApprover,
  });

describe.each(storeKinds)("withheld arguments (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("are kept apart from the shown arguments while the request may run, and read back whole", async () => {
    const store = await tmp.open();
    const created = await store.approvals.create(sensitive("apr_w"));
    expect(created.rawArgs).toEqual({ namespace: "analytics", configuration: SHOWN });
    expect(created.withheldArgs).toEqual({ configuration: CONFIG });
    const approved = await store.approvals.approve("apr_w", "U0BOB", T0 + 1);
    expect(approved).toMatchObject({ kind: "recorded", complete: true });
    expect((await store.approvals.get("apr_w"))?.withheldArgs).toEqual({ configuration: CONFIG });
    const claimed = await store.approvals.claimForExecution("apr_w", T0 + 2, "proc-a");
    expect(claimed?.withheldArgs).toEqual({ configuration: CONFIG });
    // Nothing but the withheld column holds the value.
    const columns = await tmp.exec("SELECT args, raw_args, target, rule FROM approval_requests");
    expect(JSON.stringify(columns)).not.toContain("tok-9d2c");
  });

  it("are dropped when the request has run, whether it succeeded or failed", async () => {
    const store = await tmp.open();
    for (const [id, ok] of [
      ["apr_ok", true],
      ["apr_failed", false],
    ] as const) {
      await store.approvals.create(sensitive(id));
      await store.approvals.approve(id, "U0BOB", T0 + 1);
      await store.approvals.claimForExecution(id, T0 + 2, "proc-a");
      const finished = await store.approvals.finish(id, { ok, summary: "done" }, T0 + 3);
      expect("withheldArgs" in finished).toBe(false);
    }
    expect(JSON.stringify(await tmp.exec("SELECT * FROM approval_requests"))).not.toContain("tok-9d2c");
  });

  it("are dropped when the request is denied, ended, or expires on a click or in the sweep", async () => {
    const store = await tmp.open();
    await store.approvals.create(sensitive("apr_denied"));
    const denied = await store.approvals.deny("apr_denied", "U0BOB", T0 + 1);
    expect(denied).toMatchObject({ kind: "denied" });
    if (denied.kind !== "denied") throw new Error("unreachable");
    expect("withheldArgs" in denied.request).toBe(false);

    await store.approvals.create(sensitive("apr_late"));
    const late = await store.approvals.approve("apr_late", "U0BOB", T0 + 31 * MINUTE);
    expect(late).toMatchObject({ kind: "expired" });
    if (late.kind !== "expired") throw new Error("unreachable");
    expect("withheldArgs" in late.request).toBe(false);

    // Ended early (its approval rule left the permissions file): it will never run either.
    await store.approvals.create(sensitive("apr_ended"));
    const ended = await store.approvals.endPending("apr_ended", "its rule is gone", T0 + 2);
    expect(ended?.status).toBe("expired");
    expect(ended && "withheldArgs" in ended).toBe(false);

    await store.approvals.create(sensitive("apr_swept"));
    const [swept] = await store.approvals.expireDue(T0 + 31 * MINUTE);
    expect(swept?.id).toBe("apr_swept");
    expect(swept && "withheldArgs" in swept).toBe(false);
    expect(JSON.stringify(await tmp.exec("SELECT * FROM approval_requests"))).not.toContain("tok-9d2c");
  });

  it("are absent from a request that had none", async () => {
    const store = await tmp.open();
    const plain = await store.approvals.create(newRequest());
    expect("withheldArgs" in plain).toBe(false);
  });
});
