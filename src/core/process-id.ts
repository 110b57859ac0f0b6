import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * Names this process among the replicas that share a store: the host (the pod's name in Kubernetes) and
 * the pid help a reader of the store, the random part keeps a restarted process with the same pid apart.
 */
export function newProcessId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "_")
      .slice(0, 60) || "host";
  return `${host}:${process.pid}:${randomBytes(4).toString("hex")}`;
}
