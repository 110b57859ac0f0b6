import type { Logger } from "pino";
import { type Dispatcher, request } from "undici";
import { z } from "zod";
import { Secret, scrubSecrets, truncate } from "../../lib/secret.js";
import { ApiError, type ApiErrorKind } from "../errors.js";
import type { RefreshTokenKeeper } from "./refresh-token-keeper.js";

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
  /** Where a rotated refresh token is kept for restarts and other replicas; without one, in memory only. */
  readonly keeper?: RefreshTokenKeeper;
  /** After an `invalid_grant`, how long to wait for another replica's rotation to reach the keeper (default 2 s). */
  readonly rotationWaitMs?: number;
  /** For the keeper's failures (never a token). */
  readonly logger?: Logger;
}

/** The token an exchange sends, and what the keeper held when it was chosen (for compare-and-set). */
interface Grant {
  readonly token: Secret;
  readonly kept: string | undefined;
}

/** An exchange's answer: a token, or the endpoint's word that the refresh token is no longer valid. */
type Exchanged =
  | { readonly kind: "ok"; readonly cached: Cached }
  | { readonly kind: "invalid_grant"; readonly error: ApiError };

const OPERATION = "oauthToken";
const MAX_BODY_BYTES = 64 * 1024;
const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});
const oauthError = z.looseObject({ error: z.string(), error_description: z.string().optional() });
const KEEPER_POLL_MS = 50;

interface Cached {
  readonly token: Secret;
  readonly validUntil: number;
}

/**
 * The service-account flow of IMS Platform Auth: a long-lived refresh token exchanged for short-lived
 * access tokens (`grant_type=refresh_token`). Tokens are cached until shortly before they expire, and
 * concurrent callers share one exchange, so a burst of calls makes one token request.
 *
 * When the endpoint rotates refresh tokens, the live one is kept by the `keeper` (the store): each
 * exchange starts from the kept token (the configured one until a first rotation), and saves the new one
 * with compare-and-set. Replicas racing on one token: the endpoint accepts the first, the other gets
 * `invalid_grant`, reads the keeper again until the winner's token shows up there, and retries once.
 */
export class OAuthTokenSource implements TokenSource {
  readonly refreshable = true;
  readonly #options: OAuthTokenSourceOptions;
  readonly #now: () => number;
  readonly #skewMs: number;
  #refreshToken: Secret;
  #lastSent: Secret | undefined;
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
    if (this.#lastSent) out.push(this.#lastSent);
    if (this.#cached) out.push(this.#cached.token);
    return out;
  }

  async #exchange(): Promise<Cached> {
    const grant = await this.#currentGrant();
    const first = await this.#exchangeWith(grant);
    if (first.kind === "ok") return first.cached;
    const replacement = await this.#replacementFor(grant.token.reveal());
    if (!replacement) throw first.error;
    const second = await this.#exchangeWith(replacement);
    if (second.kind === "ok") return second.cached;
    throw second.error;
  }

  /** The kept token when there is one, else the one this process knows (configured, or rotated here). */
  async #currentGrant(): Promise<Grant> {
    const kept = await this.#loadKept();
    return { token: kept === undefined ? this.#refreshToken : new Secret(kept), kept };
  }

  /**
   * After `invalid_grant` on `refused`: a token worth one more try. Another replica may have rotated it
   * a moment ago and not saved yet, so the keeper is read again until it holds another token, for a
   * short while; failing that, the token this process knows, then the configured one (an operator may
   * have issued a new one), whichever differs from the one refused.
   */
  async #replacementFor(refused: string): Promise<Grant | undefined> {
    // Without a keeper the token this process knows is the only one: nothing else to try.
    if (!this.#options.keeper) return undefined;
    // Real time, not `now` (a test's simulated clock): this waits for another process.
    const deadline = Date.now() + (this.#options.rotationWaitMs ?? 2_000);
    for (;;) {
      const kept = await this.#loadKept();
      if (kept !== undefined && kept !== refused) return { token: new Secret(kept), kept };
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, KEEPER_POLL_MS));
    }
    const kept = await this.#loadKept();
    for (const token of [this.#refreshToken, this.#options.refreshToken])
      if (token.reveal() !== refused) return { token, kept };
    return undefined;
  }

  async #loadKept(): Promise<string | undefined> {
    const keeper = this.#options.keeper;
    if (!keeper) return undefined;
    try {
      return await keeper.load();
    } catch (err) {
      // The store unreachable: the token this process knows may still be the live one.
      this.#options.logger?.warn({ err }, "could not read the kept Orchestration refresh token");
      return undefined;
    }
  }

  /** Keeps a rotated token; the access token is good either way, so a failure is only reported. */
  async #keep(previous: string | undefined, next: string): Promise<void> {
    const keeper = this.#options.keeper;
    if (!keeper) return;
    try {
      if (!(await keeper.save(previous, next)))
        this.#options.logger?.warn("another replica kept a different Orchestration refresh token first");
    } catch (err) {
      this.#options.logger?.warn({ err }, "could not keep the rotated Orchestration refresh token");
    }
  }

  async #exchangeWith(grant: Grant): Promise<Exchanged> {
    const { tokenUrl, clientId, clientSecret, dispatcher } = this.#options;
    this.#lastSent = grant.token;
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: grant.token.reveal(),
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
      const error = this.#error("http", `the token endpoint refused the service account: ${detail}`, status);
      if (described.success && described.data.error === "invalid_grant")
        return { kind: "invalid_grant", error };
      throw error;
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
    const rotated = parsed.data.refresh_token;
    if (rotated) {
      this.#refreshToken = new Secret(rotated);
      if (rotated !== grant.token.reveal()) await this.#keep(grant.kept, rotated);
    }
    this.#cached = cached;
    return { kind: "ok", cached };
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
