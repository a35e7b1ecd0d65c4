/**
 * The DR lab, assembled: what `lifeboat lab up|down|kill|revive|drill` do. The pieces
 * (member clusters, PostgreSQL, FerretDB, HAProxy, monitoring, stand-ins, drill) live
 * in the folders beside this file; this file only orders them and talks to lifeboat.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeObject } from '../resources/meta.js';
import { assertPortFree } from '../util/ports.js';
import { clustersStatus, clustersUp, ensureBinaries } from './clusters/index.js';
import {
  assertControlPlanePorts,
  labTokens,
  LabApi,
  startLabLifeboat,
  startLabRedis,
} from './control-plane.js';
import {
  drillUrl,
  formatDrillSummary,
  runDrill,
  writeRefused,
  type DrillResult,
} from './drill/index.js';
import { ensureFerretdb } from './ferretdb/index.js';
import { labPrerequisites, LabServiceError, requirePrerequisites } from './processes/index.js';
import {
  killCluster,
  labIsUp,
  linkClusterLogs,
  reviveCluster,
  startFerretdb,
  startHaproxy,
  startMonitoring,
  startPostgresPair,
  startStandins,
  stopAll,
} from './services.js';
import { kubeconfigPath, loadKubeConfig } from './standins/kube.js';
import { perconaApi, perconaNamespace } from './standins/percona.js';
import {
  planTopology,
  readTopology,
  writeTopology,
  type LabPorts,
  type LabTopology,
  type ReplicationMode,
} from './topology/index.js';

type Progress = (line: string) => void;

export interface LabUpOptions {
  dir: string;
  replication?: ReplicationMode;
  ports?: Partial<LabPorts>;
  lifeboatPort?: number;
  redisPort?: number;
  /** Loopback prefix of the clusters' own addresses (default 127.0.1.); tests pick another. */
  clusterHostPrefix?: string;
  onProgress?: Progress;
}

export interface LabInfo {
  dir: string;
  lifeboat: string;
  topology: LabTopology;
  envFile: string;
}

const CLUSTERS = ['cluster-1', 'cluster-2', 'cluster-3'] as const;

/** The lab's lifeboat client, from what `lab up` recorded. */
export async function labApi(dir: string): Promise<LabApi> {
  const { url } = await labEndpoints(dir);
  return new LabApi(url, (await labTokens(dir)).admin);
}

async function labEndpoints(dir: string): Promise<{ url: string }> {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(path.join(dir, 'lifeboat.json'), 'utf8')) as { url: string };
  } catch {
    throw new LabServiceError(`no lab in ${dir}: start one with 'lifeboat lab up'`);
  }
}

/** Waits until `check` holds, saying what it waits for when it gives up. */
async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new LabServiceError(
        `timed out after ${String(timeoutMs / 1000)} s waiting for ${what}`,
      );
    await sleep(250);
  }
}

/**
 * Starts the whole lab: clusters, Redis, lifeboat (with the three Clusters registered
 * and the examples applied), PostgreSQL primary + standby, FerretDB, HAProxy,
 * Prometheus + Alertmanager and the stand-ins; waits until a client can write through
 * HAProxy.
 */
export async function labUp(options: LabUpOptions): Promise<LabInfo> {
  const dir = path.resolve(options.dir);
  const progress = options.onProgress ?? (() => undefined);
  const t0 = Date.now();
  const step = (line: string): void =>
    progress(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  if (await labIsUp(dir)) {
    throw new LabServiceError(
      `the lab in ${dir} is already up ('lifeboat lab services --dir ${dir}' shows it; 'lifeboat lab down --dir ${dir}' stops it)`,
    );
  }
  const lifeboatPort = options.lifeboatPort ?? 8080;
  const redisPort = options.redisPort ?? 6390;
  const topology = planTopology({
    dir,
    replication: options.replication ?? 'sync',
    ports: options.ports,
    ...(options.clusterHostPrefix ? { clusterHostPrefix: options.clusterHostPrefix } : {}),
  });
  // Every port before anything starts: a taken one fails now, not minutes in.
  await assertControlPlanePorts(lifeboatPort, redisPort);
  await assertLabPortsFree(topology);
  // Before anything starts: every program, installed now when we are root.
  const redis = {
    what: 'Redis server',
    path: '/usr/bin/redis-server',
    debianPackage: 'redis-server',
  };
  await requirePrerequisites([...Object.values(labPrerequisites), redis], {
    install: true,
    onProgress: step,
  });
  await ensureBinaries({ build: true, onProgress: step });
  await ensureFerretdb({ build: true, onProgress: step });

  try {
    return await startEverything(dir, topology, { lifeboatPort, redisPort, step });
  } catch (err) {
    // Leave nothing half-started behind; the logs stay for the post-mortem.
    step(`lab up failed; stopping what it started (logs stay in ${path.join(dir, 'logs')})`);
    await stopAll(dir).catch(() => undefined);
    throw err;
  }
}

/**
 * Fails naming the port, what it is for and the flag that moves it when any port of the
 * lab's services is taken. The services check again as they start (they are also
 * started one by one from code); this is so `lab up` fails before the clusters start.
 */
async function assertLabPortsFree(t: LabTopology): Promise<void> {
  const wanted: [string, number, string, string][] = [
    [t.haproxy.host, t.haproxy.port, "HAProxy, the lab's entry point in cluster-3", 'haproxy'],
    [t.prometheus.host, t.prometheus.port, 'Prometheus', 'prometheus'],
    [t.alertmanager.host, t.alertmanager.port, 'Alertmanager', 'alertmanager'],
    ...t.databases.flatMap((db): [string, number, string, string][] => [
      [db.host, db.postgres.port, `PostgreSQL of ${db.name}`, 'postgres'],
      [db.host, db.ferretdb.port, `FerretDB of ${db.name}`, 'ferretdb'],
    ]),
    ...t.metrics.map((m): [string, number, string, string] => [
      m.host,
      m.port,
      `the /metrics endpoint of ${m.cluster}`,
      'metrics',
    ]),
  ];
  for (const [host, port, what, flag] of wanted)
    await assertPortFree(host, port, what, `choose another with --${flag}-port`);
}

async function startEverything(
  dir: string,
  topology: LabTopology,
  { lifeboatPort, redisPort, step }: { lifeboatPort: number; redisPort: number; step: Progress },
): Promise<LabInfo> {
  step('starting member clusters cluster-1..3 (kube-apiserver + etcd)');
  await clustersUp({ count: 3, dir, build: false, onProgress: step });
  await writeTopology(topology);

  const tokens = await labTokens(dir);
  const redisUrl = await startLabRedis(dir, redisPort);
  step(`redis on ${redisUrl}`);
  const lifeboat = await startLabLifeboat(dir, { port: lifeboatPort, redisUrl });
  await writeFile(path.join(dir, 'lifeboat.json'), JSON.stringify({ url: lifeboat }));
  step(
    `lifeboat serving on ${lifeboat} (policies/, recovery-plans/, examples/ferretdb-percona/ loaded)`,
  );
  const api = new LabApi(lifeboat, tokens.admin);
  await api.request(
    'POST',
    '/apply',
    CLUSTERS.map((name) => clusterObject(dir, name)),
  );
  step('registered Clusters cluster-1..3');

  await until(
    'lifeboat to place PerconaPGClusters and haproxy-config in the member clusters',
    async () => {
      const pg1 = await perconaIn(dir, 'cluster-1', 'cluster1');
      const pg2 = await perconaIn(dir, 'cluster-2', 'cluster2');
      const cm = await loadKubeConfig(dir, 'cluster-3')
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name: 'haproxy-config', namespace: perconaNamespace })
        .then(
          () => true,
          () => false,
        );
      return pg1 !== undefined && pg2 !== undefined && cm;
    },
  );
  step('propagated: cluster1 → cluster-1, cluster2 → cluster-2, HAProxy → cluster-3');

  await startPostgresPair(topology, step);
  const [primary, standby] = topology.databases;
  await startFerretdb(topology, primary.name, { build: false, onProgress: step });
  // Create the drill's collection on the primary before the standby's FerretDB starts:
  // FerretDB 1.x caches collection metadata, so one created later would be unknown to
  // it after a promotion.
  await createDrillCollection(drillUrl(primary.host, primary.ferretdb.port));
  await startFerretdb(topology, standby.name, { build: false, onProgress: step });
  await startHaproxy(topology, step);
  await startStandins(topology, step);
  // Monitoring last: started before the agents, Prometheus finds cluster-1's /metrics
  // down (up == 0), PostgresPrimaryDown fires, and lifeboat fails over a lab that is
  // still starting (seen: cluster-1 fenced, then the plan failing on a LoadBalancer
  // hostname not filled yet, and no write through HAProxy for good).
  await startMonitoring(
    topology,
    { url: `${lifeboat}/webhooks/alertmanager`, token: tokens.operator },
    { install: true, onProgress: step },
  );
  await linkClusterLogs(dir);

  const envFile = path.join(dir, 'env');
  await writeFile(
    envFile,
    `export LIFEBOAT_SERVER=${lifeboat}\nexport LIFEBOAT_TOKEN=${tokens.admin}\n`,
    { mode: 0o600 },
  );
  try {
    await until(
      'a write through HAProxy to succeed',
      async () =>
        !(await writeRefused(drillUrl(topology.haproxy.host, topology.haproxy.port))).refused,
      90_000,
    );
  } catch (err) {
    // Say which hop fails: FerretDB itself, or HAProxy in front of it.
    const direct = await writeRefused(drillUrl(primary.host, primary.ferretdb.port)).then(
      (r) => (r.refused ? `refused (${r.error ?? ''})` : 'accepted'),
      (e: unknown) => `failed (${e instanceof Error ? e.message : String(e)})`,
    );
    throw new LabServiceError(
      `${err instanceof Error ? err.message : String(err)}; a write straight to ${primary.name}'s FerretDB was ${direct}. See ${path.join(dir, 'logs')}/haproxy.log and agent-cluster-3.log`,
    );
  }
  step('a write through HAProxy succeeded: the lab is up');
  return { dir, lifeboat, topology, envFile };
}

async function createDrillCollection(url: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url);
  try {
    const db = client.db('lifeboat_drill');
    const existing = await db.listCollections({ name: 'drill' }).toArray();
    if (existing.length === 0) await db.createCollection('drill');
  } finally {
    await client.close(true);
  }
}

function clusterObject(dir: string, name: string): KubeObject {
  return {
    apiVersion: 'cluster.elotl.co/v1alpha1',
    kind: 'Cluster',
    metadata: { name, labels: { 'lifeboat.elotl.co/lab': 'true' } },
    spec: { kubeconfig: { path: kubeconfigPath(dir, name), context: name } },
  };
}

async function perconaIn(
  dir: string,
  cluster: string,
  name: string,
): Promise<{ spec?: { standby?: { enabled?: boolean } } } | undefined> {
  const api = loadKubeConfig(dir, cluster).makeApiClient(CustomObjectsApi);
  return api.getNamespacedCustomObject({ ...perconaApi, namespace: perconaNamespace, name }).then(
    (o) => o as { spec?: { standby?: { enabled?: boolean } } },
    () => undefined,
  );
}

/** What `lab up` prints at the end: where everything is and what to try. */
export function labSummary(info: LabInfo): string {
  const t = info.topology;
  const [db1, db2] = t.databases;
  const rel = path.relative(process.cwd(), info.dir) || '.';
  return `
lifeboat DR lab is up (${t.replication} replication)

  clients (MongoDB protocol)  mongodb://${t.haproxy.host}:${String(t.haproxy.port)}/${t.database}   HAProxy in cluster-3
  lifeboat API                ${info.lifeboat}              source ${path.relative(process.cwd(), info.envFile)} for the CLI
  cluster-1 (primary)         PostgreSQL ${db1.host}:${String(db1.postgres.port)}, FerretDB ${db1.host}:${String(db1.ferretdb.port)}, kubeconfig ${rel}/kubeconfigs/cluster-1.yaml
  cluster-2 (standby)         PostgreSQL ${db2.host}:${String(db2.postgres.port)}, FerretDB ${db2.host}:${String(db2.ferretdb.port)}, kubeconfig ${rel}/kubeconfigs/cluster-2.yaml
  Prometheus / Alertmanager   http://${t.prometheus.host}:${String(t.prometheus.port)}  http://${t.alertmanager.host}:${String(t.alertmanager.port)}
  logs                        ${rel}/logs/

Try:
  source ${path.relative(process.cwd(), info.envFile)}
  lifeboat get placements             where each object went
  lifeboat lab drill                  write through HAProxy, kill cluster-1, watch the failover, revive it
  lifeboat runs                       what ran, step by step
  lifeboat lab down                   stop everything
`;
}

/** Stops everything; deletes the lab's data (keeps logs/ and drill-report.json) unless `keep`. */
export async function labDown(
  dirOpt: string,
  options: { keep?: boolean; onProgress?: Progress } = {},
): Promise<string[]> {
  const dir = path.resolve(dirOpt);
  const stopped = await stopAll(dir, { onProgress: options.onProgress });
  if (!options.keep && existsSync(dir)) {
    for (const entry of await readdir(dir)) {
      if (entry === 'logs' || entry === 'drill-report.json') continue;
      await rm(path.join(dir, entry), { recursive: true, force: true });
    }
  }
  return stopped;
}

/** `lab kill CLUSTER`: the site is lost: API server, database, FerretDB, agent, metrics. */
export async function labKill(
  dirOpt: string,
  cluster: string,
  onProgress?: Progress,
): Promise<void> {
  assertCluster(cluster);
  await killCluster(path.resolve(dirOpt), cluster, { onProgress });
}

function assertCluster(cluster: string): void {
  if (!(CLUSTERS as readonly string[]).includes(cluster)) {
    throw new LabServiceError(`unknown cluster "${cluster}"; the lab has ${CLUSTERS.join(', ')}`);
  }
}

/**
 * `lab revive CLUSTER`: starts it again. A database cluster's PostgreSQL starts only
 * after lifeboat has re-applied the desired `spec.standby.enabled` there (fencing), in
 * the role the control plane holds for it.
 */
export async function labRevive(
  dirOpt: string,
  cluster: string,
  onProgress?: Progress,
): Promise<void> {
  assertCluster(cluster);
  const dir = path.resolve(dirOpt);
  const topology = await readTopology(dir);
  const db = topology.databases.find((d) => d.name === cluster);
  let expectStandby: boolean | undefined;
  if (db) {
    const api = await labApi(dir);
    const hub = await api.request<KubeObject>(
      'GET',
      `/apis/pgv2.percona.com/v2/namespaces/${perconaNamespace}/perconapgclusters/${db.perconaName}`,
    );
    expectStandby =
      (hub.spec as { standby?: { enabled?: boolean } } | undefined)?.standby?.enabled === true;
    onProgress?.(
      `${cluster}: the control plane wants ${db.perconaName} ${expectStandby ? 'standby' : 'primary'}`,
    );
  }
  await reviveCluster(topology, cluster, { expectStandby, onProgress });
  await linkClusterLogs(dir);
}

interface AlertRecord {
  spec: { labels: Record<string, string>; status: string };
  status: { receivedAt: string; runs?: string[] };
}

interface RunRecord {
  metadata: { name: string };
  spec: { plan: string };
  status: { phase: string; finishedAt?: string };
}

/** `lab drill`: writes through HAProxy, kills the cluster, waits, revives, reports. */
export async function labDrill(
  dirOpt: string,
  options: { cluster?: string; revive?: boolean; onProgress?: Progress } = {},
): Promise<DrillResult> {
  const dir = path.resolve(dirOpt);
  const cluster = options.cluster ?? 'cluster-1';
  assertCluster(cluster);
  const topology = await readTopology(dir);
  const api = await labApi(dir);
  const status = await clustersStatus(dir);
  if (status.some((c) => !c.apiserver.running))
    throw new LabServiceError(
      'a member cluster is down; revive it (lifeboat lab revive CLUSTER) before a drill',
    );
  let killedAt = 0;
  const result = await runDrill({
    dir,
    url: drillUrl(topology.haproxy.host, topology.haproxy.port),
    killedCluster: cluster,
    replicationMode: topology.replication,
    onProgress: options.onProgress,
    hooks: {
      kill: async () => {
        killedAt = Date.now();
        await labKill(dir, cluster, options.onProgress);
      },
      ...(options.revive === false
        ? {}
        : { revive: () => labRevive(dir, cluster, options.onProgress) }),
      revivedIsStandby: async () => {
        const db = topology.databases.find((d) => d.name === cluster);
        return db ? (await writeRefused(drillUrl(db.host, db.ferretdb.port))).refused : false;
      },
      planTimeline: async () => {
        // The first firing alert lifeboat recorded after the kill, and the run it started.
        const alerts = (
          await api.request<{ items: AlertRecord[] }>(
            'GET',
            '/apis/recovery.elotl.co/v1alpha1/receivedalerts',
          )
        ).items
          .filter((a) => a.spec.status === 'firing' && Date.parse(a.status.receivedAt) >= killedAt)
          .sort((a, b) => Date.parse(a.status.receivedAt) - Date.parse(b.status.receivedAt));
        const runs = (
          await api.request<{ items: RunRecord[] }>(
            'GET',
            '/apis/recovery.elotl.co/v1alpha1/recoveryruns',
          )
        ).items;
        const first = alerts[0];
        const runName = alerts.flatMap((a) => a.status.runs ?? [])[0];
        const run = runs.find((r) => r.metadata.name === runName);
        return {
          alertReceivedAt: first ? Date.parse(first.status.receivedAt) : null,
          planDoneAt:
            run?.status.phase === 'Succeeded' && run.status.finishedAt
              ? Date.parse(run.status.finishedAt)
              : null,
          planRan: run !== undefined,
          planName: run?.spec.plan ?? null,
        };
      },
    },
  });
  return result;
}

export { formatDrillSummary };
