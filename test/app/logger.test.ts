import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/app/logger.js";
import { Secret } from "../../src/lib/secret.js";

/** A logger writing into an array of parsed JSON lines. */
function capture(level = "info") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "set-cookie",
  "identity",
  "Identity",
  "token",
  "access_token",
  "refresh_token",
  "client_secret",
  "clientSecret",
  "x-project-token",
  "X-Project-Token",
];

/** `{ [key]: value }` nested under `depth` levels of objects. */
function nested(depth: number, key: string, value: string): Record<string, unknown> {
  let object: Record<string, unknown> = { [key]: value, kept: "visible" };
  for (let i = depth; i > 0; i--) object = { [`level${i}`]: object };
  return object;
}

describe("createLogger", () => {
  it.each(SECRET_KEYS)("never writes the value of %s at depths 0 to 3", (key) => {
    const { logger, lines } = capture();
    for (let depth = 0; depth <= 3; depth++) logger.info(nested(depth, key, `leak-${depth}-value`), "m");
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain("leak-");
      expect(line).toContain('"[redacted]"');
      expect(line).toContain('"kept":"visible"');
    }
  });

  it("redacts a request's headers the way the transport would log them", () => {
    const { logger, records } = capture();
    logger.info(
      {
        req: {
          method: "GET",
          headers: { authorization: "Bearer abc.def", "x-project-token": "pt-123", cookie: "authtoken=jwt" },
        },
      },
      "backend call",
    );
    const [record] = records();
    expect(record?.req).toEqual({
      method: "GET",
      headers: { authorization: "[redacted]", "x-project-token": "[redacted]", cookie: "[redacted]" },
    });
  });

  it("logs a Secret as [redacted] wherever it is", () => {
    const { logger, lines, records } = capture();
    const secret = new Secret("s3cr3t-value");
    logger.info({ apiKey: secret, deep: { list: [secret], inner: { value: secret } } }, "with secrets");
    logger.info({ err: new Error(`failed with ${secret}`) }, "error");
    expect(lines.join("\n")).not.toContain("s3cr3t-value");
    const [first, second] = records();
    expect(first?.apiKey).toBe("[redacted]");
    expect(first?.deep).toEqual({ list: ["[redacted]"], inner: { value: "[redacted]" } });
    expect(second?.err).toMatchObject({ message: "failed with [redacted]", type: "Error" });
  });

  it("keeps the base fields and honours the level", () => {
    const { logger, records } = capture("warn");
    logger.info("hidden");
    logger.warn({ op: "x" }, "shown");
    expect(records()).toEqual([expect.objectContaining({ app: "opsbot", op: "x", msg: "shown", level: 40 })]);
  });
});
