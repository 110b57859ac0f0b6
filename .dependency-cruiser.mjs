// Architecture rules for src/ and devkit/, checked by `npm run arch` and by
// test/architecture.test.ts. Paths are relative to the directory cruised from,
// so the same rules apply to the fixture tree under test/fixtures/architecture.
//
// npm packages are matched with "(^|/)node_modules/" so that a module resolved
// from a nested folder (the fixture tree resolves to "../../../node_modules/…")
// is still recognised. Node built-ins resolve to their bare name ("fs", "http").

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Modules that import each other (directly or through others) cannot be understood, tested or " +
        "changed on their own, and a cycle of value imports makes ESM evaluate one of them half-" +
        "initialised. `import type` counts too: it ties the layers together all the same. Break the " +
        "cycle: move the shared type to the lower module, or let the lower one declare an interface " +
        "that the upper one fills in.",
      from: { path: "^(src|devkit)/" },
      to: { circular: true },
    },
    {
      name: "api-is-a-leaf",
      severity: "error",
      comment:
        "src/api holds the backend HTTP clients. They depend on nothing of the bot but src/lib and npm " +
        "packages, so they can be used and tested without Slack, the core or the app. The settings they " +
        "need (base URLs, timeouts) belong in types declared in src/api, filled in by the app.",
      from: { path: "^src/api/" },
      to: {
        path: ["^(src|devkit|test|bench)/", "(^|/)node_modules/@slack/"],
        pathNot: "^src/(api|lib)/",
      },
    },
    {
      name: "catalogue-below-core",
      severity: "error",
      comment:
        "The catalogue (operation definitions, parsing, validation, output shapes) sits below the " +
        "invocation path: core, the Slack layer, the app and the Block Kit builders use it, never the " +
        "other way round. It may use src/api, src/lib, npm packages, and the shapes of the records " +
        "opsbot keeps (src/store/types.ts, types only: opsbot's own commands read and write them " +
        "through an interface the core provides).",
      from: { path: "^src/catalogue/" },
      to: { path: "^src/(core|slack|app|store|blocks)/", pathNot: "^src/store/types\\.ts$" },
    },
    {
      name: "core-not-slack",
      severity: "error",
      comment:
        "The core (invocation, approvals, follow-ups, policy, notifications) talks to Slack only through " +
        "small interfaces it declares itself; the Slack layer and the app implement them. So no import of " +
        "src/slack, src/app, @slack/bolt or @slack/web-api (types included) from src/core.",
      from: { path: "^src/core/" },
      to: { path: ["^src/(slack|app)/", "(^|/)node_modules/@slack/(bolt|web-api)/"] },
    },
    {
      name: "blocks-are-pure",
      severity: "error",
      comment:
        "src/blocks are pure Block Kit builders: data in, JSON out. They may use other builders, the " +
        "catalogue's shapes and pure helpers, src/lib, zod and Slack's Block Kit types; nothing that " +
        "does I/O or holds state (core, slack, app, store, api, I/O built-ins).",
      from: { path: "^src/blocks/" },
      to: {
        pathNot: [
          "^src/(blocks|catalogue|lib)/",
          "(^|/)node_modules/(zod|@slack/types|@slack/bolt)/",
          "^(node:)?(util|buffer|string_decoder|url|querystring|punycode|assert|path|path/posix)$",
        ],
      },
    },
    {
      name: "blocks-are-pure",
      severity: "error",
      comment:
        "src/blocks may take Block Kit *types* from @slack/bolt (erased at build time), but no value: " +
        "the Bolt app, clients and middleware belong to src/slack and src/app.",
      from: { path: "^src/blocks/" },
      to: { path: "(^|/)node_modules/@slack/bolt/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "listeners-no-http",
      severity: "error",
      comment:
        "Slack listeners acknowledge fast and hand the work to the core; they never call a backend " +
        "themselves. So no HTTP client: not src/api's clients, transport, OAuth or the client factory " +
        "(src/api/index.ts), not undici, not node:http(s)/net. Types and pure helpers of src/api are fine.",
      from: { path: "^src/slack/listeners/" },
      to: {
        path: [
          "^src/api/(.*/|)(client|transport|oauth)\\.ts$",
          "^src/api/index\\.ts$",
          "(^|/)node_modules/undici/",
          "^(node:)?(http|https|http2|net|tls)$",
        ],
      },
    },
    {
      name: "only-store-touches-db",
      severity: "error",
      comment:
        "Only src/store talks to the database: the rest of the bot uses the Store interfaces " +
        "(src/store/types.ts), so the sqlite and postgres back ends stay interchangeable.",
      from: { pathNot: "^src/store/" },
      to: { path: ["(^|/)node_modules/(@types/)?(better-sqlite3|pg|pg-pool)/", "^(node:)?sqlite$"] },
    },
    {
      name: "product-not-devkit",
      severity: "error",
      comment:
        "devkit/, test/ and bench/ are never shipped (the build emits src/ only), so product code must " +
        "not import them: the build would break or, worse, ship simulators and test helpers.",
      from: { path: "^src/" },
      to: { path: "^(devkit|test|bench)/" },
    },
    {
      name: "store-is-a-leaf",
      severity: "error",
      comment:
        "src/store owns persistence and depends on nothing of the bot but src/lib and npm packages: the " +
        "row types it stores are declared in src/store, so any layer can use it without a cycle.",
      from: { path: "^src/store/" },
      to: { path: "^(src|devkit|test|bench)/", pathNot: "^src/(store|lib)/" },
    },
  ],
  options: {
    // Count `import type` too: a type import still couples the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "(^|/)node_modules/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};
