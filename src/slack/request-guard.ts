import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "pino";

/**
 * What Bolt's signature check leaves open, closed before a request reaches it: a timestamp from the
 * future (Bolt only refuses old ones), and the same signed request sent twice within its window (a
 * captured slash command replayed). The signature itself is still Bolt's to refuse: an unsigned or
 * badly signed request goes on to Bolt, which answers 401 as it always has.
 */

/** Slack's window: a request more than 5 minutes away from now, either way, is refused. */
export const REQUEST_WINDOW_MS = 5 * 60_000;

export interface RequestGuardOptions {
  readonly signingSecret: string;
  /** The paths Slack posts to (Bolt's `endpoints`); other routes (health, metrics) pass untouched. */
  readonly paths: readonly string[];
  /** The store's ledger: true the first time a key is seen while it is kept (shared by replicas). */
  readonly firstSighting: (key: string, now: number, keepUntil: number) => Promise<boolean>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Bolt's default: 4 MB. */
  readonly bodyLimit?: number;
}

type Verdict = { readonly kind: "pass" } | { readonly kind: "refuse"; readonly status: 401 | 413 | 503 };

export function guardSlackRequests(next: RequestListener, options: RequestGuardOptions): RequestListener {
  const limit = options.bodyLimit ?? 4 * 1024 * 1024;
  return (req, res) => {
    if (req.method !== "POST" || !options.paths.includes(pathOf(req.url))) {
      next(req, res);
      return;
    }
    void (async () => {
      const verdict = await judge(req, limit, options).catch((error: unknown): Verdict => {
        options.logger.error({ err: error }, "a Slack request could not be checked against replays");
        return { kind: "refuse", status: 503 };
      });
      if (verdict.kind === "pass") next(req, res);
      else refuse(res, verdict.status);
    })();
  };
}

async function judge(req: IncomingMessage, limit: number, options: RequestGuardOptions): Promise<Verdict> {
  const body = await readBody(req, limit);
  if (body === undefined) return { kind: "refuse", status: 413 };
  // Bolt reads the body from here instead of the (now consumed) stream.
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
  const timestamp = Number(header(req, "x-slack-request-timestamp"));
  const signature = header(req, "x-slack-signature");
  if (!Number.isFinite(timestamp) || signature === undefined) return { kind: "pass" };
  const now = options.now();
  const sentAt = timestamp * 1000;
  if (sentAt - now > REQUEST_WINDOW_MS) {
    options.logger.warn({ aheadMs: sentAt - now }, "refused a Slack request dated in the future");
    return { kind: "refuse", status: 401 };
  }
  if (!signedBy(options.signingSecret, timestamp, body, signature)) return { kind: "pass" };
  // Kept as long as Bolt would still take the request, with a minute's margin for clock drift.
  const keepUntil = Math.max(sentAt, now) + REQUEST_WINDOW_MS + 60_000;
  if (await options.firstSighting(signature, now, keepUntil)) return { kind: "pass" };
  options.logger.warn(
    { sentAt: new Date(sentAt).toISOString() },
    "refused a signed Slack request seen before",
  );
  return { kind: "refuse", status: 401 };
}

function signedBy(secret: string, timestamp: number, body: Buffer, signature: string): boolean {
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The whole body, or undefined past `limit` bytes (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pathOf(url: string | undefined): string {
  const at = (url ?? "").indexOf("?");
  return at === -1 ? (url ?? "") : (url ?? "").slice(0, at);
}

function refuse(res: ServerResponse, status: 401 | 413 | 503): void {
  // No detail for the sender: a replayer learns nothing; the log says why.
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end();
}
