import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CallInfo } from "../../api/transport.js";
import type { AuditEntry, PrunedTable } from "../../store/types.js";

/** What the gauges read when Prometheus scrapes: live values, never a copy that can go stale. */
export interface MetricSources {
  readonly followUpsInFlight: () => number;
  readonly approvalsPending: () => Promise<number>;
  readonly slackQueueDepth: () => number;
}

/** Something that says when Slack answered 429 (a WebClient: its `rate_limited` event). */
interface RateLimitEmitter {
  on(event: "rate_limited", listener: (retryAfterSeconds: number, request: { url: string }) => void): unknown;
}

const API_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * opsbot's Prometheus metrics, in a registry of their own (so that two bots in one process, as in the
 * tests, never share counters). Label values come from closed sets: operation IDs from the catalogue,
 * backends, outcomes and Slack method names; never a user, channel or argument.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #commands: Counter<"operation" | "outcome">;
  readonly #apiLatency: Histogram<"backend" | "operation" | "outcome">;
  readonly #slackRateLimited: Counter<"method">;
  readonly #slackShed: Counter<"kind">;
  readonly #pruned: Counter<"table">;
  readonly #watched = new WeakSet<object>();

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.#commands = new Counter({
      name: "opsbot_commands_total",
      help: "Commands, modal submissions and buttons that reached the invocation path, by operation and outcome (refused, needs-approval, succeeded, failed).",
      labelNames: ["operation", "outcome"],
      registers,
    });
    this.#apiLatency = new Histogram({
      name: "opsbot_api_request_duration_seconds",
      help: "Backend API calls, retries included, by backend, endpoint and outcome.",
      labelNames: ["backend", "operation", "outcome"],
      buckets: API_LATENCY_BUCKETS,
      registers,
    });
    this.#slackRateLimited = new Counter({
      name: "opsbot_slack_rate_limited_total",
      help: "Slack Web API answers of 429 (rate limited), by method.",
      labelNames: ["method"],
      registers,
    });
    this.#slackShed = new Counter({
      name: "opsbot_slack_queue_shed_total",
      help: "Slack writes dropped: progress updates skipped and other writes refused by a full queue (progress, message), and writes whose 429s outlasted the retry budget (retry_budget).",
      labelNames: ["kind"],
      registers,
    });
    this.#pruned = new Counter({
      name: "opsbot_retention_pruned_total",
      help: "Records deleted once older than their retention, by table (audit, approvals, followups, intake).",
      labelNames: ["table"],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "opsbot_" });
  }

  /** The API clients' `onCall` hook. */
  readonly observeApiCall = (info: CallInfo): void => {
    this.#apiLatency.observe(
      { backend: info.backend, operation: info.operation, outcome: info.outcome },
      info.durationMs / 1000,
    );
  };

  /** Every audit record passes here; the ones that end a command's way through the invocation path are counted. */
  readonly observeAudit = (entry: Pick<AuditEntry, "kind" | "operationId" | "outcome">): void => {
    const outcome = commandOutcomeOf(entry);
    if (outcome && entry.operationId) this.#commands.inc({ operation: entry.operationId, outcome });
  };

  /** The outbox's `onShed`. */
  readonly observeSlackShed = (kind: "progress" | "message" | "retry_budget"): void => {
    this.#slackShed.inc({ kind });
  };

  /** Retention's `onPruned`. */
  readonly observePruned = (table: PrunedTable, count: number): void => {
    this.#pruned.inc({ table }, count);
  };

  /** Counts the client's 429s; each client is subscribed once, however often it is passed. */
  watchSlackClient(client: RateLimitEmitter): void {
    if (this.#watched.has(client)) return;
    this.#watched.add(client);
    client.on("rate_limited", (_retryAfter, request) =>
      this.#slackRateLimited.inc({ method: slackMethodOf(request.url) }),
    );
  }

  /** The gauges, read at each scrape. */
  watch(sources: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: "opsbot_followups_in_flight",
      help: "Followed operations not yet finished (their states are still being polled and posted).",
      registers,
      collect() {
        this.set(sources.followUpsInFlight());
      },
    });
    new Gauge({
      name: "opsbot_approvals_pending",
      help: "Approval requests waiting for a decision.",
      registers,
      async collect() {
        this.set(await sources.approvalsPending());
      },
    });
    new Gauge({
      name: "opsbot_slack_queue_depth",
      help: "Slack posts and edits waiting in the outbox or in flight.",
      registers,
      collect() {
        this.set(sources.slackQueueDepth());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The client reports the whole URL (`https://slack.com/api/chat.update`); the label is the method. */
function slackMethodOf(url: string): string {
  const method = url.split("?")[0]?.split("/").pop() ?? "";
  return /^[a-z]+(\.[a-zA-Z]+)+$/.test(method) ? method : "other";
}

/** refusal → refused; a request for approval → needs-approval; an execution → its result. */
function commandOutcomeOf(entry: Pick<AuditEntry, "kind" | "outcome">): string | undefined {
  if (entry.kind === "refusal") return "refused";
  if (entry.kind === "command" && entry.outcome === "needs-approval") return "needs-approval";
  if (entry.kind === "execution") return entry.outcome;
  return undefined;
}
