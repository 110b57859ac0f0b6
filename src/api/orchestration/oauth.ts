import { type Dispatcher, request } from "undici";
import { z } from "zod";
import { Secret, scrubSecrets, truncate } from "../../lib/secret.js";
import { ApiError, type ApiErrorKind } from "../errors.js";

/** Where an access token for the Orchestration API comes from. */
export interface TokenSource {
  /** A valid access token; may fetch one. */
  token(signal?: AbortSignal): Promise<string>;
  /** Drops the cached token (after a 401). */
  invalidate(): void;
  /** True when `invalidate()` can lead to a different token. */
  readonly refreshable: boolean;
  /** Everything secret this source knows, for scrubbing. */
  secrets(): Secret[];
}

export class StaticTokenSource implements TokenSource {
  readonly refreshable = false;
  readonly #secret: Secret;
  constructor(secret: Secret) {
    this.#secret = secret;
  }
  async token(): Promise<string> {
    return this.#secret.reveal();
  }
  invalidate(): void {}
  secrets(): Secret[] {
    return [this.#secret];
  }
}

export interface OAuthTokenSourceOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: Secret;
  readonly refreshToken: Secret;
  /** Default: undici's global dispatcher. */
  readonly dispatcher?: Dispatcher;
  /** Whole-exchange timeout. */
  readonly timeoutMs?: number;
  /** Refresh this long before `expires_in` runs out (default 60 s). */
  readonly skewMs?: number;
  readonly now?: () => number;
}

const OPERATION = "oauthToken";
const MAX_BODY_BYTES = 64 * 1024;
const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});
const oauthError = z.looseObject({ error: z.string(), error_description: z.string().optional() });

interface Cached {
  readonly token: Secret;
  readonly validUntil: number;
}

/**
 * The service-account flow of IMS Platform Auth: a long-lived refresh token exchanged for short-lived
 * access tokens (`grant_type=refresh_token`). Tokens are cached until shortly before they expire, and
 * concurrent callers share one exchange, so a burst of calls makes one token request.
 */
export class OAuthTokenSource implements TokenSource {
  readonly refreshable = true;
  readonly #options: OAuthTokenSourceOptions;
  readonly #now: () => number;
  readonly #skewMs: number;
  #refreshToken: Secret;
  #cached: Cached | undefined;
  #inflight: Promise<Cached> | undefined;

  constructor(options: OAuthTokenSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#skewMs = Math.max(0, options.skewMs ?? 60_000);
    this.#refreshToken = options.refreshToken;
  }

  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.validUntil) return cached.token.reveal();
    if (!this.#inflight) {
      this.#inflight = this.#exchange().finally(() => {
        this.#inflight = undefined;
      });
    }
    // The exchange is shared: one caller's abort stops its own wait, not the others'.
    return (await abortable(this.#inflight, signal)).token.reveal();
  }

  /**
   * Drops the cached token. While an exchange is in flight the token it brings is new anyway, so the
   * 401s of a burst that used the old token do not each start another exchange.
   */
  invalidate(): void {
    if (!this.#inflight) this.#cached = undefined;
  }

  secrets(): Secret[] {
    const out = [this.#options.clientSecret, this.#refreshToken, this.#options.refreshToken];
    if (this.#cached) out.push(this.#cached.token);
    return out;
  }

  async #exchange(): Promise<Cached> {
    const { tokenUrl, clientId, clientSecret, dispatcher } = this.#options;
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: this.#refreshToken.reveal(),
      client_id: clientId,
      client_secret: clientSecret.reveal(),
    });
    const timeoutMs = this.#options.timeoutMs ?? 15_000;
    let status: number;
    let text: string;
    try {
      const res = await request(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(dispatcher ? { dispatcher } : {}),
      });
      status = res.statusCode;
      text = await readCapped(res.body);
    } catch (cause) {
      const timedOut = cause instanceof Error && /timeout/i.test(`${cause.name} ${errorCode(cause)}`);
      throw this.#error(
        timedOut ? "timeout" : "network",
        timedOut ? "the token endpoint timed out" : "could not reach the token endpoint",
        undefined,
        cause,
      );
    }
    const body = parseJson(text);
    if (status < 200 || status >= 300) {
      const described = oauthError.safeParse(body);
      const detail = described.success
        ? [described.data.error, described.data.error_description].filter(Boolean).join(": ")
        : text.trim().split("\n")[0];
      throw this.#error("http", `the token endpoint refused the service account: ${detail}`, status);
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success)
      throw this.#error("contract", "the token endpoint sent an unexpected answer", status);
    const lifetimeMs = parsed.data.expires_in * 1000;
    // Short-lived tokens keep at least half their life, so a TTL below the skew does not refresh per call.
    const cached = {
      token: new Secret(parsed.data.access_token),
      validUntil: this.#now() + lifetimeMs - Math.min(this.#skewMs, lifetimeMs / 2),
    };
    if (parsed.data.refresh_token) this.#refreshToken = new Secret(parsed.data.refresh_token);
    this.#cached = cached;
    return cached;
  }

  #error(kind: ApiErrorKind, message: string, status: number | undefined, cause?: unknown): ApiError {
    const safe = scrubSecrets(message.replace(/\s+/g, " "), this.secrets());
    return new ApiError({
      backend: "orchestration",
      operation: OPERATION,
      kind,
      status,
      safeMessage: truncate(`${safe}${status ? ` (HTTP ${status})` : ""}`, 300),
      retryable: kind !== "contract" && (status === undefined || status === 429 || status >= 500),
      tries: 1,
      cause,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "";
}

async function readCapped(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    chunks.push(buf);
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, MAX_BODY_BYTES);
}

/** Waits for a shared promise unless this caller's signal fires first. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const aborted = () =>
    new ApiError({
      backend: "orchestration",
      operation: OPERATION,
      kind: "aborted",
      safeMessage: "the call was cancelled",
      retryable: false,
      tries: 0,
      cause: signal.reason,
    });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
