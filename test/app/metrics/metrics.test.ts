import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../../src/app/metrics/index.js";

/** The value of one sample line, e.g. `opsbot_commands_total{operation="x",outcome="y"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(" ");
    if (!series || value === undefined) continue;
    const bare = series.split("{")[0];
    if (bare !== name) continue;
    if (wanted.every((w) => series.includes(w))) return Number(value);
  }
  return undefined;
}

describe("Metrics", () => {
  it("counts the outcome that ends each command's way through the gate, and nothing else", async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeAudit({ kind: "refusal", operationId: "task:deploy", outcome: "forbidden" });
    metrics.observeAudit({ kind: "command", operationId: "task:deploy", outcome: "needs-approval" });
    metrics.observeAudit({ kind: "command", operationId: "task:deploy", outcome: "allowed" });
    metrics.observeAudit({ kind: "execution", operationId: "task:deploy", outcome: "succeeded" });
    metrics.observeAudit({ kind: "execution", operationId: "task:deploy", outcome: "succeeded" });
    metrics.observeAudit({ kind: "execution", operationId: "pods:list", outcome: "failed" });
    metrics.observeAudit({ kind: "approval.approved", operationId: "task:deploy", outcome: "approved" });
    metrics.observeAudit({ kind: "lock", outcome: "locked" });
    const text = await metrics.render();
    const commands = (labels: Record<string, string>) => sample(text, "opsbot_commands_total", labels);
    expect(commands({ operation: "task:deploy", outcome: "refused" })).toBe(1);
    expect(commands({ operation: "task:deploy", outcome: "needs-approval" })).toBe(1);
    expect(commands({ operation: "task:deploy", outcome: "succeeded" })).toBe(2);
    expect(commands({ operation: "pods:list", outcome: "failed" })).toBe(1);
    expect(commands({ outcome: "allowed" })).toBeUndefined();
    expect(commands({ outcome: "approved" })).toBeUndefined();
    expect(commands({ outcome: "locked" })).toBeUndefined();
  });

  it("records backend latency in seconds by backend, endpoint and outcome", async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeApiCall({
      backend: "deploy",
      operation: "listNamespaces",
      status: 200,
      outcome: "ok",
      durationMs: 40,
      tries: 1,
    });
    metrics.observeApiCall({
      backend: "deploy",
      operation: "listNamespaces",
      status: 503,
      outcome: "http",
      durationMs: 3_000,
      tries: 3,
    });
    const text = await metrics.render();
    const labels = { backend: "deploy", operation: "listNamespaces" };
    expect(sample(text, "opsbot_api_request_duration_seconds_count", { ...labels, outcome: "ok" })).toBe(1);
    expect(sample(text, "opsbot_api_request_duration_seconds_sum", { ...labels, outcome: "ok" })).toBeCloseTo(
      0.04,
    );
    expect(
      sample(text, "opsbot_api_request_duration_seconds_bucket", { ...labels, outcome: "ok", le: "0.05" }),
    ).toBe(1);
    expect(
      sample(text, "opsbot_api_request_duration_seconds_bucket", {
        ...labels,
        outcome: "http",
        le: "2.5",
      }),
    ).toBe(0);
  });

  it("reads the gauges live at each scrape", async () => {
    const metrics = new Metrics({ processMetrics: false });
    let following = 2;
    let pending = 1;
    let depth = 7;
    metrics.watch({
      followUpsInFlight: () => following,
      approvalsPending: async () => pending,
      slackQueueDepth: () => depth,
    });
    let text = await metrics.render();
    expect(sample(text, "opsbot_followups_in_flight")).toBe(2);
    expect(sample(text, "opsbot_approvals_pending")).toBe(1);
    expect(sample(text, "opsbot_slack_queue_depth")).toBe(7);
    following = 0;
    pending = 4;
    depth = 0;
    text = await metrics.render();
    expect(sample(text, "opsbot_followups_in_flight")).toBe(0);
    expect(sample(text, "opsbot_approvals_pending")).toBe(4);
    expect(sample(text, "opsbot_slack_queue_depth")).toBe(0);
  });

  it("counts Slack 429s by method, subscribing to each client once", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const client = new EventEmitter();
    metrics.watchSlackClient(client);
    metrics.watchSlackClient(client);
    client.emit("rate_limited", 3, { url: "https://slack.com/api/chat.update" });
    client.emit("rate_limited", 1, { url: "https://slack.com/api/chat.update?x=1" });
    client.emit("rate_limited", 1, { url: "views.open" });
    client.emit("rate_limited", 1, { url: "https://slack.com/api/%2e%2e" });
    const text = await metrics.render();
    expect(sample(text, "opsbot_slack_rate_limited_total", { method: "chat.update" })).toBe(2);
    expect(sample(text, "opsbot_slack_rate_limited_total", { method: "views.open" })).toBe(1);
    expect(sample(text, "opsbot_slack_rate_limited_total", { method: "other" })).toBe(1);
  });

  it("adds Node's process metrics under the opsbot_ prefix when asked", async () => {
    const text = await new Metrics().render();
    expect(text).toContain("opsbot_process_resident_memory_bytes");
    expect(text).toContain("opsbot_nodejs_eventloop_lag_seconds");
  });
});
