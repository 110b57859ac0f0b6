import { readFileSync } from "node:fs";
import { type Copy, DockerfileParser, type From, type Instruction } from "dockerfile-ast";

/** The Dockerfile at the repository root, split into its stages, with the build arguments expanded. */

export interface Stage {
  readonly from: From;
  /** The base image with `${ARG}`s expanded from their defaults, e.g. `node:20.20.2-bookworm-slim`. */
  readonly image: string;
  /** `AS <name>`, if any. */
  readonly name: string | undefined;
  /** The instructions after FROM, up to the next FROM. */
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const dockerfile = DockerfileParser.parse(text);
  const stages: { from: From; instructions: Instruction[] }[] = [];
  const froms = new Set<Instruction>(dockerfile.getFROMs());
  for (const instruction of dockerfile.getInstructions()) {
    if (froms.has(instruction)) stages.push({ from: instruction as From, instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages.map(({ from, instructions }) => ({
    from,
    image: from.getExpandedArguments()[0]?.getValue() ?? "",
    name: from.getBuildStage() ?? undefined,
    instructions,
  }));
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync("Dockerfile", "utf8"));
}

export function byKeyword(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** A RUN's shell command, words joined by single spaces. */
export function runText(run: Instruction): string {
  return run
    .getExpandedArguments()
    .map((a) => a.getValue())
    .join(" ");
}

/** A COPY's sources (every argument but the last) and its destination. */
export function copyPaths(copy: Instruction): { sources: string[]; destination: string } {
  const json = (copy as Copy).getJSONStrings();
  const paths =
    json.length > 0 ? json.map((a) => a.getJSONValue()) : copy.getArguments().map((a) => a.getValue());
  return { sources: paths.slice(0, -1), destination: paths.at(-1) ?? "" };
}

export function copyFrom(copy: Instruction): string | undefined {
  return (copy as Copy).getFromFlag()?.getValue() ?? undefined;
}

/** The final stage's USER as numbers, e.g. `10001:10001` -> { uid: 10001, gid: 10001 }. */
export function imageUser(stage: Stage): { uid: number; gid: number | undefined } | undefined {
  const user = byKeyword(stage, "USER").at(-1)?.getArguments()[0]?.getValue();
  const match = /^(\d+)(?::(\d+))?$/.exec(user ?? "");
  if (!match?.[1]) return undefined;
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}
