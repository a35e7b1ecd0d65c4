import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabServiceError } from '../processes/errors.js';

/** How the primary waits for the standby: `sync` (no acknowledged write lost) or `async`. */
export type ReplicationMode = 'sync' | 'async';

/** Every port the lab's services listen on; each can be changed. */
export interface LabPorts {
  /** PostgreSQL of each database cluster, on that cluster's own loopback address. */
  postgres: number;
  /** FerretDB of each database cluster, on that cluster's own loopback address. */
  ferretdb: number;
  /** The per-cluster `/metrics` endpoint (dies with its cluster). */
  metrics: number;
  /** HAProxy's frontend in cluster-3: the one address clients use (127.0.0.1). */
  haproxy: number;
  prometheus: number;
  alertmanager: number;
}

/** Defaults of {@link LabPorts}: the usual port of each product. */
export const defaultLabPorts: LabPorts = {
  postgres: 5432,
  ferretdb: 27017,
  metrics: 9187,
  haproxy: 27017,
  prometheus: 9090,
  alertmanager: 9093,
};

/**
 * Member cluster N's services listen on `<prefix>N` (127.0.1.1, 127.0.1.2, ...): each
 * cluster looks like a machine of its own, so ports need not differ and a cluster's
 * LoadBalancer IP is a real address its FerretDB answers on.
 */
export const defaultClusterHostPrefix = '127.0.1.';

/** One database cluster of the lab (cluster-1, cluster-2): PostgreSQL + FerretDB. */
export interface DatabaseCluster {
  /** `cluster-1`. */
  name: string;
  /** This cluster's loopback address. */
  host: string;
  /** Name of its PerconaPGCluster object (`cluster1`, as in examples/ferretdb-percona). */
  perconaName: string;
  postgres: { port: number; dir: string };
  ferretdb: { port: number; dir: string };
  /** The LoadBalancer hostname handed to its FerretDB Service. */
  hostname: string;
}

/** Where every lab service is; written to `<dir>/topology.json` for the agents. */
export interface LabTopology {
  version: 1;
  dir: string;
  replication: ReplicationMode;
  /** The PostgreSQL pair: the first is the initial primary, the second its standby. */
  databases: [DatabaseCluster, DatabaseCluster];
  /** Every member cluster's `/metrics` endpoint, including cluster-3's. */
  metrics: { cluster: string; host: string; port: number }[];
  haproxy: { cluster: string; host: string; port: number; dir: string };
  prometheus: { host: string; port: number };
  alertmanager: { host: string; port: number };
  /** Database name FerretDB stores its collections in (the seed's `zoo`). */
  database: string;
}

/** Options of {@link planTopology}. */
export interface PlanTopologyOptions {
  dir: string;
  replication?: ReplicationMode;
  clusterHostPrefix?: string;
  ports?: Partial<LabPorts>;
}

function clusterHost(prefix: string, n: number): string {
  return `${prefix}${String(n)}`;
}

function database(dir: string, prefix: string, n: number, ports: LabPorts): DatabaseCluster {
  const name = `cluster-${String(n)}`;
  return {
    name,
    host: clusterHost(prefix, n),
    perconaName: `cluster${String(n)}`,
    postgres: { port: ports.postgres, dir: path.join(dir, 'postgres', name) },
    ferretdb: { port: ports.ferretdb, dir: path.join(dir, 'ferretdb', name) },
    hostname: `ferretdb-${String(n)}.lab.lifeboat`,
  };
}

/** Lays out the lab in `dir` (pure: nothing is created or probed). */
export function planTopology(options: PlanTopologyOptions): LabTopology {
  const dir = path.resolve(options.dir);
  const prefix = options.clusterHostPrefix ?? defaultClusterHostPrefix;
  if (!/^127\.\d{1,3}\.\d{1,3}\.$/.test(prefix))
    throw new LabServiceError(
      `cluster host prefix must be a loopback prefix like 127.0.1. (got '${prefix}'): the lab listens on loopback addresses only`,
    );
  const ports = { ...defaultLabPorts, ...options.ports };
  for (const [key, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw new LabServiceError(
        `port for ${key} must be a whole number from 1 to 65535, got ${String(port)}`,
      );
  }
  return {
    version: 1,
    dir,
    replication: options.replication ?? 'sync',
    databases: [database(dir, prefix, 1, ports), database(dir, prefix, 2, ports)],
    metrics: [1, 2, 3].map((n) => ({
      cluster: `cluster-${String(n)}`,
      host: clusterHost(prefix, n),
      port: ports.metrics,
    })),
    haproxy: {
      cluster: 'cluster-3',
      host: '127.0.0.1',
      port: ports.haproxy,
      dir: path.join(dir, 'haproxy'),
    },
    prometheus: { host: '127.0.0.1', port: ports.prometheus },
    alertmanager: { host: '127.0.0.1', port: ports.alertmanager },
    database: 'zoo',
  };
}

/** Path of the topology file of the lab in `dir`. */
export function topologyPath(dir: string): string {
  return path.join(dir, 'topology.json');
}

/** Saves `topology` to `<dir>/topology.json` (write-then-rename). */
export async function writeTopology(topology: LabTopology): Promise<void> {
  await mkdir(topology.dir, { recursive: true });
  const file = topologyPath(topology.dir);
  const tmp = `${file}.${String(process.pid)}.tmp`;
  await writeFile(tmp, JSON.stringify(topology, null, 2) + '\n');
  await rename(tmp, file);
}

/** Reads `<dir>/topology.json`, failing with a hint when the lab was never laid out there. */
export async function readTopology(dir: string): Promise<LabTopology> {
  let text: string;
  try {
    text = await readFile(topologyPath(path.resolve(dir)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LabServiceError(
        `no lab in ${dir} (no topology.json): start it with 'lifeboat lab up --dir ${dir}'`,
      );
    throw err;
  }
  const topology = JSON.parse(text) as { version?: unknown };
  if (topology.version !== 1)
    throw new LabServiceError(
      `${topologyPath(dir)} has version ${String(topology.version)}, this lifeboat understands 1`,
    );
  return topology as LabTopology;
}

/** The database cluster named `name`, or an error listing the ones there are. */
export function databaseCluster(topology: LabTopology, name: string): DatabaseCluster {
  const found = topology.databases.find((d) => d.name === name);
  if (!found)
    throw new LabServiceError(
      `${name} runs no database in the lab; database clusters: ${topology.databases.map((d) => d.name).join(', ')}`,
    );
  return found;
}

/** The other database cluster of the pair: the one `name` follows when it is a standby. */
export function peerOf(topology: LabTopology, name: string): DatabaseCluster {
  const [a, b] = topology.databases;
  if (a.name === name) return b;
  if (b.name === name) return a;
  throw new LabServiceError(
    `${name} is not one of the lab's database clusters (${a.name}, ${b.name})`,
  );
}
