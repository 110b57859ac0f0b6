import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createOrchestrationSim,
  type OrchestrationSim,
  type OrchestrationSimOptions,
  ORCHESTRATION_SEED as S,
  TOKEN_PATH,
} from "../../devkit/sim/orchestration.js";
import { createOrchestrationClient } from "../../src/api/orchestration/client.js";
import { OAuthTokenSource } from "../../src/api/orchestration/oauth.js";
import type { OrchestrationSettings } from "../../src/app/config.js";
import { Secret } from "../../src/lib/secret.js";
import { recordingSleep, testHttp } from "../helpers/api.js";
import { apiRejection as rejection } from "../helpers/transport.js";

const CLIENT_ID = "opsbot-service-account";
const CLIENT_SECRET = "client-secret-Zq93xT";
const REFRESH_TOKEN = "refresh-token-Lk28vW";
const STATIC_TOKEN = "static-token-Pp51cN";
const at = { project_id: S.projectId, allocation_id: S.allocationId };

let sim: OrchestrationSim;
let url: string;

async function start(options: Partial<OrchestrationSimOptions> = {}) {
  sim = createOrchestrationSim({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
    staticToken: STATIC_TOKEN,
    ...options,
  });
  url = await sim.listen();
}
beforeEach(() => start());
afterEach(async () => {
  await sim.close();
});

function client(auth: Partial<{ clientSecret: string; refreshToken: string; static: string }> = {}) {
  const settings: OrchestrationSettings = {
    baseUrl: url,
    auth: auth.static
      ? { kind: "static", token: new Secret(auth.static) }
      : {
          kind: "refresh-token",
          clientId: CLIENT_ID,
          clientSecret: new Secret(auth.clientSecret ?? CLIENT_SECRET),
          refreshToken: new Secret(auth.refreshToken ?? REFRESH_TOKEN),
          tokenUrl: `${url}${TOKEN_PATH}`,
        },
    projectId: S.projectId,
    allocationId: S.allocationId,
    paths: {},
  };
  const deps = { http: testHttp, sleep: recordingSleep().sleep };
  return createOrchestrationClient(settings, deps, { now: () => sim.clock.now() }).client;
}

const tokenRequests = () => sim.requests.filter((r) => r.url === TOKEN_PATH);
const bearers = () =>
  sim.requests.filter((r) => r.url !== TOKEN_PATH).map((r) => r.headers.authorization ?? "");

describe("Orchestration OAuth (refresh_token grant)", () => {
  it("exchanges the refresh token once, form-encoded, and caches the access token", async () => {
    const api = client();
    for (let i = 0; i < 10; i++) await api.listPayloads(at);
    expect(sim.tokens.issued).toBe(1);
    const [exchange] = tokenRequests();
    expect(exchange?.method).toBe("POST");
    expect(exchange?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(exchange?.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: REFRESH_TOKEN,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(new Set(bearers()).size).toBe(1);
    expect(bearers()[0]).toMatch(/^Bearer sim-at-/);
  });

  it("makes exactly one token request for 50 concurrent callers", async () => {
    const api = client();
    const results = await Promise.all(Array.from({ length: 50 }, () => api.listPayloads(at)));
    expect(results.every((r) => r.length === 4)).toBe(true);
    expect(sim.tokens.requests).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
    // Expired cache, same again.
    sim.clock.advance(3_600_000);
    await Promise.all(Array.from({ length: 50 }, () => api.getAllocation(at)));
    expect(sim.tokens.requests).toBe(2);
  });

  it("refreshes shortly before expires_in runs out (60 s skew)", async () => {
    const api = client();
    await api.listPayloads(at);
    sim.clock.advance((3_600 - 61) * 1000);
    await api.listPayloads(at);
    expect(sim.tokens.issued).toBe(1);
    sim.clock.advance(2_000);
    await api.listPayloads(at);
    expect(sim.tokens.issued).toBe(2);
    const used = bearers();
    expect(used[2]).not.toBe(used[0]);
  });

  it("keeps half a short token's life instead of refreshing on every call", async () => {
    await sim.close();
    await start({ tokenTtlSeconds: 30 });
    const api = client();
    await api.listPayloads(at);
    sim.clock.advance(14_000);
    await api.listPayloads(at);
    expect(sim.tokens.issued).toBe(1);
    sim.clock.advance(2_000);
    await api.listPayloads(at);
    expect(sim.tokens.issued).toBe(2);
  });

  it("on a 401 with a stale cached token, refreshes once and tries again", async () => {
    const api = client();
    await api.listPayloads(at);
    sim.tokens.revokeAll();
    sim.clearRequests();
    const label = await api.setPayloadLabel({
      ...at,
      payload_id: S.payloads.casualHarbor,
      key: "k",
      value: "v",
    });
    expect(label).toBeUndefined();
    expect(sim.requests.map((r) => [r.url.endsWith(TOKEN_PATH) ? "token" : r.method, r.status])).toEqual([
      ["PUT", 401],
      ["token", 200],
      ["PUT", 200],
    ]);
    expect(sim.tokens.issued).toBe(2);
  });

  it("does not retry a 401 with a static token", async () => {
    const api = client({ static: "not-the-static-token" });
    const error = await rejection(api.listPayloads(at));
    expect(error.status).toBe(401);
    expect(error.requestId).toMatch(/^req-/);
    expect(sim.requests).toHaveLength(1);
  });

  it("sends the static token as a Bearer and never calls the token endpoint", async () => {
    const api = client({ static: STATIC_TOKEN });
    await api.listAllocations({ project_id: S.projectId });
    expect(bearers()).toEqual([`Bearer ${STATIC_TOKEN}`]);
    expect(sim.tokens.requests).toBe(0);
  });

  it("rejects every waiter of a failed exchange without leaking secrets, then tries again", async () => {
    const api = client({ clientSecret: "wrong-secret-Hh42" });
    const errors = await Promise.all(Array.from({ length: 5 }, () => rejection(api.listPayloads(at))));
    expect(sim.tokens.requests).toBe(1);
    for (const error of errors) {
      expect(error).toMatchObject({
        kind: "http",
        status: 401,
        backend: "orchestration",
        operation: "oauthToken",
      });
      expect(error.safeMessage).toContain("invalid_client");
      for (const secret of ["wrong-secret-Hh42", REFRESH_TOKEN]) expect(error.message).not.toContain(secret);
    }
    await rejection(api.listPayloads(at));
    expect(sim.tokens.requests).toBe(2);
  });

  it("recovers after a failed exchange on the next call", async () => {
    const api = client();
    sim.setFaults([{ kind: "error", status: 503, path: "^/auth/", times: 1 }]);
    const error = await rejection(api.listPayloads(at));
    expect(error).toMatchObject({ kind: "http", status: 503, operation: "oauthToken", retryable: true });
    expect(await api.listPayloads(at)).toHaveLength(4);
    expect(sim.tokens.issued).toBe(1);
  });

  it("uses a rotated refresh token for the next exchange", async () => {
    await sim.close();
    await start({ rotateRefreshTokens: true });
    const api = client();
    await api.listPayloads(at);
    const rotated = sim.tokens.refreshToken;
    expect(rotated).not.toBe(REFRESH_TOKEN);
    sim.clock.advance(3_600_000);
    await api.listPayloads(at);
    expect(new URLSearchParams(tokenRequests()[1]?.body).get("refresh_token")).toBe(rotated);
    expect(sim.tokens.issued).toBe(2);
  });
});

describe("OAuthTokenSource", () => {
  const source = (dispatcher: MockAgent, overrides: { timeoutMs?: number } = {}) =>
    new OAuthTokenSource({
      tokenUrl: "https://auth.example.test/auth/v1/token",
      clientId: CLIENT_ID,
      clientSecret: new Secret(CLIENT_SECRET),
      refreshToken: new Secret(REFRESH_TOKEN),
      dispatcher,
      ...overrides,
    });
  const mockAgent = () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    return agent;
  };

  it("scrubs the client secret and refresh token from an error that echoes them", async () => {
    const agent = mockAgent();
    agent
      .get("https://auth.example.test")
      .intercept({ path: "/auth/v1/token", method: "POST" })
      .reply(400, (opts) => ({ error: "invalid_grant", error_description: `rejected ${String(opts.body)}` }));
    const error = await rejection(source(agent).token());
    expect(error).toMatchObject({ kind: "http", status: 400, operation: "oauthToken" });
    expect(error.safeMessage).toContain("invalid_grant: rejected grant_type=refresh_token");
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(error.message).not.toContain(REFRESH_TOKEN);
    await agent.close();
  });

  it("reports a malformed token answer as a contract error and a slow one as a timeout", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://auth.example.test");
    pool.intercept({ path: "/auth/v1/token", method: "POST" }).reply(200, { token: "x" });
    expect((await rejection(source(agent).token())).kind).toBe("contract");
    pool
      .intercept({ path: "/auth/v1/token", method: "POST" })
      .reply(200, { access_token: "a", expires_in: 60 })
      .delay(500);
    expect((await rejection(source(agent, { timeoutMs: 50 }).token())).kind).toBe("timeout");
    await agent.close();
  });

  it("lets one caller give up waiting without cancelling the shared exchange", async () => {
    const agent = mockAgent();
    agent
      .get("https://auth.example.test")
      .intercept({ path: "/auth/v1/token", method: "POST" })
      .reply(200, { access_token: "shared-access-token", expires_in: 3600, token_type: "Bearer" })
      .delay(100);
    const tokens = source(agent);
    const impatient = new AbortController();
    const first = tokens.token(impatient.signal);
    const second = tokens.token();
    impatient.abort();
    expect((await rejection(first)).kind).toBe("aborted");
    expect(await second).toBe("shared-access-token");
    expect(await tokens.token()).toBe("shared-access-token");
    tokens.invalidate();
    await expect(tokens.token()).rejects.toThrow(); // no interceptor left: a new exchange was tried
    await agent.close();
  });
});
