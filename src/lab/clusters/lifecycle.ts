import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apiserverArgs, etcdArgs, tokenFile } from './args.js';
import { ensureBinaries } from './binaries.js';
import { ensureClusterPki } from './certs.js';
import type { ClusterPki } from './certs.js';
import { installManifests } from './crds.js';
import { LabClustersError } from './errors.js';
import { renderKubeconfig } from './kubeconfig.js';
import { crdDir, defaultLabDir } from './paths.js';
import { freePorts, isListening } from '../../util/ports.js';
import { isOurs, spawnDetached, stopProcess } from './processes.js';
import { waitForEtcd, waitForReadyz } from './readiness.js';
import { findCluster, readState, requireState, updateState } from './state.js';
import type { ClusterState, LabState } from './state.js';

/** Receives one human-readable progress line at a time (the CLI prints them to stderr). */
export type Progress = (message: string) => void;

/** A running member cluster, as handed to tests and printed by the CLI. */
export interface LabCluster {
  name: string;
  server: string;
  kubeconfig: string;
}

/** Options of {@link clustersUp}. */
export interface ClustersUpOptions {
  /** How many clusters (`cluster-1..N`). Default 3. */
  count?: number;
  /** Lab directory: state.json, kubeconfigs/, clusters/. Default `.lifeboat/lab`. */
  dir?: string;
  /** Build missing binaries (default) or fail naming the build command. */
  build?: boolean;
  /** How long one kube-apiserver may take to become ready. Default 120 s. */
  readyTimeoutMs?: number;
  onProgress?: Progress;
}

/** What {@link clustersUp} started. */
export interface ClustersUpResult {
  dir: string;
  clusters: LabCluster[];
  /** From the first process started to the last CRD Established; excludes any binary build. */
  readyMs: number;
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  readyTimeoutMs?: number;
  onProgress?: Progress;
}

const maxClusters = 20;

function labCluster(c: ClusterState): LabCluster {
  return { name: c.name, server: c.server, kubeconfig: c.kubeconfig };
}

function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;
}

async function newClusterState(
  dir: string,
  index: number,
  taken: Set<number>,
): Promise<ClusterState> {
  const name = `cluster-${String(index)}`;
  const clusterDir = path.join(dir, 'clusters', name);
  const [clientPort, peerPort, apiPort] = await freePorts(3, taken);
  if (clientPort === undefined || peerPort === undefined || apiPort === undefined)
    throw new LabClustersError('could not find 3 free loopback ports');
  for (const p of [clientPort, peerPort, apiPort]) taken.add(p);
  return {
    name,
    dir: clusterDir,
    server: `https://127.0.0.1:${String(apiPort)}`,
    kubeconfig: path.join(dir, 'kubeconfigs', `${name}.yaml`),
    etcd: {
      clientPort,
      peerPort,
      dataDir: path.join(clusterDir, 'etcd'),
      log: path.join(clusterDir, 'etcd.log'),
      pid: null,
    },
    apiserver: { port: apiPort, log: path.join(clusterDir, 'kube-apiserver.log'), pid: null },
  };
}

/** Creates (once) the PKI and token of a cluster and (re)writes its kubeconfig. */
async function ensureClusterFiles(
  cluster: ClusterState,
): Promise<{ pki: ClusterPki; token: string; caPem: string }> {
  const pki = await ensureClusterPki(path.join(cluster.dir, 'pki'), cluster.name);
  let token: string;
  try {
    token = (await readFile(tokenFile(cluster), 'utf8')).split(',')[0] ?? '';
  } catch {
    token = randomBytes(24).toString('hex');
    // token,user,uid,"groups": system:masters passes every RBAC check.
    await writeFile(
      tokenFile(cluster),
      `${token},lifeboat-admin,lifeboat-admin,"system:masters"\n`,
      { mode: 0o600 },
    );
  }
  const caPem = await readFile(pki.caCert, 'utf8');
  await mkdir(path.dirname(cluster.kubeconfig), { recursive: true });
  await writeFile(
    cluster.kubeconfig,
    renderKubeconfig({ name: cluster.name, server: cluster.server, caPem, token }),
    { mode: 0o600 },
  );
  return { pki, token, caPem };
}

async function recordPid(
  dir: string,
  name: string,
  which: 'etcd' | 'apiserver',
  pid: number | null,
): Promise<void> {
  await updateState(dir, (state) => {
    if (!state)
      throw new LabClustersError(`${dir}/state.json disappeared while ${name} was changing`);
    findCluster(state, name)[which].pid = pid;
    return state;
  });
}

// Markers that appear only in this cluster's command lines (cluster-1 is a prefix of cluster-10,
// so they end in a file name).
function etcdMarker(c: ClusterState): string {
  return `--data-dir=${c.etcd.dataDir}`;
}
function apiserverMarker(c: ClusterState): string {
  return `--token-auth-file=${tokenFile(c)}`;
}

async function assertPortFree(port: number, what: string): Promise<void> {
  if (await isListening('127.0.0.1', port)) {
    throw new LabClustersError(
      `port 127.0.0.1:${String(port)} for ${what} is taken by another process; stop it, or run 'lifeboat lab clusters down --purge' and 'up' again to pick new ports`,
    );
  }
}

/**
 * Starts the etcd and kube-apiserver of cluster `name` from `<dir>/state.json`, whichever
 * of the two is not running, on the same ports and with the same data: objects written
 * before a {@link stopCluster} or {@link killCluster} are there again. Resolves once
 * `/readyz` answers 200.
 */
export async function startCluster(
  dir: string,
  name: string,
  options: StartClusterOptions = {},
): Promise<LabCluster> {
  const absDir = path.resolve(dir);
  const state = await requireState(absDir);
  const cluster = findCluster(state, name);
  const progress = options.onProgress ?? (() => undefined);
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const { pki, token, caPem } = await ensureClusterFiles(cluster);
  await mkdir(cluster.etcd.dataDir, { recursive: true, mode: 0o700 });

  const t0 = Date.now();
  if (!(await isOurs(cluster.etcd.pid, etcdMarker(cluster)))) {
    await assertPortFree(cluster.etcd.clientPort, `${name} etcd`);
    await assertPortFree(cluster.etcd.peerPort, `${name} etcd peer`);
    const pid = await spawnDetached(state.binaries.etcd, etcdArgs(cluster), cluster.etcd.log);
    await recordPid(absDir, name, 'etcd', pid);
    await waitForEtcd(cluster.etcd.clientPort, {
      timeoutMs,
      alive: () => isOurs(pid, etcdMarker(cluster)),
      what: `${name} etcd`,
      log: cluster.etcd.log,
    });
    progress(
      `${name}: etcd ready on 127.0.0.1:${String(cluster.etcd.clientPort)} (${seconds(t0)})`,
    );
  }
  if (!(await isOurs(cluster.apiserver.pid, apiserverMarker(cluster)))) {
    await assertPortFree(cluster.apiserver.port, `${name} kube-apiserver`);
    const pid = await spawnDetached(
      state.binaries.kubeApiserver,
      apiserverArgs(cluster, pki),
      cluster.apiserver.log,
    );
    await recordPid(absDir, name, 'apiserver', pid);
    await waitForReadyz(cluster.server, caPem, token, {
      timeoutMs,
      alive: () => isOurs(pid, apiserverMarker(cluster)),
      what: `${name} kube-apiserver`,
      log: cluster.apiserver.log,
    });
    progress(`${name}: kube-apiserver ready at ${cluster.server} (${seconds(t0)})`);
  }
  return labCluster(cluster);
}

async function stopWith(
  dir: string,
  name: string,
  signal: 'SIGTERM' | 'SIGKILL',
): Promise<boolean> {
  const absDir = path.resolve(dir);
  const cluster = findCluster(await requireState(absDir), name);
  // API server first, so it never runs against a missing etcd; on SIGKILL order is moot.
  const stoppedApi = await stopProcess(cluster.apiserver.pid, apiserverMarker(cluster), signal);
  const stoppedEtcd = await stopProcess(cluster.etcd.pid, etcdMarker(cluster), signal);
  await updateState(absDir, (state) => {
    if (!state)
      throw new LabClustersError(`${absDir}/state.json disappeared while ${name} was stopping`);
    const c = findCluster(state, name);
    c.apiserver.pid = null;
    c.etcd.pid = null;
    return state;
  });
  return stoppedApi || stoppedEtcd;
}

/**
 * Stops cluster `name` gracefully (SIGTERM, then SIGKILL after 15 s); its data is kept for
 * {@link startCluster}. Resolves false if nothing of it was running.
 */
export function stopCluster(dir: string, name: string): Promise<boolean> {
  return stopWith(dir, name, 'SIGTERM');
}

/**
 * Kills cluster `name` at once (SIGKILL to kube-apiserver and etcd), as a crashed machine
 * would look to clients: connections refused until {@link startCluster}. Data is kept.
 */
export function killCluster(dir: string, name: string): Promise<boolean> {
  return stopWith(dir, name, 'SIGKILL');
}

/**
 * Starts member clusters `cluster-1..count` in `dir` (each: its own etcd and kube-apiserver
 * on free loopback ports, certificates, a token, a kubeconfig), waits for `/readyz`, and
 * installs the CRDs in `config/crds`. Clusters already recorded in `dir` are reused with
 * their data; ones already running are left alone.
 */
export async function clustersUp(options: ClustersUpOptions = {}): Promise<ClustersUpResult> {
  const count = options.count ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > maxClusters) {
    throw new LabClustersError(
      `--count must be a whole number from 1 to ${String(maxClusters)}, got ${String(count)}`,
    );
  }
  const dir = path.resolve(options.dir ?? defaultLabDir);
  const progress = options.onProgress ?? (() => undefined);
  const binaries = await ensureBinaries({ build: options.build ?? true, onProgress: progress });

  const state: LabState = await updateState(dir, async (prev) => {
    const clusters = prev?.clusters ?? [];
    const taken = new Set(
      clusters.flatMap((c) => [c.etcd.clientPort, c.etcd.peerPort, c.apiserver.port]),
    );
    for (let i = 1; i <= count; i++) {
      if (!clusters.some((c) => c.name === `cluster-${String(i)}`))
        clusters.push(await newClusterState(dir, i, taken));
    }
    return { version: 1, dir, binaries, clusters };
  });

  const t0 = Date.now();
  const wanted = state.clusters.filter((c) => Number(c.name.slice('cluster-'.length)) <= count);
  const started = await Promise.allSettled(
    wanted.map(async (c) => {
      const cluster = await startCluster(dir, c.name, {
        readyTimeoutMs: options.readyTimeoutMs,
        onProgress: progress,
      });
      const installed = await installManifests(cluster.kubeconfig, crdDir);
      progress(`${c.name}: installed ${installed.join(', ')} (${seconds(t0)})`);
      return cluster;
    }),
  );
  const failures = started.flatMap((r) =>
    r.status === 'rejected'
      ? [r.reason instanceof Error ? r.reason.message : String(r.reason)]
      : [],
  );
  if (failures.length > 0) {
    throw new LabClustersError(
      `${String(failures.length)} of ${String(wanted.length)} clusters did not start (the others keep running; 'lifeboat lab clusters down --dir ${dir}' stops them):\n${failures.join('\n')}`,
    );
  }
  const clusters = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return { dir, clusters, readyMs: Date.now() - t0 };
}

/** Options of {@link clustersDown}. */
export interface ClustersDownOptions {
  dir?: string;
  /** Also delete the lab directory (data, certificates, kubeconfigs). */
  purge?: boolean;
  onProgress?: Progress;
}

/**
 * Stops every cluster recorded in `dir` (SIGTERM, then SIGKILL), keeping their data unless
 * `purge`. Returns the names of the clusters that were running.
 */
export async function clustersDown(options: ClustersDownOptions = {}): Promise<string[]> {
  const dir = path.resolve(options.dir ?? defaultLabDir);
  const state = await readState(dir);
  const stopped: string[] = [];
  if (state) {
    await Promise.all(
      state.clusters.map(async (c) => {
        if (await stopCluster(dir, c.name)) {
          stopped.push(c.name);
          options.onProgress?.(`${c.name}: stopped`);
        }
      }),
    );
  }
  if (options.purge) await rm(dir, { recursive: true, force: true });
  return stopped.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** One cluster of {@link clustersStatus}: where it is and which of its processes run. */
export interface LabClusterStatus extends LabCluster {
  etcd: { pid: number | null; running: boolean };
  apiserver: { pid: number | null; running: boolean };
}

/** The clusters recorded in `dir` and whether their processes are running (empty if none). */
export async function clustersStatus(dir: string = defaultLabDir): Promise<LabClusterStatus[]> {
  const state = await readState(path.resolve(dir));
  return Promise.all(
    (state?.clusters ?? []).map(async (c) => ({
      ...labCluster(c),
      etcd: { pid: c.etcd.pid, running: await isOurs(c.etcd.pid, etcdMarker(c)) },
      apiserver: {
        pid: c.apiserver.pid,
        running: await isOurs(c.apiserver.pid, apiserverMarker(c)),
      },
    })),
  );
}

/** Pids of every running lab process in `dir` (for memory measurements). */
export async function labPids(dir: string = defaultLabDir): Promise<number[]> {
  return (await clustersStatus(dir)).flatMap((c) =>
    [c.etcd, c.apiserver].flatMap((p) => (p.running && p.pid !== null ? [p.pid] : [])),
  );
}
