/**
 * The lab's services assembled: what `lifeboat lab up|down|kill|revive|drill` call. The
 * member clusters (etcd + kube-apiserver) come from `./clusters/`; everything else here
 * is recorded in `<dir>/services.json` and logs to `<dir>/logs/`.
 */
import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  clustersDown,
  clustersStatus,
  killCluster as killClusterProcesses,
  readState,
  startCluster,
} from './clusters/index.js';
import { startFerretdb } from './ferretdb/ferretdb.js';
import { postgresNode, postgresRunning, probePostgres } from './postgres/instance.js';
import { LabServiceError } from './processes/errors.js';
import {
  killClusterServices,
  logsDir,
  servicesStatus,
  stopServices,
} from './processes/supervisor.js';
import type { ServiceStatus } from './processes/supervisor.js';
import { perconaApi, perconaNamespace } from './standins/percona.js';
import { loadKubeConfig } from './standins/kube.js';
import { startAgent } from './standins/start.js';
import type { LabTopology } from './topology/topology.js';

export { startPostgresPair } from './postgres/pair.js';
export { startFerretdb } from './ferretdb/ferretdb.js';
export { startHaproxy } from './haproxy/haproxy.js';
export { startMonitoring } from './monitoring/monitoring.js';
export { startStandins } from './standins/start.js';

type Progress = (line: string) => void;

/**
 * Links every member cluster's etcd and kube-apiserver log into `<dir>/logs/`
 * (`cluster-1-kube-apiserver.log` ...), so every component's log is in one folder.
 */
export async function linkClusterLogs(dir: string): Promise<void> {
  const state = await readState(dir);
  if (!state) return;
  await mkdir(logsDir(dir), { recursive: true });
  for (const c of state.clusters) {
    for (const [what, file] of [
      ['etcd', c.etcd.log],
      ['kube-apiserver', c.apiserver.log],
    ] as const) {
      const link = path.join(logsDir(dir), `${c.name}-${what}.log`);
      await rm(link, { force: true });
      await symlink(path.relative(logsDir(dir), file), link);
    }
  }
}

/**
 * Stops everything the lab in `dir` started: its services (agents first, PostgreSQL
 * last, each with its graceful signal, then SIGKILL to whatever of its process group
 * is left), then the member clusters. Data stays unless `purge`. Returns what ran.
 */
export async function stopAll(
  dir: string,
  options: { purge?: boolean; onProgress?: Progress } = {},
): Promise<string[]> {
  const absDir = path.resolve(dir);
  const stopped = await stopServices(
    absDir,
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  const clusters = await clustersDown({
    dir: absDir,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const left = (await servicesStatus(absDir)).filter((s) => s.running);
  if (left.length > 0)
    throw new LabServiceError(
      `still running after stopping: ${left.map((s) => `${s.name} (pid ${String(s.pid)})`).join(', ')}`,
    );
  if (options.purge) await rm(absDir, { recursive: true, force: true });
  return [...stopped, ...clusters];
}

/** Options of {@link killCluster}. */
export interface KillOptions {
  /** Where the member clusters' `state.json` is, when not in the lab directory (tests). */
  clustersDir?: string;
  onProgress?: Progress;
}

/**
 * Kills all of member cluster `cluster` at once, as a lost site: its kube-apiserver and
 * etcd, and every lab service of it (PostgreSQL with all backends, FerretDB, its agent
 * with the stand-ins and the `/metrics` endpoint). Every process gets SIGKILL before any
 * is waited for, so they die within milliseconds of each other. Data is kept for
 * {@link reviveCluster}.
 */
export async function killCluster(
  dir: string,
  cluster: string,
  options: KillOptions = {},
): Promise<string[]> {
  const absDir = path.resolve(dir);
  const clustersDir = path.resolve(options.clustersDir ?? dir);
  const member = (await clustersStatus(clustersDir)).find((c) => c.name === cluster);
  // SIGKILL the API server and etcd right away; killClusterProcesses then confirms and records it.
  for (const p of member ? [member.apiserver, member.etcd] : []) {
    if (p.running && p.pid !== null) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const [services] = await Promise.all([
    killClusterServices(absDir, cluster, options.onProgress),
    member ? killClusterProcesses(clustersDir, cluster) : Promise.resolve(false),
  ]);
  options.onProgress?.(
    `${cluster}: killed (${member ? 'kube-apiserver, etcd' : 'no API server recorded'}${services.length ? ', ' + services.join(', ') : ''})`,
  );
  return services;
}

/** Options of {@link reviveCluster}. */
export interface ReviveOptions {
  /**
   * Before starting the cluster's database: wait until its PerconaPGCluster says this
   * `spec.standby.enabled` (lifeboat re-applying desired state: fencing). Without it
   * the stand-in acts on whatever the revived API server holds.
   */
  expectStandby?: boolean;
  /** Longest wait for that. Default 60 s. */
  fenceTimeoutMs?: number;
  /** Starts the cluster's API server; default: the lab's `startCluster` (its state.json). */
  startApiServer?: () => Promise<void>;
  /** Namespace of the PerconaPGCluster objects. Default `psql-operator`. */
  namespace?: string;
  /** Wait until PostgreSQL runs in the expected role. Default 120 s. */
  roleTimeoutMs?: number;
  onProgress?: Progress;
}

async function standbyEnabled(
  dir: string,
  cluster: string,
  namespace: string,
  name: string,
): Promise<boolean | undefined> {
  const api = loadKubeConfig(dir, cluster).makeApiClient(CustomObjectsApi);
  const cr = (await api.getNamespacedCustomObject({ ...perconaApi, namespace, name })) as {
    spec?: { standby?: { enabled?: boolean } };
  };
  return cr.spec?.standby?.enabled;
}

/**
 * Brings member cluster `cluster` back after {@link killCluster}: its API server first,
 * then (for a database cluster, once `expectStandby` holds there) FerretDB and its agent,
 * whose Percona stand-in starts PostgreSQL in the role the object asks for — rewinding a
 * former primary into a standby of the other site.
 */
export async function reviveCluster(
  topology: LabTopology,
  cluster: string,
  options: ReviveOptions = {},
): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  const t0 = Date.now();
  if (options.startApiServer) await options.startApiServer();
  else await startCluster(topology.dir, cluster, { onProgress: progress });
  const db = topology.databases.find((d) => d.name === cluster);
  if (db && options.expectStandby !== undefined) {
    const deadline = Date.now() + (options.fenceTimeoutMs ?? 60_000);
    let seen: boolean | undefined;
    for (;;) {
      seen = await standbyEnabled(
        topology.dir,
        cluster,
        options.namespace ?? perconaNamespace,
        db.perconaName,
      ).catch(() => undefined);
      if (seen === options.expectStandby) break;
      if (Date.now() > deadline)
        throw new LabServiceError(
          `${cluster}: PerconaPGCluster ${db.perconaName} still has spec.standby.enabled=${String(seen)} after ${String((options.fenceTimeoutMs ?? 60_000) / 1000)} s (expected ${String(options.expectStandby)}: is lifeboat serving and propagating?). Its PostgreSQL was NOT started, so there are never two primaries.`,
        );
      await sleep(200);
    }
    progress(
      `${cluster}: spec.standby.enabled=${String(seen)} (${((Date.now() - t0) / 1000).toFixed(1)}s)`,
    );
  }
  if (db) await startFerretdb(topology, cluster, { build: false, onProgress: progress });
  await startAgent(topology, cluster, {
    onProgress: progress,
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  if (db && options.expectStandby !== undefined) {
    const node = postgresNode(topology.dir, db);
    const deadline = Date.now() + (options.roleTimeoutMs ?? 120_000);
    for (;;) {
      const probe = (await postgresRunning(node))
        ? await probePostgres(node).catch(() => undefined)
        : undefined;
      if (
        probe &&
        probe.inRecovery === options.expectStandby &&
        (!probe.inRecovery || probe.sender)
      )
        break;
      if (Date.now() > deadline)
        throw new LabServiceError(
          `${cluster}: PostgreSQL not running as ${options.expectStandby ? 'a streaming standby' : 'primary'} after ${String((options.roleTimeoutMs ?? 120_000) / 1000)} s; see ${topology.dir}/logs/postgres-${cluster}.log and agent-${cluster}.log`,
        );
      await sleep(200);
    }
    progress(
      `${cluster}: PostgreSQL is ${options.expectStandby ? 'a streaming standby' : 'primary'} (${((Date.now() - t0) / 1000).toFixed(1)}s)`,
    );
  }
}

/** The lab's services and whether each runs (the member clusters: `clustersStatus`). */
export function labServicesStatus(dir: string): Promise<ServiceStatus[]> {
  return servicesStatus(path.resolve(dir));
}

/** True when any service of the lab in `dir` runs (for `lab up`: "already up"). */
export async function labIsUp(dir: string): Promise<boolean> {
  return (await servicesStatus(path.resolve(dir))).some((s) => s.running);
}

/** Every log file of the lab in `dir` (services and linked cluster logs). */
export async function labLogs(dir: string): Promise<string[]> {
  const files = await readdir(logsDir(path.resolve(dir))).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith('.log'))
    .map((f) => path.join(logsDir(path.resolve(dir)), f));
}
