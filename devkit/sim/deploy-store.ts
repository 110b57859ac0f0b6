import { randomUUID } from "node:crypto";
import { DEPLOY_SEED, jobManifest, manifestName, pipelineManifest, serviceManifest } from "./deploy-data.js";
import { phaseAt } from "./http.js";

/** The Deploy API simulator's in-memory state and how its objects move through their states. */

export type Kind = "job" | "cronjob" | "deployment" | "service";
export type Status = "pending" | "running" | "succeeded" | "failed" | "killed";

export interface Task {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly kind: Kind;
  readonly repository: string;
  readonly directory: string;
  readonly branch: string;
  readonly schedule: string;
  readonly createdAt: number;
  /** Set when the repository or directory contains "fail": the task ends `failed`. */
  readonly failing: boolean;
  /** The identity that deployed it (audit). */
  readonly deployedBy: string;
}

export interface Pipeline {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly repository: string;
  readonly directory: string;
  readonly branch: string;
  readonly createdAt: number;
  readonly failing: boolean;
  readonly deployedBy: string;
  killedAt?: number;
  killedBy?: string;
}

export interface Load {
  readonly id: string;
  readonly kind: "task" | "pipeline";
  readonly repository: string;
  readonly directory: string;
  readonly createdAt: number;
}

const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export class DeployStore {
  readonly namespaces = new Set<string>();
  readonly tasks = new Map<string, Task>();
  readonly pipelines = new Map<string, Pipeline>();
  readonly loads = new Map<string, Load>();

  constructor(
    private readonly now: () => number,
    private readonly settleMs: number,
    /** How long a pipeline run runs once started; a task's settle time unless told otherwise. */
    private readonly pipelineMs: number = settleMs,
  ) {
    this.reset();
  }

  /** Back to the seeded state: two namespaces, a finished job, a cronjob, a service, a pipeline. */
  reset(): void {
    for (const store of [this.namespaces, this.tasks, this.pipelines, this.loads]) store.clear();
    for (const ns of DEPLOY_SEED.namespaces) this.namespaces.add(ns);
    const createdAt = this.now() - 10 * Math.max(this.settleMs, this.pipelineMs);
    const base = { branch: "master", createdAt, failing: false, deployedBy: DEPLOY_SEED.deployedBy };
    const { job, cronJob, service, pipeline } = DEPLOY_SEED;
    this.#putTask({ ...base, ...job, kind: "job", directory: "reports/nightly", schedule: "" });
    this.#putTask({ ...base, ...cronJob, kind: "cronjob", repository: "analytics", directory: "sync" });
    this.#putTask({ ...base, ...service, kind: "service", directory: "service_example", schedule: "" });
    this.pipelines.set(pipeline.id, { ...base, ...pipeline, directory: "pipelines/etl" });
  }

  /** Deploys a task, replacing one of the same kind and name in the namespace (like `kubectl apply`). */
  addTask(fields: Omit<Task, "id" | "createdAt">): Task {
    const task: Task = { ...fields, id: newId("task"), createdAt: this.now() };
    this.#putTask(task);
    return task;
  }

  #putTask(task: Task): void {
    this.namespaces.add(task.namespace);
    // A service comes with its deployment (same name), as the seed's delete route implies.
    const kinds: Kind[] = task.kind === "service" ? ["service", "deployment"] : [task.kind];
    for (const kind of kinds) {
      const old = this.findTask(task.namespace, kind, task.name);
      if (old) this.tasks.delete(old.id);
    }
    this.tasks.set(task.id, task);
    if (task.kind === "service") {
      const id = `${task.id}-deployment`;
      this.tasks.set(id, { ...task, id, kind: "deployment" });
    }
  }

  findTask(namespace: string, kind: Kind, name: string): Task | undefined {
    for (const t of this.tasks.values())
      if (t.namespace === namespace && t.kind === kind && t.name === name) return t;
    return undefined;
  }

  /** Deletes a task; deleting a service also deletes its deployment. False when there is none. */
  deleteTask(namespace: string, kind: Kind, name: string): boolean {
    const task = this.findTask(namespace, kind, name);
    if (!task) return false;
    this.tasks.delete(task.id);
    if (kind === "service") {
      const deployment = this.findTask(namespace, "deployment", name);
      if (deployment) this.tasks.delete(deployment.id);
    }
    return true;
  }

  addPipeline(fields: Omit<Pipeline, "id" | "createdAt">): Pipeline {
    const pipeline: Pipeline = { ...fields, id: newId("pipeline"), createdAt: this.now() };
    this.namespaces.add(pipeline.namespace);
    this.pipelines.set(pipeline.id, pipeline);
    return pipeline;
  }

  addLoad(fields: Omit<Load, "id" | "createdAt">): Load {
    const load: Load = { ...fields, id: newId("work"), createdAt: this.now() };
    this.loads.set(load.id, load);
    return load;
  }

  #progress(createdAt: number, failing: boolean, done: Status, totalMs = this.settleMs): Status {
    const runningAfter = Math.min(this.settleMs, totalMs) / 3;
    return phaseAt(this.now() - createdAt, [
      { state: "pending", afterMs: 0 },
      { state: "running", afterMs: runningAfter },
      { state: failing ? "failed" : done, afterMs: totalMs },
    ]);
  }

  /** Jobs finish (`succeeded`); cronjobs, deployments and services stay `running` once up. */
  taskStatus(task: Task): Status {
    return this.#progress(task.createdAt, task.failing, task.kind === "job" ? "succeeded" : "running");
  }

  pipelineStatus(pipeline: Pipeline): Status {
    if (pipeline.killedAt !== undefined) return "killed";
    return this.#progress(pipeline.createdAt, pipeline.failing, "succeeded", this.pipelineMs);
  }

  /** Pending for half the settle time; then the file "found in git", or an error for "broken" folders. */
  loadingState(load: Load): Record<string, unknown> {
    const work_id = load.id;
    if (this.now() - load.createdAt < this.settleMs / 2) return { work_id, state: "pending" };
    const file = load.kind === "task" ? "manifest.json" : "pipeline.json";
    const where = `${load.repository}/${load.directory}`;
    if (load.directory.toLowerCase().includes("broken"))
      return { work_id, state: "error", error: `${file} in ${where} is not valid JSON` };
    const name = manifestName(load.directory);
    const configuration =
      load.kind === "pipeline"
        ? pipelineManifest(name, load.repository)
        : load.directory.toLowerCase().includes("service")
          ? serviceManifest(name)
          : jobManifest(name);
    return { work_id, state: "done", configuration };
  }

  taskView(task: Task): Record<string, unknown> {
    const { createdAt, failing: _failing, ...rest } = task;
    const status = this.taskStatus(task);
    return {
      ...rest,
      status,
      ...(status === "failed" ? { message: "BackOff: container exited with code 1" } : {}),
      createdAt: new Date(createdAt).toISOString(),
    };
  }

  pipelineView(pipeline: Pipeline): Record<string, unknown> {
    const { id, name, namespace, deployedBy, killedBy } = pipeline;
    const status = this.pipelineStatus(pipeline);
    return { id, name, namespace, kind: "pipeline", status, deployedBy, ...(killedBy ? { killedBy } : {}) };
  }

  /** One pod per job, cronjob and deployment (services have none of their own), with its phase. */
  pods(): { name: string; namespace: string; kind: "pod"; status: string }[] {
    const phases: Record<Status, string> = {
      pending: "Pending",
      running: "Running",
      succeeded: "Succeeded",
      failed: "Failed",
      killed: "Failed",
    };
    return [...this.tasks.values()]
      .filter((t) => t.kind !== "service")
      .map((t) => ({
        name: `${t.name}-${t.id.slice(-5)}`,
        namespace: t.namespace,
        kind: "pod",
        status: phases[this.taskStatus(t)],
      }));
  }
}
