/**
 * One member cluster's "node agent" in the lab: the process that hosts what would run
 * inside that cluster — its stand-ins and its `/metrics` endpoint — so that killing the
 * cluster (`lab kill cluster-1`) takes all of them down together.
 */
import { databaseSamples, haproxySamples } from '../metrics/collectors.js';
import { startMetricsServer } from '../metrics/server.js';
import type { LabTopology } from '../topology/topology.js';
import { runHaproxyStandin } from './haproxy.js';
import type { Log } from './kube.js';
import { runLoadBalancerStandin } from './loadbalancer.js';
import { runPerconaStandin } from './percona.js';

/** The parts an agent can run; all that apply to its cluster by default. */
export type AgentPart = 'metrics' | 'percona' | 'loadbalancer' | 'haproxy';

/** The parts that apply to `cluster`: database clusters vs the HAProxy cluster. */
export function agentParts(topology: LabTopology, cluster: string): AgentPart[] {
  if (topology.databases.some((d) => d.name === cluster))
    return ['metrics', 'percona', 'loadbalancer'];
  if (topology.haproxy.cluster === cluster) return ['metrics', 'haproxy'];
  return ['metrics'];
}

/** Options of {@link runClusterAgent}. */
export interface ClusterAgentOptions {
  topology: LabTopology;
  cluster: string;
  signal: AbortSignal;
  log: Log;
  /** Run only these parts (debugging one stand-in). */
  only?: readonly AgentPart[];
  /** Namespace of the PerconaPGCluster objects and the HAProxy ConfigMap. Default `psql-operator`. */
  namespace?: string;
}

/** Runs the agent of `cluster` until `signal` aborts. */
export async function runClusterAgent(options: ClusterAgentOptions): Promise<void> {
  const { topology, cluster, signal, log } = options;
  const parts = agentParts(topology, cluster).filter(
    (p) => !options.only || options.only.includes(p),
  );
  const db = topology.databases.find((d) => d.name === cluster);
  const running: Promise<void>[] = [];
  const ns = options.namespace ? { namespace: options.namespace } : {};

  if (parts.includes('metrics')) {
    const endpoint = topology.metrics.find((m) => m.cluster === cluster);
    if (endpoint) {
      const server = await startMetricsServer({
        host: endpoint.host,
        port: endpoint.port,
        collect: () =>
          db
            ? databaseSamples({
                cluster,
                postgres: { host: db.host, port: db.postgres.port },
                ferretdb: { host: db.host, port: db.ferretdb.port },
              })
            : haproxySamples({ cluster, haproxy: topology.haproxy }),
      });
      log(`${cluster} agent: metrics on ${server.url}`);
      signal.addEventListener('abort', () => void server.close());
    }
  }
  if (parts.includes('percona') && db) {
    running.push(runPerconaStandin({ topology, cluster, signal, log, ...ns }));
    log(`${cluster} agent: percona stand-in watching PerconaPGCluster ${db.perconaName}`);
  }
  if (parts.includes('loadbalancer') && db) {
    running.push(runLoadBalancerStandin({ topology, cluster, signal, log }));
    log(`${cluster} agent: loadbalancer stand-in watching Services`);
  }
  if (parts.includes('haproxy') && topology.haproxy.cluster === cluster) {
    running.push(runHaproxyStandin({ topology, signal, log, ...ns }));
    log(`${cluster} agent: haproxy stand-in watching ConfigMap psql-operator/haproxy-config`);
  }
  // Runs until stopped, even with nothing but the metrics endpoint to serve.
  running.push(
    new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve());
    }),
  );
  await Promise.all(running);
}
