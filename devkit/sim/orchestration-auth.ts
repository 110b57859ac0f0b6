import { randomBytes } from "node:crypto";
import type { SimRequest, SimResponse, SimServer } from "./http.js";

/**
 * IMS Platform Auth's token endpoint as the Orchestration simulator serves it: the service-account
 * flow only (`grant_type=refresh_token` with client credentials in the form body), strict about the
 * content type, duplicated parameters and every credential, with RFC 6749 error bodies.
 */

export const TOKEN_PATH = "/auth/v1/token";

export interface TokenIssuerOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly staticToken?: string | undefined;
  /** Lifetime of issued access tokens, in simulated seconds (default 3600). */
  readonly tokenTtlSeconds?: number | undefined;
  /** Answer every exchange with a new refresh token and stop accepting the old one. */
  readonly rotateRefreshTokens?: boolean | undefined;
}

const FORM_FIELDS = new Set(["grant_type", "refresh_token", "client_id", "client_secret", "scope"]);

/** Issues and checks access tokens on the simulator's clock; counts what tests assert on. */
export class TokenIssuer {
  /** Requests to the token endpoint, answered or refused. */
  requests = 0;
  /** Access tokens handed out. */
  issued = 0;
  readonly #options: TokenIssuerOptions;
  readonly #now: () => number;
  readonly #tokens = new Map<string, number>();
  #refreshToken: string;

  constructor(options: TokenIssuerOptions, now: () => number) {
    this.#options = options;
    this.#now = now;
    this.#refreshToken = options.refreshToken;
  }

  /** The refresh token the endpoint accepts now (changes when rotation is on). */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** True for the static token or an issued, unexpired access token. */
  accepts(token: string): boolean {
    if (this.#options.staticToken !== undefined && token === this.#options.staticToken) return true;
    const expiresAt = this.#tokens.get(token);
    return expiresAt !== undefined && this.#now() < expiresAt;
  }

  /** Makes every issued access token invalid (as a key rotation on the auth server would). */
  revokeAll(): void {
    this.#tokens.clear();
  }

  reset(): void {
    this.#tokens.clear();
    this.#refreshToken = this.#options.refreshToken;
    this.requests = 0;
    this.issued = 0;
  }

  handle(req: SimRequest): SimResponse {
    this.requests++;
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded")
      return refuse(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    const form = new URLSearchParams(req.rawBody.toString("utf8"));
    for (const key of new Set(form.keys())) {
      if (!FORM_FIELDS.has(key)) return refuse(400, "invalid_request", `unknown parameter ${key}`);
      if (form.getAll(key).length > 1) return refuse(400, "invalid_request", `${key} is repeated`);
    }
    const grant = form.get("grant_type");
    if (!grant) return refuse(400, "invalid_request", "grant_type is required");
    if (grant !== "refresh_token")
      return refuse(400, "unsupported_grant_type", "only the refresh_token grant is supported");
    if (
      form.get("client_id") !== this.#options.clientId ||
      form.get("client_secret") !== this.#options.clientSecret
    )
      return refuse(401, "invalid_client", "client authentication failed");
    const refreshToken = form.get("refresh_token");
    if (!refreshToken) return refuse(400, "invalid_request", "refresh_token is required");
    if (refreshToken !== this.#refreshToken)
      return refuse(400, "invalid_grant", "the refresh token is invalid, expired or revoked");

    const ttl = this.#options.tokenTtlSeconds ?? 3_600;
    const accessToken = `sim-at-${randomBytes(18).toString("base64url")}`;
    this.#tokens.set(accessToken, this.#now() + ttl * 1000);
    this.issued++;
    let rotated: string | undefined;
    if (this.#options.rotateRefreshTokens) {
      rotated = `sim-rt-${randomBytes(18).toString("base64url")}`;
      this.#refreshToken = rotated;
    }
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: ttl,
        ...(rotated ? { refresh_token: rotated } : {}),
      },
      headers: { "cache-control": "no-store" },
    };
  }

  /** Serves the token endpoint on a simulator. */
  mount(sim: SimServer): void {
    sim.route("POST", TOKEN_PATH, (req) => this.handle(req));
  }
}

function refuse(status: number, error: string, description: string): SimResponse {
  return {
    status,
    body: { error, error_description: description },
    headers: { "cache-control": "no-store" },
  };
}
