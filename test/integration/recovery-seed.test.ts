/**
 * The seed's failover, end to end on three real member clusters: the seed's policies,
 * examples and (corrected) failover plan loaded through lifeboat with propagation
 * running; an Alertmanager notification (payload v4) arrives; the run succeeds on the
 * control plane and propagation carries the result to the members — cluster1 demoted in
 * cluster-1, cluster2 promoted in cluster-2, and HAProxy's config in cluster-3 pointing at
 * the LoadBalancer hostname cluster-2 reported for ferretdb-service-2.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RecoveryRun } from '../../src/resources/records.js';
import { coreApi } from '../support/clusters.js';
import { holders, live } from '../support/members.js';
import {
  propagated,
  startClusterRecoveryServer,
  type ClusterRecoveryServer,
} from '../support/recovery-clusters.js';
import {
  applyObjects,
  notification,
  pollUntil,
  postAlerts,
  repoDocs,
  waitForRun,
} from '../support/recovery-server.js';
import { call } from '../support/server.js';

const ALL = ['cluster-1', 'cluster-2', 'cluster-3'];
const HOSTNAME = 'ferretdb-2.lab.lifeboat';
const PG = 'pgv2.percona.com/v2';
const poll = { timeout: 30_000, interval: 100 };
/** What the plan's last step renders with cluster-2's hostname. */
const RENDERED = `defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db_2\n\nbackend be_db_2\n    server db2 ${HOSTNAME}:27017 check`;

const standby = async (cluster: string, name: string): Promise<unknown> =>
  (await live(cluster, PG, 'PerconaPGCluster', 'psql-operator', name))?.spec?.standby?.enabled;
const haproxyCfg = async (cluster: string): Promise<unknown> =>
  (await live(cluster, 'v1', 'ConfigMap', 'psql-operator', 'haproxy-config'))?.data?.[
    'haproxy.cfg'
  ];

describe.skipIf(!inject('lifeboatClusters'))('the seed failover on real member clusters', () => {
  let s: ClusterRecoveryServer;

  beforeAll(async () => {
    s = await startClusterRecoveryServer({ clusters: ALL, propagation: true });
    await applyObjects(s, [
      ...repoDocs('policies/seed-ferretdb.yaml'),
      ...repoDocs('policies/percona-and-haproxy.yaml'),
      ...repoDocs('examples/ferretdb-percona/ferretdb.yaml'),
      ...repoDocs('examples/ferretdb-percona/percona.yaml'),
      ...repoDocs('examples/ferretdb-percona/haproxy.yaml'),
      ...repoDocs('recovery-plans/psql-primary-failover-plan.yaml'),
    ]);
    await propagated(s.propagation!, ALL.length);
    // What cluster-2's load-balancer controller (the lab's stand-in) writes.
    await coreApi('cluster-2').patchNamespacedServiceStatus(
      {
        namespace: 'default',
        name: 'ferretdb-service-2',
        body: {
          status: { loadBalancer: { ingress: [{ hostname: HOSTNAME, ip: '127.0.0.12' }] } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // Status sync brings it to the hub, where the plan's readField looks.
    await pollUntil(
      "cluster-2's LoadBalancer hostname on the hub",
      async () =>
        (await call(s, 'GET', '/api/v1/namespaces/default/services/ferretdb-service-2')).body
          ?.status?.loadBalancer?.ingress?.[0]?.hostname === HOSTNAME,
    );
  });
  afterAll(async () => {
    await (s as ClusterRecoveryServer | undefined)?.close();
  });

  it('starts with cluster1 primary in cluster-1 and HAProxy pointing at cluster-1', async () => {
    expect(await standby('cluster-1', 'cluster1')).toBe(false);
    expect(await standby('cluster-2', 'cluster2')).toBe(true);
    expect(await haproxyCfg('cluster-3')).toContain('server db1 ferretdb-service-1.default.svc');
    expect(await holders(ALL, 'v1', 'ConfigMap', 'psql-operator', 'haproxy-config')).toStrictEqual([
      'cluster-3',
    ]);
  });

  it('fails over on an Alertmanager notification, and the members converge', async () => {
    const res = await postAlerts(
      s,
      notification(
        {
          alertname: 'PostgresPrimaryDown',
          app: 'example-app',
          cluster: 'cluster-1',
          severity: 'critical',
        },
        { fingerprint: '7c1f2b9e6d0a4c3b', startsAt: '2026-11-21T10:15:03.123Z' },
      ),
    );
    expect(res.status, res.text).toBe(202);
    expect(res.body.alerts[0].outcome).toBe('RunStarted');
    const [name] = res.body.runsStarted as string[];
    const run: RecoveryRun = await waitForRun(s, name!, { timeoutMs: 30_000 });
    expect(run.status.phase, run.status.message).toBe('Succeeded');
    expect(run.status.steps.map((st) => st.state)).toStrictEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    // The plan read the hostname cluster-2 reported (synced back to the hub).
    expect(run.status.outputs).toStrictEqual({ Cluster2IP: HOSTNAME });

    // "Succeeded" means the desired state changed; propagation carries it to the members.
    await expect.poll(() => standby('cluster-1', 'cluster1'), poll).toBe(true);
    await expect.poll(() => standby('cluster-2', 'cluster2'), poll).toBe(false);
    await expect.poll(() => haproxyCfg('cluster-3'), poll).toBe(RENDERED);
    const pg1 = await live('cluster-1', PG, 'PerconaPGCluster', 'psql-operator', 'cluster1');
    expect(pg1.spec.standby).toStrictEqual({ enabled: true, repoName: 'repo1' });
    // Nothing went where it does not belong.
    expect(await holders(ALL, PG, 'PerconaPGCluster', 'psql-operator', 'cluster1')).toStrictEqual([
      'cluster-1',
    ]);
    expect(await holders(ALL, 'v1', 'ConfigMap', 'psql-operator', 'haproxy-config')).toStrictEqual([
      'cluster-3',
    ]);
  });
});
