import type { LabTopology } from './topology.js';

/** Where a name a manifest uses really answers in the lab. */
export interface Endpoint {
  host: string;
  port: number;
  /** The member cluster serving it. */
  cluster: string;
}

/**
 * The lab's stand-in for DNS and cloud load balancers, keyed `host:port` as manifests
 * write them. For each database cluster N (FerretDB Service port 27017):
 *
 * - `ferretdb-N.lab.lifeboat:27017`, the hostname the LoadBalancer stand-in writes into
 *   the Service's status (what the failover plan reads),
 * - `ferretdb-service-N.default.svc[.cluster.local]:27017`, the in-cluster names the
 *   example's initial haproxy-config uses,
 * - `<cluster host>:27017`, the LoadBalancer IP,
 *
 * all map to that cluster's FerretDB at `<cluster host>:<ferretdb port>`.
 */
export function hostnameTable(topology: LabTopology, servicePort = 27017): Map<string, Endpoint> {
  const table = new Map<string, Endpoint>();
  topology.databases.forEach((db, i) => {
    const n = String(i + 1);
    const target: Endpoint = { host: db.host, port: db.ferretdb.port, cluster: db.name };
    for (const name of [
      db.hostname,
      `ferretdb-service-${n}.default.svc`,
      `ferretdb-service-${n}.default.svc.cluster.local`,
      db.host,
    ]) {
      table.set(`${name}:${String(servicePort)}`, target);
    }
  });
  return table;
}
