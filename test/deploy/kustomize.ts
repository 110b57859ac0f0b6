import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import jsonPatch, { type Operation } from "fast-json-patch";
import { parseAllDocuments, parse as parseYaml } from "yaml";

/**
 * `kustomize build`, in-process, for the part of Kustomize that deploy/kubernetes uses, so that the
 * checks need no kustomize binary: `resources` (files and directories), `components`,
 * `configMapGenerator` with `files`, and `patches` that are JSON patches (RFC 6902) with a target of
 * group, version, kind and name. Generated ConfigMaps get Kustomize's content hash in their name, and
 * the pod templates that mount them are pointed at it.
 *
 * Anything else in a kustomization stops the build with an error instead of being ignored, so a
 * manifest that uses more of Kustomize than this implements cannot pass unchecked. It is stricter than
 * Kustomize in one place: a patch whose target matches nothing is an error here (Kustomize skips it),
 * as a renamed resource would otherwise lose its patch unnoticed.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Patch {
  path?: string;
  patch?: string;
  target: { group?: string; version?: string; kind?: string; name?: string };
}

interface Kustomization {
  apiVersion: string;
  kind: "Kustomization" | "Component";
  resources?: string[];
  components?: string[];
  configMapGenerator?: { name: string; files: string[] }[];
  patches?: Patch[];
}

export class KustomizeError extends Error {
  override readonly name = "KustomizeError";
}

const API_VERSIONS = {
  Kustomization: "kustomize.config.k8s.io/v1beta1",
  Component: "kustomize.config.k8s.io/v1alpha1",
} as const;
const FIELDS = new Set(["apiVersion", "kind", "resources", "components", "configMapGenerator", "patches"]);

/** The objects `kustomize build <dir>` would print (in no particular order). */
export function kustomizeBuild(dir: string): KubeObject[] {
  return build(loadKustomization(dir, "Kustomization"), dir);
}

/** The same for a kustomization given as an object, as if it were the file in `dir`. */
export function kustomizeBuildFrom(kustomization: unknown, dir: string): KubeObject[] {
  return build(checkKustomization(kustomization, dir, "Kustomization"), dir);
}

function build(kustomization: Kustomization, dir: string): KubeObject[] {
  const acc = new Accumulator();
  accumulate(kustomization, dir, acc);
  acc.fixConfigMapReferences();
  return acc.objects;
}

class Accumulator {
  readonly objects: KubeObject[] = [];
  /** A generated ConfigMap's name as written -> its name with the hash. */
  readonly generated = new Map<string, string>();

  add(object: KubeObject, source: string): void {
    const id = `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.name}`;
    if (this.objects.some((o) => `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.name}` === id))
      throw new KustomizeError(`${source}: may not add resource with an already registered id: ${id}`);
    this.objects.push(object);
  }

  absorb(other: Accumulator, source: string): void {
    for (const object of other.objects) this.add(object, source);
    for (const [name, hashed] of other.generated) this.generated.set(name, hashed);
  }

  /** Kustomize's name reference: pod templates that name a generated ConfigMap get its hashed name. */
  fixConfigMapReferences(): void {
    const rename = (ref: { name?: unknown } | undefined) => {
      const hashed = typeof ref?.name === "string" ? this.generated.get(ref.name) : undefined;
      if (ref && hashed) ref.name = hashed;
    };
    for (const object of this.objects) {
      const pod = podSpecOf(object);
      if (!pod) continue;
      for (const volume of pod.volumes ?? []) {
        rename(volume.configMap);
        for (const source of volume.projected?.sources ?? []) rename(source.configMap);
      }
      for (const container of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
        for (const from of container.envFrom ?? []) rename(from.configMapRef);
        for (const env of container.env ?? []) rename(env.valueFrom?.configMapKeyRef);
      }
    }
  }
}

interface PodSpec {
  volumes?: {
    configMap?: { name?: unknown };
    projected?: { sources?: { configMap?: { name?: unknown } }[] };
  }[];
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
}
interface ContainerSpec {
  envFrom?: { configMapRef?: { name?: unknown } }[];
  env?: { valueFrom?: { configMapKeyRef?: { name?: unknown } } }[];
}

function podSpecOf(object: KubeObject): PodSpec | undefined {
  const spec = object.spec as { template?: { spec?: PodSpec } } | undefined;
  if (object.kind === "Pod") return object.spec as PodSpec | undefined;
  return spec?.template?.spec;
}

function accumulate(kustomization: Kustomization, dir: string, acc: Accumulator): void {
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if (existsSync(path) && statSync(path).isDirectory()) {
      // A directory is a kustomization of its own, built on its own, then added.
      const inner = new Accumulator();
      accumulate(loadKustomization(path, "Kustomization"), path, inner);
      acc.absorb(inner, entry);
    } else {
      for (const object of readObjects(fileWithin(dir, entry))) acc.add(object, entry);
    }
  }
  // A component works on everything gathered so far, as part of this kustomization.
  for (const entry of kustomization.components ?? [])
    accumulate(loadKustomization(resolve(dir, entry), "Component"), resolve(dir, entry), acc);
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const file of generator.files) data[basename(file)] = readFileSync(fileWithin(dir, file), "utf8");
    const name = `${generator.name}-${configMapHash(data)}`;
    acc.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }, "configMapGenerator");
    acc.generated.set(generator.name, name);
  }
  for (const patch of kustomization.patches ?? []) applyPatch(patch, dir, acc);
}

function applyPatch(patch: Patch, dir: string, acc: Accumulator): void {
  const text = patch.path === undefined ? patch.patch : readFileSync(fileWithin(dir, patch.path), "utf8");
  const operations = parseYaml(text ?? "") as unknown;
  const where = patch.path ?? "inline patch";
  if (!Array.isArray(operations))
    throw new KustomizeError(`${where}: only JSON patches (a list of operations) are implemented here`);
  const { group, version, kind, name } = patch.target;
  const matches = acc.objects.filter(
    (o) =>
      (group === undefined || groupOf(o.apiVersion) === group) &&
      (version === undefined || versionOf(o.apiVersion) === version) &&
      (kind === undefined || o.kind === kind) &&
      (name === undefined || o.metadata.name === name),
  );
  if (matches.length === 0) throw new KustomizeError(`${where}: the target matches no resource`);
  for (const object of matches) {
    const index = acc.objects.indexOf(object);
    try {
      acc.objects[index] = jsonPatch.applyPatch(
        structuredClone(object),
        operations as Operation[],
        true,
        false,
      ).newDocument as KubeObject;
    } catch (error) {
      throw new KustomizeError(
        `${where} on ${object.kind}/${object.metadata.name}: ${(error as Error).message}`,
      );
    }
  }
}

function loadKustomization(dir: string, kind: Kustomization["kind"]): Kustomization {
  const file = join(dir, "kustomization.yaml");
  if (!existsSync(file)) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  return checkKustomization(parseYaml(readFileSync(file, "utf8")), file, kind);
}

function checkKustomization(data: unknown, source: string, kind: Kustomization["kind"]): Kustomization {
  const k = (data ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw new KustomizeError(`${source}: not implemented here: ${unknown.join(", ")}`);
  if (k.kind !== kind || k.apiVersion !== API_VERSIONS[kind])
    throw new KustomizeError(
      `${source}: expected ${API_VERSIONS[kind]} ${kind}, got ${k.apiVersion} ${k.kind}`,
    );
  for (const generator of (k.configMapGenerator ?? []) as Record<string, unknown>[]) {
    const extra = Object.keys(generator).filter((key) => key !== "name" && key !== "files");
    if (extra.length > 0) throw new KustomizeError(`${source}: configMapGenerator ${extra.join(", ")}`);
  }
  for (const patch of (k.patches ?? []) as Record<string, unknown>[]) {
    const extra = Object.keys(patch).filter((key) => !["path", "patch", "target"].includes(key));
    const target = (patch.target ?? {}) as Record<string, unknown>;
    extra.push(...Object.keys(target).filter((key) => !["group", "version", "kind", "name"].includes(key)));
    if (extra.length > 0 || patch.target === undefined)
      throw new KustomizeError(`${source}: patches need a target of group, version, kind, name (${extra})`);
  }
  return k as unknown as Kustomization;
}

/** Kustomize's load restriction: a file must lie inside the kustomization's directory. */
function fileWithin(dir: string, entry: string): string {
  const path = resolve(dir, entry);
  const inside = relative(dir, path);
  if (isAbsolute(entry) || inside.startsWith("..") || isAbsolute(inside))
    throw new KustomizeError(`${entry}: a file outside ${dir} may not be loaded`);
  if (!existsSync(path)) throw new KustomizeError(`${entry}: no such file in ${dir}`);
  return path;
}

function readObjects(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((doc) => {
      if (doc.errors.length > 0) throw new KustomizeError(`${path}: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
}

function versionOf(apiVersion: string): string {
  return apiVersion.split("/").at(-1) ?? "";
}

/**
 * Kustomize's name suffix for a generated ConfigMap (api/hasher): the SHA-256 of Go's JSON encoding of
 * kind, name and data, its first ten hex digits with 0, 1, 3, a, e replaced. Kustomize looks the name
 * up by a path it does not resolve, so the name it hashes is always "".
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  // Go's encoding/json escapes <, >, & and the two line separators; JSON.stringify does not.
  const json = JSON.stringify({ data: sorted, kind: "ConfigMap", name: "" }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const replacements: Record<string, string> = { "0": "g", "1": "h", "3": "k", a: "m", e: "t" };
  return createHash("sha256")
    .update(json)
    .digest("hex")
    .slice(0, 10)
    .replace(/[013ae]/g, (c) => replacements[c] ?? c);
}
