import type { Secret } from "../lib/secret.js";

/** What the backend clients are configured with (app/config.ts reads it from the environment). */

export interface HttpSettings {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** The whole call, retries included. */
  readonly deadlineMs: number;
  readonly connections: number;
}

export interface CalyptiaSettings {
  readonly baseUrl: string;
  readonly token: Secret | undefined;
  readonly authScheme: "project-token" | "bearer";
  readonly paths: Readonly<Record<string, string>>;
}

export interface DeploySettings {
  readonly baseUrl: string | undefined;
  readonly paths: Readonly<Record<string, string>>;
}

export type OrchestrationAuth =
  | { readonly kind: "static"; readonly token: Secret }
  | {
      readonly kind: "refresh-token";
      readonly clientId: string;
      readonly clientSecret: Secret;
      readonly refreshToken: Secret;
      readonly tokenUrl: string;
    }
  | { readonly kind: "none" };

export interface OrchestrationSettings {
  readonly baseUrl: string | undefined;
  readonly auth: OrchestrationAuth;
  readonly projectId: string | undefined;
  readonly allocationId: string | undefined;
  readonly paths: Readonly<Record<string, string>>;
}

export interface ApiSettings {
  readonly http: HttpSettings;
  readonly calyptia: CalyptiaSettings;
  readonly deploy: DeploySettings;
  readonly orchestration: OrchestrationSettings;
}
