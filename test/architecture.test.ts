import { resolve } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { beforeAll, describe, expect, it } from "vitest";

// The same rules as `npm run arch` (.dependency-cruiser.mjs), run through dependency-cruiser's API.

const ROOT = resolve(import.meta.dirname, "..");
const CONFIG = resolve(ROOT, ".dependency-cruiser.mjs");
const TSCONFIG = resolve(ROOT, "tsconfig.json");
const FIXTURE = resolve(ROOT, "test/fixtures/architecture");

/** A cruise of the whole tree takes a few seconds of CPU; give a loaded machine room. */
const CRUISE_TIMEOUT_MS = 120_000;

/** What the fixture tree breaks on purpose (see test/fixtures/architecture/README.md). */
const FIXTURE_VIOLATIONS: readonly string[] = [
  "api-is-a-leaf src/api/client.ts -> src/slack/outbox.ts",
  "blocks-are-pure src/blocks/card.ts -> fs",
  "blocks-are-pure src/blocks/card.ts -> node_modules/@slack/bolt",
  "catalogue-below-core src/catalogue/operation.ts -> src/core/invoke.ts",
  "core-not-slack src/core/invoke.ts -> src/slack/outbox.ts",
  "listeners-no-http src/slack/listeners/command.ts -> http",
  "listeners-no-http src/slack/listeners/command.ts -> src/api/client.ts",
  "no-circular src/core/invoke.ts -> src/core/reply.ts",
  "only-store-touches-db src/core/audit.ts -> node_modules/better-sqlite3",
  "product-not-devkit src/lib/clock.ts -> devkit/stand-in.ts",
  "store-is-a-leaf src/store/rows.ts -> src/core/invoke.ts",
];

/** An npm module by its package: "../../node_modules/@scope/pkg/dist/index.js" → "node_modules/@scope/pkg". */
function shortPath(path: string): string {
  return path.replace(/^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, "node_modules/$1");
}

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(CONFIG);
  const { output } = await cruise(
    ["src", "devkit"],
    { ...options, baseDir, tsConfig: { fileName: TSCONFIG } },
    {},
    { tsConfig: extractTSConfig(TSCONFIG) },
  );
  if (typeof output === "string") throw new Error("dependency-cruiser returned a report, not a result");
  return output;
}

function violationsOf(result: ICruiseResult): string[] {
  const found = result.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${shortPath(v.to)}`);
  return [...new Set(found)].sort();
}

describe("architecture rules (.dependency-cruiser.mjs)", () => {
  let result: ICruiseResult;
  let found: string[];

  beforeAll(async () => {
    result = await cruiseTree(ROOT);
    found = violationsOf(result);
  }, CRUISE_TIMEOUT_MS);

  it("cruises the whole of src/ and devkit/ with every import resolved", () => {
    const sources = result.modules.map((m) => m.source);
    expect(sources).toContain("src/main.ts");
    expect(sources).toContain("devkit/demo/main.ts");
    expect(result.summary.totalCruised).toBeGreaterThan(150);
    // `.js` specifiers resolve to the `.ts` files (otherwise every path rule would pass vacuously).
    const main = result.modules.find((m) => m.source === "src/main.ts");
    expect(main?.dependencies.map((d) => d.resolved)).toContain("src/app/config.ts");
    const unresolved = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} -> ${d.module}`),
    );
    expect(unresolved).toEqual([]);
  });

  it("src/ and devkit/ break no rule", () => {
    expect(found, "`npm run arch` says why each rule exists").toEqual([]);
  });

  it(
    "reports each rule that the fixture tree breaks on purpose, and nothing in its clean files",
    async () => {
      const fixture = await cruiseTree(FIXTURE);
      expect(fixture.summary.totalCruised).toBeGreaterThan(10);
      expect(violationsOf(fixture)).toEqual([...FIXTURE_VIOLATIONS].sort());
    },
    CRUISE_TIMEOUT_MS,
  );
});
