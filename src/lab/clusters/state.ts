import path from 'node:path';
import { readJsonFile, updateJsonFile } from '../json-state.js';
import { LabClustersError } from './errors.js';

/** One member cluster as recorded in `<dir>/state.json`; paths are absolute. */
export interface ClusterState {
  /** `cluster-1` ... `cluster-N`. */
  name: string;
  /** Holds this cluster's PKI, token file, etcd data and logs. */
  dir: string;
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** kubeconfig for this cluster alone (one context, token auth). */
  kubeconfig: string;
  etcd: { clientPort: number; peerPort: number; dataDir: string; log: string; pid: number | null };
  apiserver: { port: number; log: string; pid: number | null };
}

/** Everything `clusters down`, `stop`, `kill` and `start` need, possibly from another process. */
export interface LabState {
  version: 1;
  dir: string;
  binaries: { kubeApiserver: string; etcd: string };
  clusters: ClusterState[];
}

/** Path of the state file of the lab in `dir`. */
export function statePath(dir: string): string {
  return path.join(dir, 'state.json');
}

/** Reads `<dir>/state.json`, or returns null when there is none. */
export async function readState(dir: string): Promise<LabState | null> {
  const state = (await readJsonFile(statePath(dir))) as { version?: unknown } | undefined;
  if (state === undefined) return null;
  if (state.version !== 1) {
    throw new LabClustersError(
      `${statePath(dir)} has state version ${String(state.version)}, this lifeboat understands 1: stop those clusters with the lifeboat that started them, or delete ${dir}`,
    );
  }
  return state as LabState;
}

/** Reads the state in `dir` and fails with a hint when no clusters were started there. */
export async function requireState(dir: string): Promise<LabState> {
  const state = await readState(dir);
  if (!state)
    throw new LabClustersError(
      `no lab clusters in ${dir} (no state.json): start them with 'lifeboat lab clusters up --dir ${dir}'`,
    );
  return state;
}

/** Finds cluster `name` in `state`, or fails listing the ones there are. */
export function findCluster(state: LabState, name: string): ClusterState {
  const cluster = state.clusters.find((c) => c.name === name);
  if (!cluster) {
    throw new LabClustersError(
      `no cluster named '${name}' in ${state.dir}; there are: ${state.clusters.map((c) => c.name).join(', ') || 'none'}`,
    );
  }
  return cluster;
}

/**
 * Runs `change` on the current state under a lock held across processes (a vitest worker
 * may kill a cluster while the global setup tears down), then saves what it returns.
 * Keep `change` short: it must not wait for clusters to start.
 */
export function updateState(
  dir: string,
  change: (state: LabState | null) => LabState | Promise<LabState>,
): Promise<LabState> {
  return updateJsonFile(statePath(dir), () => readState(dir), change, {
    error: (message) => new LabClustersError(message),
    pollMs: 50,
  });
}
