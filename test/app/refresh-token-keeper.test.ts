import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOrchestrationSim, type OrchestrationSim, TOKEN_PATH } from "../../devkit/sim/orchestration.js";
import { OAuthTokenSource } from "../../src/api/orchestration/oauth.js";
import { storedRefreshToken } from "../../src/app/refresh-token-keeper.js";
import { Secret } from "../../src/lib/secret.js";
import type { Store } from "../../src/store/index.js";
import { storeKinds, useTempStore } from "../store/helpers.js";

const CLIENT_ID = "opsbot-service-account";
const CLIENT_SECRET = "client-secret-Zq93xT";
const CONFIGURED = "refresh-token-Lk28vW";

let sim: OrchestrationSim;
let url: string;

beforeEach(async () => {
  // As an IdP with rotation: each exchange answers a new refresh token and refuses the old one.
  sim = createOrchestrationSim({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: CONFIGURED,
    rotateRefreshTokens: true,
  });
  url = await sim.listen();
});
afterEach(async () => {
  await sim.close();
});

/** One replica's token source, keeping its refresh token in `store` (or in memory only, without one). */
function source(store: Store | undefined) {
  return new OAuthTokenSource({
    tokenUrl: `${url}${TOKEN_PATH}`,
    clientId: CLIENT_ID,
    clientSecret: new Secret(CLIENT_SECRET),
    refreshToken: new Secret(CONFIGURED),
    ...(store ? { keeper: storedRefreshToken(store.state, CLIENT_ID) } : {}),
  });
}

/** Log lines as written, to look for secrets in. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { lines, logger: pino({ level: "debug" }, stream) };
}

/** A fresh access token: the cached one dropped first, so that each call is an exchange. */
async function exchange(tokens: OAuthTokenSource): Promise<string> {
  tokens.invalidate();
  return tokens.token();
}

describe.each(storeKinds)("the Orchestration refresh token kept in the store (%s)", (kind) => {
  const tmp = useTempStore(kind);

  it("two replicas exchanging in turn never present a token the other one rotated away", async () => {
    const replicas = [source(await tmp.open()), source(await tmp.open())];
    for (let round = 0; round < 6; round++) {
      for (const tokens of replicas) expect(sim.tokens.accepts(await exchange(tokens))).toBe(true);
    }
    expect(sim.tokens.issued).toBe(12);
    const kept = await (await tmp.open()).state.get(`orchestration.refresh_token:${CLIENT_ID}`);
    expect(kept).toBe(sim.tokens.refreshToken);
  });

  it("two replicas exchanging at the same moment both get a token, round after round", async () => {
    const replicas = [source(await tmp.open()), source(await tmp.open())];
    for (let round = 0; round < 5; round++) {
      const tokens = await Promise.all(replicas.map(exchange));
      for (const token of tokens) expect(sim.tokens.accepts(token)).toBe(true);
    }
    // The loser of each race was refused once, then used the winner's token.
    expect(sim.tokens.issued).toBe(10);
  });

  it("after a restart, the rotated token is used, not the configured one the endpoint refuses now", async () => {
    const before = await tmp.open();
    await exchange(source(before));
    await before.close();
    const requestsBefore = sim.tokens.requests;
    const restarted = source(await tmp.open());
    expect(sim.tokens.accepts(await restarted.token())).toBe(true);
    expect(sim.tokens.requests - requestsBefore).toBe(1);
  });
});

it("without a store, a second replica presents the configured token and is refused (the problem kept away above)", async () => {
  await exchange(source(undefined));
  await expect(exchange(source(undefined))).rejects.toMatchObject({ status: 400 });
});

it("a store that fails to read or to save costs no token: the process carries on with the one it knows, and logs no token", async () => {
  const { lines, logger } = capturedLogger();
  const broken = new OAuthTokenSource({
    tokenUrl: `${url}${TOKEN_PATH}`,
    clientId: CLIENT_ID,
    clientSecret: new Secret(CLIENT_SECRET),
    refreshToken: new Secret(CONFIGURED),
    keeper: {
      load: () => Promise.reject(new Error("the store is down")),
      save: () => Promise.reject(new Error("the store is down")),
    },
    logger,
  });
  for (let round = 0; round < 3; round++) expect(sim.tokens.accepts(await exchange(broken))).toBe(true);
  expect(lines.join("")).toContain("could not keep the rotated Orchestration refresh token");
  for (const secret of [CONFIGURED, sim.tokens.refreshToken, CLIENT_SECRET])
    expect(lines.join("")).not.toContain(secret);
});
