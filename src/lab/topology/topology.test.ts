import { describe, expect, it } from 'vitest';
import { hostnameTable } from './hostnames.js';
import { peerOf, planTopology } from './topology.js';

describe('planTopology', () => {
  it('puts each cluster on its own loopback address with the usual ports', () => {
    const t = planTopology({ dir: '/lab' });
    expect(
      t.databases.map((d) => [
        d.name,
        d.host,
        d.postgres.port,
        d.ferretdb.port,
        d.hostname,
        d.perconaName,
      ]),
    ).toStrictEqual([
      ['cluster-1', '127.0.1.1', 5432, 27017, 'ferretdb-1.lab.lifeboat', 'cluster1'],
      ['cluster-2', '127.0.1.2', 5432, 27017, 'ferretdb-2.lab.lifeboat', 'cluster2'],
    ]);
    expect(t.haproxy).toStrictEqual({
      cluster: 'cluster-3',
      host: '127.0.0.1',
      port: 27017,
      dir: '/lab/haproxy',
    });
    expect(t.metrics.map((m) => `${m.cluster}=${m.host}:${String(m.port)}`)).toStrictEqual([
      'cluster-1=127.0.1.1:9187',
      'cluster-2=127.0.1.2:9187',
      'cluster-3=127.0.1.3:9187',
    ]);
    expect(t.replication).toBe('sync');
    expect(peerOf(t, 'cluster-1').name).toBe('cluster-2');
  });

  it('takes other ports and refuses non-loopback prefixes and bad ports', () => {
    expect(planTopology({ dir: '/lab', ports: { haproxy: 28000 } }).haproxy.port).toBe(28000);
    expect(() => planTopology({ dir: '/lab', clusterHostPrefix: '10.0.0.' })).toThrow('loopback');
    expect(() => planTopology({ dir: '/lab', ports: { postgres: 70_000 } })).toThrow(
      'port for postgres',
    );
  });

  it('maps every name a manifest may use for a FerretDB Service to that FerretDB', () => {
    const table = hostnameTable(planTopology({ dir: '/lab', ports: { ferretdb: 27100 } }));
    expect(
      Object.fromEntries(
        [...table].map(([k, v]) => [k, `${v.host}:${String(v.port)} ${v.cluster}`]),
      ),
    ).toStrictEqual({
      'ferretdb-1.lab.lifeboat:27017': '127.0.1.1:27100 cluster-1',
      'ferretdb-service-1.default.svc:27017': '127.0.1.1:27100 cluster-1',
      'ferretdb-service-1.default.svc.cluster.local:27017': '127.0.1.1:27100 cluster-1',
      '127.0.1.1:27017': '127.0.1.1:27100 cluster-1',
      'ferretdb-2.lab.lifeboat:27017': '127.0.1.2:27100 cluster-2',
      'ferretdb-service-2.default.svc:27017': '127.0.1.2:27100 cluster-2',
      'ferretdb-service-2.default.svc.cluster.local:27017': '127.0.1.2:27100 cluster-2',
      '127.0.1.2:27017': '127.0.1.2:27100 cluster-2',
    });
  });
});
