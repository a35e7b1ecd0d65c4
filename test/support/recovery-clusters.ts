/**
 * A recovery test server wired to the real member clusters the global setup started:
 * the lab's clusters registered as Cluster objects, member access through the real
 * ClusterRegistry, and (optionally) propagation running, as `lifeboat serve` wires them.
 */
import { ClusterRegistry } from '../../src/clusters/registry.js';
import { createPropagation, type Propagation } from '../../src/propagation/propagator.js';
import { labCluster } from './clusters.js';
import { clusterObject, testLogger } from './hub.js';
import {
  applyObjects,
  pollUntil,
  startRecoveryServer,
  type EngineTuning,
  type RecoveryServer,
} from './recovery-server.js';

export interface ClusterRecoveryServer extends RecoveryServer {
  registry: ClusterRegistry;
  /** Present when started with `propagation: true`. */
  propagation?: Propagation;
}

/** Fast probes, so a cluster that comes back is seen within a second. */
const TIMING = { intervalMs: 500, minBackoffMs: 100, maxBackoffMs: 500 };

export async function startClusterRecoveryServer(opts: {
  clusters: readonly string[];
  /** Run propagation (hub → members, status back) beside the engine. */
  propagation?: boolean;
  tuning?: Omit<EngineTuning, 'members' | 'membersFrom' | 'beforeClose'>;
}): Promise<ClusterRecoveryServer> {
  let registry: ClusterRegistry | undefined;
  let propagation: Propagation | undefined;
  const s = await startRecoveryServer({
    memberRetryDelayMs: 100,
    ...opts.tuning,
    membersFrom: (base) => {
      if (opts.propagation) {
        propagation = createPropagation({
          redis: base.redis,
          store: base.store,
          resources: base.resources,
          logger: testLogger,
          resyncMs: 10_000,
          clusters: { timing: TIMING, probeTimeoutMs: 2000 },
          objectBackoff: { minMs: 200, maxMs: 1000 },
        });
        registry = propagation.registry;
        return propagation.members;
      }
      registry = new ClusterRegistry({
        store: base.store,
        resources: base.resources,
        logger: testLogger,
        timing: TIMING,
        probeTimeoutMs: 2000,
      });
      return registry;
    },
    beforeClose: async () => {
      await (propagation ?? registry)?.stop();
    },
  });
  if (!registry) throw new Error('the recovery server did not build its member access');
  const r = registry;
  try {
    await applyObjects(
      s,
      opts.clusters.map((n) => clusterObject(n, { path: labCluster(n).kubeconfig })),
    );
    await (propagation ?? r).start();
    await pollUntil('every member cluster ready', () => opts.clusters.every((c) => r.isReady(c)));
  } catch (err) {
    await s.close();
    throw err;
  }
  return { ...s, registry: r, ...(propagation ? { propagation } : {}) };
}

/**
 * Resolves once every cluster's propagation worker is ready and has applied all it
 * should; every cluster must have been given something (before the first reconcile,
 * "nothing desired, nothing applied" would look done).
 */
export async function propagated(p: Propagation, clusters: number): Promise<void> {
  await pollUntil(
    'propagation applying everything',
    () => {
      const stats = p.stats();
      return (
        stats.length === clusters &&
        stats.every(
          (st) =>
            st.phase === 'ready' &&
            st.desired > 0 &&
            st.queued === 0 &&
            st.inFlight === 0 &&
            st.applied === st.desired,
        )
      );
    },
    60_000,
  );
}
