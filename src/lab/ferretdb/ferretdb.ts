import { mkdir } from 'node:fs/promises';
import { LabServiceError } from '../processes/errors.js';
import { assertPortFree, isListening } from '../../util/ports.js';
import { killService, serviceRunning, startService, stopService } from '../processes/supervisor.js';
import type { DatabaseCluster, LabTopology } from '../topology/topology.js';
import { ensureFerretdb } from './binary.js';

/** Supervisor name of the FerretDB of `cluster`. */
export function ferretdbServiceName(cluster: string): string {
  return `ferretdb-${cluster}`;
}

/** The PostgreSQL URL FerretDB of database cluster `db` uses: its own cluster's PostgreSQL. */
export function ferretdbPostgresUrl(db: DatabaseCluster, database: string): string {
  return `postgres://postgres@${db.host}:${String(db.postgres.port)}/${database}`;
}

/** FerretDB 1.x's command line for `db` (plain PostgreSQL backend, no telemetry). */
export function ferretdbArgs(db: DatabaseCluster, database: string): string[] {
  return [
    '--handler=postgresql',
    `--postgresql-url=${ferretdbPostgresUrl(db, database)}`,
    `--listen-addr=${db.host}:${String(db.ferretdb.port)}`,
    // No debug HTTP listener: one less port, and the lab has its own /metrics.
    '--debug-addr=-',
    '--telemetry=disable',
    `--state-dir=${db.ferretdb.dir}`,
    '--log-level=info',
  ];
}

/**
 * Starts FerretDB for database cluster `name` on `<cluster host>:<ferretdb port>`, pointed
 * at that cluster's own PostgreSQL (a standby's FerretDB serves reads and refuses writes),
 * and waits until it accepts connections. Builds the binary if missing unless `build: false`.
 */
export async function startFerretdb(
  topology: LabTopology,
  name: string,
  options: { build?: boolean; onProgress?: (line: string) => void } = {},
): Promise<{ host: string; port: number }> {
  const db = topology.databases.find((d) => d.name === name);
  if (!db) throw new LabServiceError(`${name} runs no FerretDB in the lab`);
  const service = ferretdbServiceName(name);
  const endpoint = { host: db.host, port: db.ferretdb.port };
  if (await serviceRunning(topology.dir, service)) return endpoint;
  const binary = await ensureFerretdb(options);
  await assertPortFree(
    db.host,
    db.ferretdb.port,
    `FerretDB of ${name}`,
    'choose another with --ferretdb-port',
  );
  await mkdir(db.ferretdb.dir, { recursive: true });
  await startService(topology.dir, {
    name: service,
    cluster: name,
    command: binary,
    args: ferretdbArgs(db, topology.database),
    marker: `--state-dir=${db.ferretdb.dir}`,
    ready: () => isListening(db.host, db.ferretdb.port, 300),
    readyTimeoutMs: 30_000,
  });
  options.onProgress?.(`${name}: FerretDB on ${db.host}:${String(db.ferretdb.port)}`);
  return endpoint;
}

/** Stops the FerretDB of `cluster` (SIGTERM). */
export function stopFerretdb(dir: string, cluster: string): Promise<boolean> {
  return stopService(dir, ferretdbServiceName(cluster));
}

/** Kills the FerretDB of `cluster` (SIGKILL). */
export function killFerretdb(dir: string, cluster: string): Promise<boolean> {
  return killService(dir, ferretdbServiceName(cluster));
}
