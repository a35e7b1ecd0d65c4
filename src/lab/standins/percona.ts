/**
 * STAND-IN for the Percona Operator for PostgreSQL. The real operator runs PostgreSQL in
 * pods and turns `spec.standby.enabled` into a primary or a standby cluster. The lab has
 * no pods, so this loop does the one thing recovery plans rely on, on the cluster's local
 * PostgreSQL: `standby.enabled: false` → promote (if in recovery); `true` → become a
 * streaming standby of the other database cluster (pg_rewind, else a fresh base backup).
 * It reports what it did in the object's `.status` (state, role, lsn, host ...).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { appendLabEvent } from '../events.js';
import { compareLsn } from '../postgres/lsn.js';
import {
  dataDir,
  demotePostgres,
  isInitialized,
  postgresNode,
  postgresRunning,
  probePostgres,
  promotePostgres,
  readConf,
  reconcileSynchronous,
  startPostgres,
  stopPostgres,
} from '../postgres/instance.js';
import type { PostgresNode } from '../postgres/instance.js';
import type { PgProbe } from '../postgres/sql.js';
import { databaseCluster, peerOf } from '../topology/topology.js';
import type { LabTopology } from '../topology/topology.js';
import { loadKubeConfig, mergePatch, runController, statusCode } from './kube.js';
import type { Log } from './kube.js';

/** The PerconaPGCluster API the stand-in serves. */
export const perconaApi = { group: 'pgv2.percona.com', version: 'v2', plural: 'perconapgclusters' };

/** Namespace the lab's PerconaPGCluster objects live in (examples/ferretdb-percona). */
export const perconaNamespace = 'psql-operator';

/** The parts of a PerconaPGCluster the stand-in reads. */
export interface PerconaPGCluster {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: { standby?: { enabled?: boolean } };
  status?: Record<string, unknown>;
}

/** What the stand-in writes into `.status`. */
export interface PerconaStatus {
  state: 'ready' | 'initializing' | 'promoting' | 'demoting' | 'waiting' | 'error';
  role: 'primary' | 'standby' | 'unknown';
  host: string;
  lsn: string | null;
  following: string | null;
  synchronous: boolean;
  postgres: { ready: number; size: number };
  message: string;
  standIn: string;
  observedGeneration: number | null;
}

/** How long a standby may fail to stream from a live primary before it is rewound again. */
const notStreamingLimitMs = 5_000;

const standInName = 'lifeboat lab percona stand-in (not the Percona Operator)';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Options of {@link runPerconaStandin}. */
export interface PerconaStandinOptions {
  topology: LabTopology;
  /** The database cluster it serves (`cluster-1`). */
  cluster: string;
  signal: AbortSignal;
  log: Log;
  resyncMs?: number;
  /** Namespace of the PerconaPGCluster objects. Default `psql-operator`. */
  namespace?: string;
}

/**
 * Runs the Percona stand-in of one database cluster until `signal` aborts: watches that
 * cluster's PerconaPGCluster objects in `psql-operator` and reconciles the one named
 * after the cluster (`cluster1` in cluster-1) against the local PostgreSQL.
 */
export async function runPerconaStandin(options: PerconaStandinOptions): Promise<void> {
  const { topology, cluster, log } = options;
  const db = databaseCluster(topology, cluster);
  const peerDb = peerOf(topology, cluster);
  const node = postgresNode(topology.dir, db);
  const peer = postgresNode(topology.dir, peerDb);
  const source = `percona-standin/${cluster}`;
  const kc = loadKubeConfig(topology.dir, cluster);
  const api = kc.makeApiClient(CustomObjectsApi);
  const namespace = options.namespace ?? perconaNamespace;
  let notStreamingSince: number | null = null;
  let lastStatus = '';
  let lastStatusAt = 0;

  const event = (name: string, detail: Record<string, unknown> = {}): Promise<void> =>
    appendLabEvent(topology.dir, { source, event: name, cluster, ...detail });

  const peerProbe = (): Promise<PgProbe | undefined> =>
    probePostgres(peer, 700).catch(() => undefined);

  const writeStatus = async (cr: PerconaPGCluster, status: PerconaStatus): Promise<void> => {
    // The LSN moves with every write: rewrite for it at most every 5 s.
    const key = JSON.stringify({ ...status, lsn: null });
    if (key === lastStatus && Date.now() - lastStatusAt < 5_000) return;
    await api.patchNamespacedCustomObjectStatus(
      { ...perconaApi, namespace, name: cr.metadata.name, body: { status } },
      mergePatch(),
    );
    lastStatus = key;
    lastStatusAt = Date.now();
  };

  const status = (
    cr: PerconaPGCluster,
    state: PerconaStatus['state'],
    probe: PgProbe | undefined,
    message: string,
  ): PerconaStatus => ({
    state,
    role: probe ? (probe.inRecovery ? 'standby' : 'primary') : 'unknown',
    host: `${node.host}:${String(node.port)}`,
    lsn: probe?.lsn ?? null,
    following: probe?.inRecovery ? peerDb.name : null,
    synchronous: Boolean(probe && !probe.inRecovery && probe.synchronousStandbyNames),
    postgres: { ready: probe ? 1 : 0, size: 1 },
    message,
    standIn: standInName,
    observedGeneration: cr.metadata.generation ?? null,
  });

  const becomeStandby = async (cr: PerconaPGCluster, why: string): Promise<void> => {
    const peerState = await peerProbe();
    if (!peerState || peerState.inRecovery) {
      // Never two primaries: step down now, follow once the other side is primary.
      if (await stopPostgres(node)) {
        log(
          `${source}: stopped PostgreSQL (fenced): standby wanted, ${peerDb.name} is not primary yet`,
        );
        await event('fenced', { reason: why });
      }
      await writeStatus(
        cr,
        status(
          cr,
          'waiting',
          undefined,
          `standby wanted; waiting for ${peerDb.name} to be primary`,
        ),
      );
      return;
    }
    await writeStatus(cr, status(cr, 'demoting', undefined, why)).catch(() => undefined);
    const t0 = Date.now();
    const result = await demotePostgres(node, { host: peer.host, port: peer.port });
    log(
      `${source}: now a standby of ${peerDb.name} via ${result.method} in ${String(result.ms)} ms${result.rewindMs !== null ? ` (pg_rewind ${String(result.rewindMs)} ms)` : ''}${result.rewindError ? `; pg_rewind failed: ${result.rewindError}` : ''}`,
    );
    await event('demoted', {
      ms: Date.now() - t0,
      method: result.method,
      rewindMs: result.rewindMs,
      following: peerDb.name,
      reason: why,
    });
    notStreamingSince = null;
  };

  const reconcile = async (items: PerconaPGCluster[]): Promise<void> => {
    const cr = items.find((o) => o.metadata.name === db.perconaName);
    if (!cr) return;
    const wantStandby = cr.spec?.standby?.enabled === true;

    if (!(await isInitialized(node))) {
      await writeStatus(
        cr,
        status(
          cr,
          'initializing',
          undefined,
          `no data directory in ${dataDir(node)}: create the pair with 'lifeboat lab up'`,
        ),
      );
      return;
    }

    if (!(await postgresRunning(node))) {
      const isStandbyData = await exists(path.join(dataDir(node), 'standby.signal'));
      const conf = await readConf(node);
      const followsPeer = conf?.follow?.host === peer.host && conf.follow.port === peer.port;
      if (wantStandby && !(isStandbyData && followsPeer)) {
        // Back from a crash as a former primary (the `lab revive` case): rewind first.
        await becomeStandby(cr, 'started as standby of the primary');
        return;
      }
      await writeStatus(cr, status(cr, 'initializing', undefined, 'starting PostgreSQL'));
      await startPostgres(node);
      await event('started', { role: isStandbyData ? 'standby' : 'primary' });
    }

    const probe = await probePostgres(node, 1_000);
    if (wantStandby && !probe.inRecovery) {
      await becomeStandby(cr, 'spec.standby.enabled is true');
      return;
    }
    if (!wantStandby && probe.inRecovery) {
      const peerState = await peerProbe();
      if (peerState && !peerState.inRecovery) {
        // The other side still answers as primary: promoting now would make two.
        await writeStatus(
          cr,
          status(cr, 'waiting', probe, `promotion wanted; waiting for ${peerDb.name} to step down`),
        );
        return;
      }
      // KubeDB's rule: the replica with the most data is the one to promote. There is one
      // candidate here, so the check only warns when the other side is known to be ahead.
      const behind = peerState ? compareLsn(probe.lsn, peerState.lsn) < 0 : false;
      await writeStatus(cr, status(cr, 'promoting', probe, 'promoting'));
      const result = await promotePostgres(node, { cluster: peerDb.name });
      log(`${source}: promoted to primary in ${String(result.ms)} ms at LSN ${probe.lsn}`);
      await event('promoted', { ms: result.ms, lsn: probe.lsn, peerAhead: behind });
      const after = await probePostgres(node, 1_000);
      await writeStatus(
        cr,
        status(
          cr,
          'ready',
          after,
          behind
            ? `promoted although ${peerDb.name} had more WAL (${peerState?.lsn ?? '?'} > ${probe.lsn})`
            : 'promoted',
        ),
      );
      return;
    }
    if (!probe.inRecovery) {
      await reconcileSynchronous(node, topology.replication, probe);
      notStreamingSince = null;
      await writeStatus(cr, status(cr, 'ready', await probePostgres(node, 1_000), 'primary'));
      return;
    }
    // A standby that should be one: is it actually following the primary?
    if (probe.sender) notStreamingSince = null;
    else {
      notStreamingSince ??= Date.now();
      const peerState = await peerProbe();
      if (
        peerState &&
        !peerState.inRecovery &&
        Date.now() - notStreamingSince > notStreamingLimitMs
      ) {
        // Diverged (e.g. after a failback) and cannot stream: rewind against the primary.
        await becomeStandby(
          cr,
          `not streaming from ${peerDb.name} for ${String(notStreamingLimitMs / 1000)} s`,
        );
        return;
      }
    }
    await writeStatus(
      cr,
      status(
        cr,
        'ready',
        probe,
        probe.sender ? `streaming from ${peerDb.name}` : `standby, not streaming yet`,
      ),
    );
  };

  await runController<PerconaPGCluster>({
    name: source,
    kc,
    watchPath: `/apis/${perconaApi.group}/${perconaApi.version}/namespaces/${namespace}/${perconaApi.plural}`,
    list: async () => {
      try {
        const list = (await api.listNamespacedCustomObject({
          ...perconaApi,
          namespace,
        })) as { items?: PerconaPGCluster[] };
        return list.items ?? [];
      } catch (err) {
        if (statusCode(err) === 404) return [];
        throw err;
      }
    },
    reconcile,
    signal: options.signal,
    log,
    resyncMs: options.resyncMs ?? 1_000,
  });
}

/** Exported for tests: the node the stand-in of `cluster` manages. */
export function perconaNode(topology: LabTopology, cluster: string): PostgresNode {
  return postgresNode(topology.dir, databaseCluster(topology, cluster));
}
