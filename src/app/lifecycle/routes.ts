import type { IncomingMessage, ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import type { Secret } from "../../lib/secret.js";
import type { Metrics } from "../metrics/index.js";
import type { ReadinessReport } from "./readiness.js";

/**
 * The operator's endpoints beside Slack's: liveness, readiness (see readiness.ts: 503 naming what fails,
 * so a load balancer stops sending work and the operator knows why) and Prometheus metrics, optionally
 * behind a bearer token.
 */
export function operationalRoutes(options: {
  readonly readiness: () => Promise<ReadinessReport>;
  readonly metrics: Metrics;
  readonly metricsToken: Secret | undefined;
}): CustomRoute[] {
  const { metrics, metricsToken } = options;
  return [
    { path: "/healthz", method: "GET", handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      path: "/readyz",
      method: "GET",
      handler: (_req, res) => {
        options.readiness().then(
          ({ ready, failing }) => sendJson(res, ready ? 200 : 503, ready ? { ready } : { ready, failing }),
          () => sendJson(res, 503, { ready: false, failing: ["readiness"] }),
        );
      },
    },
    {
      path: "/metrics",
      method: "GET",
      handler: (req, res) => {
        if (metricsToken && !metricsToken.matches(bearerOf(req) ?? "")) {
          res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" });
          res.end("a bearer token is required\n");
          return;
        }
        metrics.render().then(
          (text) => {
            res.writeHead(200, { "content-type": metrics.contentType });
            res.end(text);
          },
          () => {
            res.writeHead(500, { "content-type": "text/plain" });
            res.end("metrics could not be collected\n");
          },
        );
      },
    },
  ];
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
