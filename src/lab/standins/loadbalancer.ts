/**
 * STAND-IN for a cloud's LoadBalancer controller (the part of a cloud provider that gives
 * `type: LoadBalancer` Services an address). Nothing in the lab allocates load balancers,
 * so this loop writes `status.loadBalancer.ingress[0]` of each such Service in one member
 * cluster: the FerretDB port (27017) gets the cluster's lab hostname
 * (`ferretdb-N.lab.lifeboat`) and its loopback IP, which the lab's hostname table maps to
 * that cluster's FerretDB. The failover plan reads that hostname to repoint HAProxy.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { appendLabEvent } from '../events.js';
import { databaseCluster } from '../topology/topology.js';
import type { LabTopology } from '../topology/topology.js';
import { loadKubeConfig, mergePatch, runController } from './kube.js';
import type { Log } from './kube.js';

/** The Service port the lab's load balancers serve: FerretDB's. */
export const loadBalancedPort = 27017;

/** The ingress the stand-in writes for a Service, or null for Services it leaves alone. */
export function desiredIngress(
  service: V1Service,
  lb: { hostname: string; ip: string },
): { hostname: string; ip: string } | null {
  if (service.spec?.type !== 'LoadBalancer') return null;
  if (!service.spec.ports?.some((p) => p.port === loadBalancedPort)) return null;
  return { hostname: lb.hostname, ip: lb.ip };
}

/** Options of {@link runLoadBalancerStandin}. */
export interface LoadBalancerStandinOptions {
  topology: LabTopology;
  /** The database cluster whose Services it serves. */
  cluster: string;
  signal: AbortSignal;
  log: Log;
  resyncMs?: number;
}

/** Runs the LoadBalancer stand-in of one member cluster until `signal` aborts. */
export async function runLoadBalancerStandin(options: LoadBalancerStandinOptions): Promise<void> {
  const { topology, cluster, log } = options;
  const db = databaseCluster(topology, cluster);
  const source = `loadbalancer-standin/${cluster}`;
  const kc = loadKubeConfig(topology.dir, cluster);
  const api = kc.makeApiClient(CoreV1Api);
  const skipped = new Set<string>();

  await runController<V1Service>({
    name: source,
    kc,
    watchPath: '/api/v1/services',
    list: async () => (await api.listServiceForAllNamespaces()).items,
    reconcile: async (services) => {
      for (const svc of services) {
        const name = svc.metadata?.name ?? '';
        const namespace = svc.metadata?.namespace ?? 'default';
        const want = desiredIngress(svc, { hostname: db.hostname, ip: db.host });
        if (!want) {
          if (svc.spec?.type === 'LoadBalancer' && !skipped.has(`${namespace}/${name}`)) {
            skipped.add(`${namespace}/${name}`);
            log(
              `${source}: ${namespace}/${name} has no port ${String(loadBalancedPort)}; the lab balances only FerretDB`,
            );
          }
          continue;
        }
        const have = svc.status?.loadBalancer?.ingress?.[0];
        if (have?.hostname === want.hostname && have.ip === want.ip) continue;
        await api.patchNamespacedServiceStatus(
          { name, namespace, body: { status: { loadBalancer: { ingress: [want] } } } },
          mergePatch(),
        );
        log(`${source}: ${namespace}/${name} -> ${want.hostname} (${want.ip})`);
        await appendLabEvent(topology.dir, {
          source,
          event: 'loadbalancer-filled',
          cluster,
          service: `${namespace}/${name}`,
          hostname: want.hostname,
        });
      }
    },
    signal: options.signal,
    log,
    resyncMs: options.resyncMs ?? 2_000,
  });
}
