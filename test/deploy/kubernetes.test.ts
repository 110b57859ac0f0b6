import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative, resolve } from "node:path";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, PersistentVolumeClaim, Service } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CONFIG_VARIABLES, FILE_VARIABLES, loadConfig, slackProblems } from "../../src/app/config.js";
import { createCatalogue } from "../../src/catalogue/index.js";
import { knownOperationIds } from "../../src/catalogue/parse.js";
import { conditionKeysOf, parsePolicy } from "../../src/core/policy/policy-file.js";
import { imageUser, readDockerfile, type Stage } from "./image.js";
import { type KubeObject, KustomizeError, kustomizeBuild, kustomizeBuildFrom } from "./kustomize.js";

/**
 * deploy/kubernetes, rendered in-process the way `kustomize build` would (./kustomize.ts), each object
 * validated against the Kubernetes (and Prometheus Operator) schemas, then checked for what the bot
 * needs: the rules live in the *Problems functions, run on the real renders and on broken copies.
 * Nothing is applied to a cluster here.
 */

const ROOT = "deploy/kubernetes";
const IMAGE_USER = imageUser(readDockerfile().at(-1) as Stage);
const SECRET_VARIABLES = new Set<string>(FILE_VARIABLES);
const KNOWN_VARIABLES = new Set([...CONFIG_VARIABLES, ...FILE_VARIABLES.map((name) => `${name}_FILE`)]);

const render = (resources: string[], components: string[] = []): KubeObject[] =>
  kustomizeBuildFrom(
    { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, components },
    ROOT,
  );

// --- the schemas -------------------------------------------------------------------------------

type Validating = new (data: never) => { validate(): void };
const MODELS: Record<string, Validating> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function validate(object: KubeObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) throw new Error(`no schema here for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
  if (!DNS_LABEL.test(object.metadata.name) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(object.metadata.name))
    throw new Error(`${object.kind} ${object.metadata.name}: not a valid name`);
}

// --- reading the rendered objects --------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string }; [source: string]: unknown };
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { drop?: string[] };
  };
}
interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string; items?: unknown[] };
  secret?: { secretName: string; items?: unknown[] };
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
  containers: Container[];
  volumes?: Volume[];
}
interface DeploymentSpec {
  replicas?: number;
  strategy?: {
    type?: string;
    rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
  };
  selector: { matchLabels?: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
}

const ofKind = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const specOf = <T>(object: KubeObject | undefined) => object?.spec as T | undefined;

function theDeployment(objects: readonly KubeObject[]) {
  const [deployment, ...others] = ofKind(objects, "Deployment");
  if (deployment === undefined || others.length > 0) throw new Error("expected exactly one Deployment");
  const spec = specOf<DeploymentSpec>(deployment) as DeploymentSpec;
  const container = spec.template.spec.containers.find((c) => c.name === "opsbot");
  if (container === undefined) throw new Error("no container named opsbot");
  const env = new Map((container.env ?? []).map((e) => [e.name, e]));
  return { deployment, spec, pod: spec.template.spec, container, env };
}

/** The volume mounted at the folder of `path` (or at `path` itself with a subPath), and the file's name in it. */
function mountOf(pod: PodSpec, container: Container, path: string) {
  for (const mount of container.volumeMounts ?? []) {
    const file = mount.subPath === undefined ? posix.relative(mount.mountPath, path) : undefined;
    const found = mount.subPath !== undefined ? mount.mountPath === path : file === posix.basename(path);
    if (!found) continue;
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    return { mount, volume, key: mount.subPath ?? (file as string) };
  }
  return undefined;
}

/** A container port by number or by name. */
function portNumber(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const isSubset = (labels: Record<string, string> | undefined, of: Record<string, string> | undefined) =>
  labels !== undefined &&
  Object.keys(labels).length > 0 &&
  Object.entries(labels).every(([key, value]) => of?.[key] === value);

// --- the rules ---------------------------------------------------------------------------------

const POLICY_OPTIONS = {
  knownOperations: knownOperationIds(createCatalogue()),
  conditionKeys: conditionKeysOf(createCatalogue().operations),
};

function commonProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects)
    try {
      validate(object);
    } catch (error) {
      problems.push(`${object.kind} ${object.metadata.name} is invalid: ${(error as Error).message}`);
    }
  const { spec, pod, container, env } = theDeployment(objects);
  const podLabels = spec.template.metadata?.labels;
  if (!isSubset(spec.selector.matchLabels, podLabels)) problems.push("the selector does not match the pods");

  // The port the bot listens on, and what probes and the Service point at.
  const port = Number(env.get("PORT")?.value ?? loadConfig({}).slack.port);
  if (!container.ports?.some((p) => p.containerPort === port))
    problems.push(`PORT ${port} is not a container port`);
  for (const [probe, path] of [
    ["livenessProbe", "/healthz"],
    ["readinessProbe", "/readyz"],
  ] as const) {
    const get = container[probe]?.httpGet;
    if (get?.path !== path) problems.push(`${probe} asks ${get?.path}, not ${path}`);
    if (portNumber(container, get?.port) !== port)
      problems.push(`${probe} asks port ${get?.port}, not ${port}`);
  }
  const startup = container.startupProbe?.httpGet;
  if (startup && (startup.path !== "/healthz" || portNumber(container, startup.port) !== port))
    problems.push("startupProbe does not ask /healthz on PORT");
  const services = ofKind(objects, "Service");
  if (services.length === 0) problems.push("no Service");
  for (const service of services) {
    const s = specOf<{ selector?: Record<string, string>; ports: { targetPort?: number | string }[] }>(
      service,
    );
    if (!isSubset(s?.selector, podLabels)) problems.push(`Service ${service.metadata.name} selects no pod`);
    for (const p of s?.ports ?? [])
      if (portNumber(container, p.targetPort) !== port)
        problems.push(`Service ${service.metadata.name} targets port ${p.targetPort}, not ${port}`);
  }

  // SIGTERM drains within OPSBOT_SHUTDOWN_GRACE_MS; the kill must come later, with room to close.
  const grace = Number(env.get("OPSBOT_SHUTDOWN_GRACE_MS")?.value);
  if (!Number.isInteger(grace)) problems.push("OPSBOT_SHUTDOWN_GRACE_MS is not set");
  else if ((pod.terminationGracePeriodSeconds ?? 30) * 1000 < grace + 5_000)
    problems.push(
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} leaves no room after ${grace} ms`,
    );

  // The image's user, no root, nothing written outside the volumes.
  const security = pod.securityContext;
  if (security?.runAsNonRoot !== true) problems.push("runAsNonRoot is not set");
  if (security?.runAsUser !== IMAGE_USER?.uid || security?.runAsGroup !== IMAGE_USER?.gid)
    problems.push(`runs as ${security?.runAsUser}:${security?.runAsGroup}, not the image's user`);
  const containerSecurity = container.securityContext;
  if (containerSecurity?.readOnlyRootFilesystem !== true) problems.push("the root file system is writable");
  if (containerSecurity?.allowPrivilegeEscalation !== false) problems.push("privilege escalation is allowed");
  if (!containerSecurity?.capabilities?.drop?.includes("ALL")) problems.push("capabilities are not dropped");
  if (containerSecurity?.runAsUser === 0 || containerSecurity?.runAsNonRoot === false)
    problems.push("the container overrides the pod's user with root");
  const tmp = container.volumeMounts?.find((m) => m.mountPath === "/tmp");
  if (!pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir) problems.push("/tmp is no emptyDir");
  if (!container.resources?.requests?.memory || !container.resources?.requests?.cpu)
    problems.push("no resource requests");
  if (!container.resources?.limits?.memory) problems.push("no memory limit");

  // The permissions file: OPSBOT_CONFIG names a key of a ConfigMap that is mounted there, and parses.
  const configPath = env.get("OPSBOT_CONFIG")?.value;
  const config = configPath === undefined ? undefined : mountOf(pod, container, configPath);
  const configMap = ofKind(objects, "ConfigMap").find(
    (c) => c.metadata.name === config?.volume?.configMap?.name,
  );
  const policy = (configMap?.data as Record<string, string> | undefined)?.[config?.key ?? ""];
  if (configPath === undefined) problems.push("OPSBOT_CONFIG is not set");
  else if (policy === undefined)
    problems.push(`no ConfigMap key is mounted at OPSBOT_CONFIG (${configPath})`);
  else
    try {
      parsePolicy(policy, { source: configPath, ...POLICY_OPTIONS });
    } catch (error) {
      problems.push(`the permissions file is refused: ${(error as Error).message}`);
    }

  // Secrets: referenced, never written here.
  if (ofKind(objects, "Secret").length > 0) problems.push("a Secret is part of the manifests");
  for (const [name, variable] of env) {
    if (!KNOWN_VARIABLES.has(name)) problems.push(`${name} is no variable opsbot reads`);
    if (SECRET_VARIABLES.has(name) && variable.value !== undefined)
      problems.push(`${name} is written inline`);
    if (name.endsWith("_FILE")) {
      const mount = mountOf(pod, container, variable.value ?? "");
      if (!mount?.volume?.secret) problems.push(`${name} points at ${variable.value}, in no mounted Secret`);
    }
  }
  const text = JSON.stringify(objects);
  if (/\b(xox[abp]|xapp)-[A-Za-z0-9]/.test(text)) problems.push("a Slack token is written in the manifests");
  return problems;
}

function sqliteProblems(objects: readonly KubeObject[]): string[] {
  const { spec, pod, container, env } = theDeployment(objects);
  const problems: string[] = [];
  if (spec.replicas !== 1) problems.push(`${spec.replicas} replicas: SQLite takes one`);
  if (spec.strategy?.type !== "Recreate") problems.push(`strategy ${spec.strategy?.type}, not Recreate`);
  if (ofKind(objects, "PodDisruptionBudget").length > 0)
    problems.push("a PodDisruptionBudget for one replica");
  const db = env.get("OPSBOT_DB")?.value;
  if (db === undefined || !posix.isAbsolute(db)) problems.push(`OPSBOT_DB is ${db}, not an absolute path`);
  const mount = db === undefined ? undefined : mountOf(pod, container, db);
  const claim = mount?.volume?.persistentVolumeClaim?.claimName;
  const pvc = ofKind(objects, "PersistentVolumeClaim").find((p) => p.metadata.name === claim);
  const pvcSpec = specOf<{ accessModes?: string[]; resources?: { requests?: { storage?: string } } }>(pvc);
  if (!pvc || mount?.mount.subPath !== undefined)
    problems.push(`OPSBOT_DB's folder is not a PersistentVolumeClaim of its own`);
  else {
    if (JSON.stringify(pvcSpec?.accessModes) !== JSON.stringify(["ReadWriteOnce"]))
      problems.push(`the volume is ${pvcSpec?.accessModes}, not ReadWriteOnce`);
    if (!pvcSpec?.resources?.requests?.storage) problems.push("the volume asks no storage size");
    if (mount?.mount.readOnly) problems.push("the volume is mounted read-only");
  }
  if (env.has("OPSBOT_DATABASE_URL") || env.has("OPSBOT_DATABASE_URL_FILE"))
    problems.push("OPSBOT_DATABASE_URL is set");
  return problems;
}

function postgresProblems(objects: readonly KubeObject[]): string[] {
  const { spec, pod, container, env } = theDeployment(objects);
  const problems: string[] = [];
  const replicas = spec.replicas ?? 1;
  if (replicas < 2) problems.push(`${replicas} replica(s), not several`);
  const rolling = spec.strategy?.rollingUpdate;
  if (spec.strategy?.type !== "RollingUpdate" || rolling?.maxUnavailable !== 0 || rolling?.maxSurge !== 1)
    problems.push(
      `strategy ${JSON.stringify(spec.strategy)}, not a rolling update of maxUnavailable 0, maxSurge 1`,
    );
  const budgets = ofKind(objects, "PodDisruptionBudget");
  if (budgets.length !== 1) problems.push(`${budgets.length} PodDisruptionBudgets, not one`);
  for (const budget of budgets) {
    const b = specOf<{
      selector?: { matchLabels?: Record<string, string> };
      minAvailable?: number;
      maxUnavailable?: number;
    }>(budget);
    if (!isSubset(b?.selector?.matchLabels, spec.template.metadata?.labels))
      problems.push("the PodDisruptionBudget selects no opsbot pod");
    const allowed = b?.maxUnavailable ?? replicas - (b?.minAvailable ?? replicas);
    if (allowed < 1 || allowed >= replicas)
      problems.push(`the PodDisruptionBudget lets ${allowed} of ${replicas} replicas go at once`);
  }
  if (ofKind(objects, "PersistentVolumeClaim").length > 0) problems.push("a PersistentVolumeClaim");
  if (pod.volumes?.some((v) => v.persistentVolumeClaim)) problems.push("a volume claim in the pods");
  if (env.has("OPSBOT_DB")) problems.push("OPSBOT_DB is set");
  // The URL may carry a password: it comes from the Secret, as a mounted file or a secretKeyRef.
  const inline = env.get("OPSBOT_DATABASE_URL");
  const file = env.get("OPSBOT_DATABASE_URL_FILE")?.value;
  const mounted = file === undefined ? undefined : mountOf(pod, container, file);
  const fromSecret = inline
    ? inline.value === undefined && !!inline.valueFrom?.secretKeyRef?.key
    : mounted?.volume?.secret !== undefined;
  if (!fromSecret) problems.push("OPSBOT_DATABASE_URL is not from a Secret");
  return problems;
}

/** The configuration the pod's environment gives the bot, with made-up secrets in the mounted files. */
function configOf(objects: readonly KubeObject[], dir: string) {
  const { pod, container } = theDeployment(objects);
  const env: Record<string, string> = {};
  const fakes: Record<string, string> = {
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_APP_TOKEN: "xapp-test",
    OPSBOT_DATABASE_URL: "postgres://opsbot:made-up@db.example:5432/opsbot",
  };
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) continue;
    const mount = variable.name.endsWith("_FILE") ? mountOf(pod, container, variable.value) : undefined;
    if (mount === undefined) env[variable.name] = variable.value;
    else {
      const file = join(dir, `${variable.name}`);
      writeFileSync(file, `${fakes[mount.key] ?? "made-up-secret"}\n`);
      env[variable.name] = file;
    }
  }
  return loadConfig(env);
}

// --- the tests ---------------------------------------------------------------------------------

const SHAPES = {
  sqlite: { dir: `${ROOT}/overlays/sqlite`, problems: sqliteProblems },
  postgres: { dir: `${ROOT}/overlays/postgres`, problems: postgresProblems },
} as const;
const scratch = mkdtempSync(join(tmpdir(), "opsbot-kubernetes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(Object.entries(SHAPES))("overlays/%s", (shape, { dir, problems }) => {
  const objects = kustomizeBuild(dir);

  it("renders objects that the Kubernetes schemas accept and that run the bot as it needs", () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      shape === "sqlite"
        ? ["ConfigMap", "Deployment", "PersistentVolumeClaim", "Service"]
        : ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"],
    );
    expect(commonProblems(objects)).toEqual([]);
    expect(problems(objects)).toEqual([]);
  });

  it("gives the bot a configuration it starts with, in Socket Mode", () => {
    const config = configOf(objects, mkdtempSync(join(scratch, `${shape}-`)));
    const { env } = theDeployment(objects);
    expect(slackProblems(config.slack)).toEqual([]);
    expect(config.slack.appToken?.reveal()).toBe("xapp-test");
    expect(config.policyFile).toBe("/etc/opsbot/opsbot.yml");
    expect(config.shutdownGraceMs).toBe(Number(env.get("OPSBOT_SHUTDOWN_GRACE_MS")?.value));
    if (shape === "sqlite") expect(config.databasePath).toBe("/var/lib/opsbot/opsbot.db");
    else expect(config.database?.url.reveal()).toMatch(/^postgres:\/\//);
  });

  it("takes the ServiceMonitor component: /metrics with the token opsbot checks", () => {
    const withMonitor = render([relative(ROOT, dir)], ["components/servicemonitor"]);
    expect(commonProblems(withMonitor)).toEqual([]);
    expect(problems(withMonitor)).toEqual([]);
    const [monitor] = ofKind(withMonitor, "ServiceMonitor");
    const [service] = ofKind(withMonitor, "Service");
    const m = specOf<{
      selector: { matchLabels: Record<string, string> };
      endpoints: {
        port: string;
        path: string;
        authorization: { type: string; credentials: { name: string; key: string } };
      }[];
    }>(monitor);
    expect(isSubset(m?.selector.matchLabels, service?.metadata.labels)).toBe(true);
    const [endpoint] = m?.endpoints ?? [];
    const ports = specOf<{ ports: { name: string }[] }>(service)?.ports.map((p) => p.name);
    expect(ports).toContain(endpoint?.port);
    expect(endpoint?.path).toBe("/metrics");
    expect(endpoint?.authorization.type).toBe("Bearer");
    // opsbot reads the token from the same Secret key that Prometheus sends.
    const { pod, container, env } = theDeployment(withMonitor);
    const mount = mountOf(pod, container, env.get("OPSBOT_METRICS_TOKEN_FILE")?.value ?? "");
    expect(mount?.volume?.secret?.secretName).toBe(endpoint?.authorization.credentials.name);
    expect(mount?.key).toBe(endpoint?.authorization.credentials.key);
    expect(configOf(withMonitor, mkdtempSync(join(scratch, `${shape}-`))).metricsToken).toBeDefined();
  });

  it("takes the HTTP-mode component: the signing secret instead of the app token", () => {
    const http = render([relative(ROOT, dir)], ["components/http-mode"]);
    expect(commonProblems(http)).toEqual([]);
    expect(problems(http)).toEqual([]);
    const config = configOf(http, mkdtempSync(join(scratch, `${shape}-`)));
    expect(config.slack.appToken).toBeUndefined();
    expect(config.slack.signingSecret).toBeDefined();
    expect(slackProblems(config.slack)).toEqual([]);
  });
});

describe("the checks", () => {
  const sqlite = () => kustomizeBuild(SHAPES.sqlite.dir);
  const postgres = () => kustomizeBuild(SHAPES.postgres.dir);

  it("reject what the Kubernetes schemas reject", () => {
    const objects = sqlite();
    const { deployment } = theDeployment(objects);
    const noName = structuredClone(deployment);
    (noName.spec as DeploymentSpec).template.spec.containers[0] = { image: "opsbot" } as never;
    expect(() => validate(noName)).toThrow(/containers\/0 must have required property name/);
    expect(() => validate({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } })).toThrow(
      /no schema/,
    );
    (deployment.spec as { replicas: unknown }).replicas = "one";
    expect(() => validate(deployment)).toThrow(/replicas must be integer/);
    expect(commonProblems(objects)).toEqual([
      expect.stringMatching(/^Deployment opsbot is invalid: .*replicas must be integer/),
    ]);
  });

  it.each([
    [
      "the grace period",
      (o: KubeObject[]) => (theDeployment(o).pod.terminationGracePeriodSeconds = 20),
      "no room",
    ],
    ["root", (o: KubeObject[]) => (theDeployment(o).pod.securityContext = { runAsUser: 0 }), "runAsNonRoot"],
    [
      "another user",
      (o: KubeObject[]) => ((theDeployment(o).pod.securityContext ?? {}).runAsUser = 1000),
      "not the image's user",
    ],
    [
      "the liveness path",
      (o: KubeObject[]) =>
        ((theDeployment(o).container.livenessProbe ?? {}).httpGet = { path: "/health", port: "http" }),
      "livenessProbe asks /health",
    ],
    [
      "the readiness port",
      (o: KubeObject[]) =>
        ((theDeployment(o).container.readinessProbe ?? {}).httpGet = { path: "/readyz", port: 8080 }),
      "readinessProbe asks port 8080",
    ],
    [
      "an inline token",
      (o: KubeObject[]) =>
        theDeployment(o).container.env?.push({ name: "SLACK_BOT_TOKEN", value: "xoxb-1-2" }),
      "SLACK_BOT_TOKEN is written inline",
    ],
    [
      "a misspelt variable",
      (o: KubeObject[]) =>
        theDeployment(o).container.env?.push({ name: "OPSBOT_SHUTDOWN_GRACE", value: "1" }),
      "no variable opsbot reads",
    ],
    [
      "an unmounted file",
      (o: KubeObject[]) =>
        theDeployment(o).container.env?.push({ name: "CALYPTIA_API_TOKEN_FILE", value: "/etc/token" }),
      "in no mounted Secret",
    ],
    [
      "the permissions path",
      (o: KubeObject[]) => ((theDeployment(o).env.get("OPSBOT_CONFIG") as EnvVar).value = "/etc/opsbot.yml"),
      "no ConfigMap key",
    ],
    [
      "a writable root",
      (o: KubeObject[]) =>
        ((theDeployment(o).container.securityContext ?? {}).readOnlyRootFilesystem = false),
      "writable",
    ],
  ])("notice %s", (_label, breakIt, problem) => {
    const objects = sqlite();
    breakIt(objects);
    expect(commonProblems(objects).join("\n")).toContain(problem);
  });

  it("notice a permissions file the bot would refuse", () => {
    const objects = sqlite();
    const [configMap] = ofKind(objects, "ConfigMap");
    (configMap?.data as Record<string, string>)["opsbot.yml"] =
      "grants:\n  - { role: nobody, to: { everyone: true } }\n";
    expect(commonProblems(objects).join("\n")).toContain("the permissions file is refused");
  });

  it.each([
    ["two replicas", (o: KubeObject[]) => (theDeployment(o).spec.replicas = 2), "SQLite takes one"],
    [
      "a rolling update",
      (o: KubeObject[]) => (theDeployment(o).spec.strategy = { type: "RollingUpdate" }),
      "not Recreate",
    ],
    [
      "a shared volume",
      (o: KubeObject[]) =>
        ((
          specOf<{ accessModes: string[] }>(ofKind(o, "PersistentVolumeClaim")[0]) as {
            accessModes: string[];
          }
        ).accessModes = ["ReadWriteMany"]),
      "not ReadWriteOnce",
    ],
    [
      "the store elsewhere",
      (o: KubeObject[]) => ((theDeployment(o).env.get("OPSBOT_DB") as EnvVar).value = "/app/data/opsbot.db"),
      "not a PersistentVolumeClaim",
    ],
  ])("notice a sqlite shape with %s", (_label, breakIt, problem) => {
    const objects = sqlite();
    breakIt(objects);
    expect(sqliteProblems(objects).join("\n")).toContain(problem);
  });

  it.each([
    ["one replica", (o: KubeObject[]) => (theDeployment(o).spec.replicas = 1), "not several"],
    [
      "an unavailable surge",
      (o: KubeObject[]) =>
        (theDeployment(o).spec.strategy = {
          type: "RollingUpdate",
          rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
        }),
      "not a rolling update",
    ],
    [
      "a budget for other pods",
      (o: KubeObject[]) =>
        ((
          specOf<{ selector: object }>(ofKind(o, "PodDisruptionBudget")[0]) as { selector: object }
        ).selector = { matchLabels: { app: "other" } }),
      "selects no opsbot pod",
    ],
    [
      "a budget that blocks drains",
      (o: KubeObject[]) =>
        ((
          specOf<{ maxUnavailable?: number; minAvailable?: number }>(ofKind(o, "PodDisruptionBudget")[0]) as {
            maxUnavailable?: number;
            minAvailable?: number;
          }
        ).maxUnavailable = 0),
      "lets 0 of 3",
    ],
    [
      "an inline URL",
      (o: KubeObject[]) => {
        const url = theDeployment(o).env.get("OPSBOT_DATABASE_URL_FILE") as EnvVar;
        url.name = "OPSBOT_DATABASE_URL";
        url.value = "postgres://opsbot:password@db/opsbot";
      },
      "not from a Secret",
    ],
  ])("notice a postgres shape with %s", (_label, breakIt, problem) => {
    const objects = postgres();
    breakIt(objects);
    expect(postgresProblems(objects).join("\n")).toContain(problem);
  });
});

describe("the in-process kustomize", () => {
  const kustomization = (extra: Record<string, unknown>) => ({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    ...extra,
  });

  it("refuses what it does not implement instead of ignoring it", () => {
    expect(() => kustomizeBuildFrom(kustomization({ resources: ["base"], namePrefix: "x-" }), ROOT)).toThrow(
      /not implemented here: namePrefix/,
    );
    const strategicMerge = { target: { kind: "Deployment", name: "opsbot" }, patch: "spec: { replicas: 2 }" };
    expect(() =>
      kustomizeBuildFrom(kustomization({ resources: ["base"], patches: [strategicMerge] }), ROOT),
    ).toThrow(/only JSON patches/);
  });

  it("fails like kustomize on a failed test op, a duplicate, a component as a resource, a file outside", () => {
    const failedTest = {
      target: { kind: "Deployment", name: "opsbot" },
      patch: "- { op: test, path: /spec/template/spec/containers/0/name, value: other }",
    };
    expect(() =>
      kustomizeBuildFrom(kustomization({ resources: ["base"], patches: [failedTest] }), ROOT),
    ).toThrow(KustomizeError);
    expect(() => kustomizeBuildFrom(kustomization({ resources: ["base", "overlays/sqlite"] }), ROOT)).toThrow(
      /already registered id/,
    );
    expect(() => kustomizeBuildFrom(kustomization({ resources: ["components/http-mode"] }), ROOT)).toThrow(
      /expected kustomize.config.k8s.io\/v1beta1 Kustomization/,
    );
    expect(() => kustomizeBuildFrom(kustomization({ resources: ["../README.md"] }), ROOT)).toThrow(/outside/);
  });

  it("is stricter than kustomize about a patch that matches nothing", () => {
    const nowhere = {
      target: { kind: "Deployment", name: "renamed" },
      patch: "- { op: remove, path: /spec }",
    };
    expect(() =>
      kustomizeBuildFrom(kustomization({ resources: ["base"], patches: [nowhere] }), ROOT),
    ).toThrow(/matches no resource/);
  });

  it("names a generated ConfigMap by its content, and points the pods at that name", () => {
    const [configMap] = ofKind(kustomizeBuild(`${ROOT}/base`), "ConfigMap");
    expect(configMap?.metadata.name).toMatch(/^opsbot-config-[a-z0-9]{10}$/);
    const { pod } = theDeployment(kustomizeBuild(`${ROOT}/base`));
    expect(pod.volumes?.find((v) => v.name === "config")?.configMap?.name).toBe(configMap?.metadata.name);
  });
});

/**
 * With a kustomize or kubectl binary on PATH, the in-process build is compared with the real one,
 * object for object (generated names included); without one, these are skipped.
 */
const KUSTOMIZE = [
  { build: ["kustomize", "build"], version: ["kustomize", "version"] },
  { build: ["kubectl", "kustomize"], version: ["kubectl", "version", "--client"] },
].find(
  ({ version: [command, ...args] }) => spawnSync(command as string, args, { stdio: "ignore" }).status === 0,
)?.build;

describe.skipIf(KUSTOMIZE === undefined)("against the real kustomize", () => {
  const real = (dir: string): KubeObject[] => {
    const [command, ...args] = KUSTOMIZE as string[];
    const out = spawnSync(command as string, [...args, dir], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(out.stderr);
    return parseAllDocuments(out.stdout).map((d) => d.toJS() as KubeObject);
  };
  const sorted = (objects: KubeObject[]) =>
    [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

  it.each([
    ["overlays/sqlite", []],
    ["overlays/postgres", []],
    ["overlays/sqlite", ["components/servicemonitor", "components/http-mode"]],
    ["overlays/postgres", ["components/servicemonitor"]],
  ])("builds %s (components: %j) the same", (overlay, components) => {
    const dir = mkdtempSync(join(scratch, "real-"));
    const up = relative(dir, resolve(ROOT));
    const k = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [`${up}/${overlay}`],
      components: components.map((c) => `${up}/${c}`),
    };
    writeFileSync(join(dir, "kustomization.yaml"), JSON.stringify(k));
    expect(sorted(kustomizeBuild(dir))).toEqual(sorted(real(dir)));
  });
});
