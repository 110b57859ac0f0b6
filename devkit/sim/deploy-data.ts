import { kubeNameFrom } from "../../src/api/deploy/validators.js";

/**
 * Fixed data of the Deploy API simulator: what a fresh simulator holds, its templates, and the
 * manifest.json / pipeline.json it "finds in git" (shaped after datatask/quick_start's examples).
 */

export const DEPLOY_SEED = {
  /** Who deployed the seeded objects. */
  deployedBy: "seed@opsbot.example",
  namespaces: ["analytics", "quick-start"],
  /** A finished job. */
  job: { id: "task-seed-job", namespace: "analytics", name: "nightly-report", repository: "analytics" },
  /** A scheduled job. */
  cronJob: { id: "task-seed-cron", namespace: "analytics", name: "hourly-sync", schedule: "0 * * * *" },
  /** A service with its deployment (same name). */
  service: { id: "task-seed-svc", namespace: "quick-start", name: "helloworld", repository: "quick_start" },
  /** A finished pipeline run. */
  pipeline: { id: "pipeline-seed-etl", namespace: "analytics", name: "etl-daily", repository: "analytics" },
  taskTemplates: ["job_python.json", "service_python.json", "cronjob/backup.json"],
  pipelineTemplates: ["pipeline_sequential.json", "pipeline_fan_out.json"],
} as const;

export function jobManifest(name: string, schedule = ""): Record<string, unknown> {
  return {
    labels: `app:${name}`,
    type: "job",
    name,
    "image-destination": `eu.gcr.io/datataskio/${name}:0.1`,
    cmd: ["python", "/code/main.py"],
    "cpu-limit": "0.20",
    "memory-limit": "200Mi",
    "cpu-request": "0.15",
    "memory-request": "150Mi",
    schedule,
  };
}

export function serviceManifest(name: string): Record<string, unknown> {
  return {
    labels: `app:${name}`,
    type: "service",
    published: { access: "affini-tech", prefix: `/${name}/` },
    name,
    "image-destination": `eu.gcr.io/datataskio/${name}:0.1`,
    "image-pull-policy": "Always",
    env: [{ name: "FIRST_NAME", value: "Marc" }],
    cmd: ["/opt/miniconda/bin/python", "/code/main.py"],
    replicas: 1,
    "container-port": 5000,
  };
}

export function pipelineManifest(name: string, repository: string, fanOut = true): Record<string, unknown> {
  const task = `${repository}/job_sleep`;
  return {
    name,
    original: name,
    tasks: [
      { name: "job1", namespacetask: task },
      { name: "job2", namespacetask: task, dependance: ["job1"] },
      { name: "job3", namespacetask: task, dependance: [fanOut ? "job1" : "job2"] },
      { name: "job4", namespacetask: `${repository}/job_end_pipeline`, dependance: ["job2", "job3"] },
    ],
  };
}

export const TASK_TEMPLATES: Readonly<Record<string, Record<string, unknown>>> = {
  "job_python.json": jobManifest("python-job"),
  "service_python.json": serviceManifest("python-service"),
  "cronjob/backup.json": jobManifest("backup", "30 2 * * *"),
};

export const PIPELINE_TEMPLATES: Readonly<Record<string, Record<string, unknown>>> = {
  "pipeline_sequential.json": pipelineManifest("sequential", "quick_start", false),
  "pipeline_fan_out.json": pipelineManifest("fan_out", "quick_start"),
};

/** The manifest name the simulator "finds" in a folder: its last part as a Kubernetes name. */
export function manifestName(directory: string): string {
  return kubeNameFrom(directory.split("/").at(-1) ?? "task");
}

export { kubeNameFrom };
