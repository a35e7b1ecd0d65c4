import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  let text: string;
  try {
    text = await readFile(statePath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const state = JSON.parse(text) as { version?: unknown };
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

async function writeState(state: LabState): Promise<void> {
  // Write-then-rename, so a reader in another process never sees half a file.
  const file = statePath(state.dir);
  const tmp = `${file}.${String(process.pid)}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, file);
}

const lockStaleMs = 30_000;

/**
 * Runs `change` on the current state under a lock held across processes (a vitest worker
 * may kill a cluster while the global setup tears down), then saves what it returns.
 * Keep `change` short: it must not wait for clusters to start.
 */
export async function updateState(
  dir: string,
  change: (state: LabState | null) => LabState | Promise<LabState>,
): Promise<LabState> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, 'state.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A holder that died mid-update leaves the lock behind; nothing holds it this long.
      if (since > lockStaleMs) await rm(lock, { recursive: true, force: true });
      if (attempt > 600)
        throw new LabClustersError(
          `timed out waiting for the lock ${lock}; if no lifeboat process is running, delete it`,
        );
      await sleep(50);
    }
  }
  try {
    const next = await change(await readState(dir));
    await writeState(next);
    return next;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
