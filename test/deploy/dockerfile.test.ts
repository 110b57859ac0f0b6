import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import dockerignore from "@balena/dockerignore";
import type { Cmd } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/app/config.js";
import {
  byKeyword,
  copyFrom,
  copyPaths,
  imageUser,
  parseDockerfile,
  readDockerfile,
  runText,
  type Stage,
} from "./image.js";

/**
 * The Dockerfile, read with a Dockerfile parser (no image is built here: there is no container engine).
 * `imageProblems` holds the rules; the tests run it on the real file and on broken copies of it.
 */

const DOCKERFILE = readFileSync("Dockerfile", "utf8");
/** What the runtime stage may take from the build stage (relative to /app). */
const RUNTIME_FILES = new Set(["dist", "node_modules", "package.json"]);
/** What the build stage may take from the build context. */
const CONTEXT_FILES = [/^package(-lock)?\.json$/, /^tsconfig(\.build)?\.json$/, /^src\/?$/];

function nodeMajor(image: string): number | undefined {
  const match = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)(?:[.-]|$)/.exec(image);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function imageProblems(stages: readonly Stage[]): string[] {
  const problems: string[] = [];
  const final = stages.at(-1);
  if (stages.length < 2 || final === undefined) return ["needs a build stage and a runtime stage"];
  const copies = byKeyword(final, "COPY");
  const sourceStages = new Set(copies.map(copyFrom));
  const build = stages.find((s) => s.name !== undefined && sourceStages.has(s.name));
  if (build === undefined || build === final) return ["the runtime stage copies from no build stage"];

  // The build stage: the native toolchain, npm ci, the build, then the dev dependencies dropped.
  const runs = byKeyword(build, "RUN").map(runText);
  const ran = (pattern: RegExp) => runs.some((r) => pattern.test(r));
  if (!ran(/\bapt-get install\b.*\bpython3\b/) || !ran(/\bmake\b/) || !ran(/\bg\+\+/))
    problems.push("the build stage does not install python3, make and g++ for better-sqlite3");
  if (!ran(/\bnpm ci\b(?!.*--omit=dev)/)) problems.push("the build stage does not run npm ci");
  if (!ran(/\bnpm run build\b/)) problems.push("the build stage does not run npm run build");
  if (!ran(/\bnpm prune --omit=dev\b/)) problems.push("the build stage does not drop the dev dependencies");
  for (const copy of byKeyword(build, "COPY").filter((c) => copyFrom(c) === undefined))
    for (const source of copyPaths(copy).sources)
      if (!CONTEXT_FILES.some((allowed) => allowed.test(source)))
        problems.push(`the build stage copies ${source} from the context`);

  // The runtime stage: the same Node major, a numeric non-root user, only the built files.
  const buildMajor = nodeMajor(build.image);
  const finalMajor = nodeMajor(final.image);
  if (buildMajor === undefined || finalMajor === undefined)
    problems.push(`the stages are not built on the node image (${build.image}, ${final.image})`);
  else if (buildMajor !== finalMajor)
    problems.push(`the build stage uses Node ${buildMajor} and the runtime stage Node ${finalMajor}`);
  if (build.image !== final.image)
    problems.push(`the native module is built on ${build.image} but runs on ${final.image}`);
  const user = imageUser(final);
  if (user === undefined) problems.push("the runtime stage has no numeric USER");
  else if (user.uid === 0 || user.gid === 0) problems.push("the runtime stage runs as root");
  const cmd = byKeyword(final, "CMD").at(-1) as Cmd | undefined;
  const command = cmd?.getJSONStrings().map((s) => s.getJSONValue());
  if (JSON.stringify(command) !== JSON.stringify(["node", "dist/main.js"]))
    problems.push(`CMD is ${JSON.stringify(command)}, not ["node", "dist/main.js"] in exec form`);
  if (byKeyword(final, "ENTRYPOINT").length > 0) problems.push("the runtime stage sets an ENTRYPOINT");
  if (byKeyword(final, "ADD").length > 0) problems.push("the runtime stage uses ADD");
  const copied = new Set<string>();
  for (const copy of copies) {
    const from = copyFrom(copy);
    for (const source of copyPaths(copy).sources) {
      const file = posix.relative("/app", posix.resolve("/app", source));
      if (from === undefined || !RUNTIME_FILES.has(file))
        problems.push(`the runtime stage copies ${source}${from === undefined ? " from the context" : ""}`);
      else copied.add(file);
    }
  }
  for (const file of RUNTIME_FILES)
    if (!copied.has(file)) problems.push(`the runtime stage does not copy ${file}`);
  const env = byKeyword(final, "ENV").map((i) =>
    i
      .getArguments()
      .map((a) => a.getValue())
      .join(" "),
  );
  if (!env.some((e) => /\bNODE_ENV=production\b/.test(e))) problems.push("NODE_ENV is not production");
  const workdir = byKeyword(final, "WORKDIR").at(-1)?.getArguments()[0]?.getValue();
  if (workdir !== "/app") problems.push(`WORKDIR is ${workdir}, not /app`);
  return problems;
}

describe("Dockerfile", () => {
  const stages = readDockerfile();
  const final = stages.at(-1) as Stage;

  it("builds in one stage and runs the compiled bot as a non-root user in another", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(imageProblems(stages)).toEqual([]);
    expect(nodeMajor(final.image)).toBe(20);
  });

  it("exposes the default PORT", () => {
    const exposed = byKeyword(final, "EXPOSE").flatMap((i) => i.getArguments().map((a) => a.getValue()));
    expect(exposed).toEqual([String(loadConfig({}).slack.port)]);
  });

  it("gives the non-root user the folder of the default OPSBOT_DB", () => {
    const user = imageUser(final);
    const folder = posix.dirname(posix.resolve("/app", loadConfig({}).databasePath));
    expect(folder).toBe("/app/data");
    const runs = byKeyword(final, "RUN").map(runText).join(" && ");
    expect(runs).toMatch(new RegExp(`\\bmkdir (-p )?${folder}\\b`));
    expect(runs).toContain(`chown ${user?.uid}:${user?.gid} ${folder}`);
    expect(runs).toMatch(new RegExp(`useradd .*--uid ${user?.uid}\\b`));
  });

  it.each([
    ["one stage", (d: string) => d.slice(d.lastIndexOf("FROM ")), "needs a build stage and a runtime stage"],
    ["root", (d: string) => d.replace("USER 10001:10001", "USER 0"), "the runtime stage runs as root"],
    ["a user name", (d: string) => d.replace("USER 10001:10001", "USER opsbot"), "has no numeric USER"],
    ["shell-form CMD", (d: string) => d.replace(/^CMD .*$/m, "CMD node dist/main.js"), "exec form"],
    ["another CMD", (d: string) => d.replace("dist/main.js", "dist/other.js"), "CMD is"],
    ["sources", (d: string) => d.replace("/app/dist ./dist", "/app/src ./src"), "copies /app/src"],
    ["the context", (d: string) => d.replace("--from=build /app/dist", "devkit"), "copies devkit"],
    ["tests", (d: string) => d.replace("COPY src ./src", "COPY src test ./"), "copies test from"],
    ["no prune", (d: string) => d.replace("npm prune --omit=dev", "true"), "drop the dev dependencies"],
    ["no build", (d: string) => d.replace("npm run build", "true"), "does not run npm run build"],
    ["no toolchain", (d: string) => d.replace(" g++", ""), "python3, make and g++"],
    [
      "another major",
      (d: string) => d.replace(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim$/m, "FROM node:22-bookworm-slim"),
      "Node 20 and the runtime stage Node 22",
    ],
  ])("notices a Dockerfile with %s", (_label, breakIt, problem) => {
    const broken = breakIt(DOCKERFILE);
    expect(broken).not.toBe(DOCKERFILE);
    expect(imageProblems(parseDockerfile(broken)).join("\n")).toContain(problem);
  });
});

describe(".dockerignore", () => {
  const rules = readFileSync(".dockerignore", "utf8");
  const ignored = dockerignore.default().add(rules.split("\n"));

  /** Every file under the repository, but not inside node_modules, .git, dist or data. */
  function repositoryFiles(root = ".", prefix = ""): string[] {
    return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (["node_modules", ".git", "dist", "data"].includes(path)) return [];
      return entry.isDirectory() ? repositoryFiles(root, path) : [path];
    });
  }

  it("keeps node_modules, .git, the build output, the store, tests and the devkit out of the context", () => {
    for (const path of [
      "node_modules/zod/package.json",
      ".git",
      ".git/HEAD",
      "dist/main.js",
      "data/opsbot.db",
      ".env",
      "test/app/config.test.ts",
      "devkit/demo/main.ts",
      "bench/main.ts",
      "deploy/kubernetes/base/kustomization.yaml",
    ])
      expect(ignored.ignores(path), path).toBe(true);
  });

  it("sends exactly what the build stage copies: package*.json, tsconfig*.json and src/", () => {
    const context = repositoryFiles().filter((path) => !ignored.ignores(path));
    const outside = context.filter(
      (path) => !/^(package(-lock)?\.json|tsconfig(\.build)?\.json|src\/.+)$/.test(path),
    );
    expect(outside).toEqual([]);
    expect(context).toEqual(
      expect.arrayContaining(["package.json", "package-lock.json", "tsconfig.build.json"]),
    );
    expect(context).toContain("src/main.ts");
    // Every source the build stage copies from the context is there.
    const [build] = readDockerfile();
    for (const copy of byKeyword(build as Stage, "COPY").filter((c) => copyFrom(c) === undefined))
      for (const source of copyPaths(copy).sources)
        expect(
          context.some((path) => path === source || path.startsWith(`${source}/`)),
          source,
        ).toBe(true);
  });
});
