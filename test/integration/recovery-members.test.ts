/**
 * Steps with `cluster:` against real member clusters (kube-apiserver + etcd), through
 * the real ClusterRegistry: a merge patch on a custom resource, a read of a Service's
 * LoadBalancer status, a rendered ConfigMap, a path through a list index, a JSON patch,
 * a wait, a dry run reading live objects, a 404, and a cluster that is down.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RecoveryRun } from '../../src/resources/records.js';
import { coreApi, newNamespace, objectApi, withClusterDown } from '../support/clusters.js';
import { live } from '../support/members.js';
import {
  startClusterRecoveryServer,
  type ClusterRecoveryServer,
} from '../support/recovery-clusters.js';
import { applyObjects, plan, waitForRun, type RecoveryServer } from '../support/recovery-server.js';
import { call, TOKENS } from '../support/server.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const HAPROXY = 'backend be_db_2\n    server db2 {{ .Values.Host }}:27017 check';

async function run(s: RecoveryServer, name: string): Promise<RecoveryRun> {
  const res = await call(s, 'POST', `/apis/recovery.elotl.co/v1alpha1/recoveryplans/${name}/run`, {
    token: TOKENS.operator,
  });
  expect(res.status, res.text).toBe(201);
  return waitForRun(s, (res.body as RecoveryRun).metadata.name, { timeoutMs: 40_000 });
}

describe.skipIf(!inject('lifeboatClusters'))('recovery steps on real member clusters', () => {
  let s: ClusterRecoveryServer;
  let ns: string;

  beforeAll(async () => {
    s = await startClusterRecoveryServer({ clusters: ['cluster-1', 'cluster-2'] });
    ns = await newNamespace('cluster-2', 'recovery');
    const api = objectApi('cluster-2');
    await api.create({
      apiVersion: 'pgv2.percona.com/v2',
      kind: 'PerconaPGCluster',
      metadata: { name: 'cluster2', namespace: ns },
      spec: { standby: { enabled: true, repoName: 'repo1' } },
    } as never);
    await api.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'haproxy-config', namespace: ns },
      data: { 'haproxy.cfg': 'old', keep: 'me' },
    } as never);
    await api.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ferretdb-service-2', namespace: ns },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'ferretdb' },
        ports: [{ name: 'mongodb', port: 27017, targetPort: 27017 }],
      },
    } as never);
    // What cluster-2's load-balancer controller would write.
    await coreApi('cluster-2').patchNamespacedServiceStatus(
      {
        namespace: ns,
        name: 'ferretdb-service-2',
        body: {
          status: { loadBalancer: { ingress: [{ hostname: 'ferretdb-2.elb.example.com' }] } },
        },
      },
      mergePatch,
    );

    const at = (resource: string, name: string, apiVersion = 'v1') => ({
      apiVersion,
      resource,
      namespace: ns,
      name,
      cluster: 'cluster-2',
    });
    await applyObjects(s, [
      plan('member-failover', {
        steps: [
          {
            type: 'patch',
            patch: {
              ...at('perconapgclusters', 'cluster2', 'pgv2.percona.com/v2'),
              override: { fieldPath: 'spec.standby.enabled', value: { raw: false } },
              patchType: 'application/merge-patch+json',
            },
          },
          {
            type: 'wait',
            wait: {
              ...at('perconapgclusters', 'cluster2', 'pgv2.percona.com/v2'),
              fieldPath: 'spec.standby.enabled',
              equals: false,
              timeoutSeconds: 10,
              intervalMilliseconds: 50,
            },
          },
          {
            type: 'readField',
            readField: {
              ...at('services', 'ferretdb-service-2'),
              fieldPath: 'status.loadBalancer.ingress[0].hostname',
              outputKey: 'Host',
            },
          },
          {
            type: 'patch',
            patch: {
              ...at('configmaps', 'haproxy-config'),
              override: { fieldPath: 'data', value: { raw: { 'haproxy.cfg': HAPROXY } } },
              patchType: 'application/merge-patch+json',
            },
          },
          {
            type: 'patch',
            patch: {
              ...at('services', 'ferretdb-service-2'),
              override: { fieldPath: 'spec.ports[0].name', value: { raw: 'mongo' } },
              patchType: 'application/merge-patch+json',
            },
          },
          {
            type: 'patch',
            patch: {
              ...at('configmaps', 'haproxy-config'),
              override: { fieldPath: "data['backend']", value: { raw: '{{ .Values.Host }}' } },
              patchType: 'application/json-patch+json',
            },
          },
        ],
      }),
      plan('member-missing', {
        steps: [
          {
            type: 'patch',
            patch: {
              ...at('configmaps', 'no-such-config'),
              override: { fieldPath: 'data.a', value: { raw: 'b' } },
            },
          },
        ],
      }),
      plan('member-down', {
        steps: [
          {
            type: 'readField',
            readField: {
              apiVersion: 'v1',
              resource: 'namespaces',
              name: 'default',
              cluster: 'cluster-1',
              fieldPath: 'metadata.name',
              outputKey: 'N',
            },
          },
        ],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('previews the plan with live reads, changing nothing', async () => {
    const res = await call(
      s,
      'POST',
      '/apis/recovery.elotl.co/v1alpha1/recoveryplans/member-failover/run?dryRun=true',
      { token: TOKENS.operator },
    );
    expect(res.status).toBe(200);
    const dry = res.body as RecoveryRun;
    expect(dry.status.phase, dry.status.message).toBe('Succeeded');
    expect(dry.status.steps.map((st) => [st.before, st.after])).toStrictEqual([
      [true, false],
      [undefined, undefined],
      [undefined, undefined],
      [
        { 'haproxy.cfg': 'old', keep: 'me' },
        {
          'haproxy.cfg': 'backend be_db_2\n    server db2 ferretdb-2.elb.example.com:27017 check',
          keep: 'me',
        },
      ],
      ['mongodb', 'mongo'],
      [null, 'ferretdb-2.elb.example.com'],
    ]);
    // The wait saw the overlay (the patch before it), not the cluster: the cluster is unchanged.
    expect(dry.status.steps[1]?.output).toStrictEqual({ value: false, satisfiedNow: true });
    expect(
      (await live('cluster-2', 'pgv2.percona.com/v2', 'PerconaPGCluster', ns, 'cluster2')).spec
        .standby.enabled,
    ).toBe(true);
  });

  it('runs every step against the live objects', async () => {
    const r = await run(s, 'member-failover');
    expect(r.status.phase, r.status.message).toBe('Succeeded');
    expect(r.status.outputs).toStrictEqual({ Host: 'ferretdb-2.elb.example.com' });
    const pgc = await live('cluster-2', 'pgv2.percona.com/v2', 'PerconaPGCluster', ns, 'cluster2');
    expect(pgc.spec.standby).toStrictEqual({ enabled: false, repoName: 'repo1' });
    const cm = await live('cluster-2', 'v1', 'ConfigMap', ns, 'haproxy-config');
    expect(cm.data).toStrictEqual({
      'haproxy.cfg': 'backend be_db_2\n    server db2 ferretdb-2.elb.example.com:27017 check',
      keep: 'me',
      backend: 'ferretdb-2.elb.example.com',
    });
    const svc = await live('cluster-2', 'v1', 'Service', ns, 'ferretdb-service-2');
    expect(svc.spec.ports).toMatchObject([
      { name: 'mongo', port: 27017, targetPort: 27017, protocol: 'TCP' },
    ]);
    expect(svc.spec.ports).toHaveLength(1);
  });

  it('fails at once when the object does not exist', async () => {
    const r = await run(s, 'member-missing');
    expect(r.status.phase).toBe('Failed');
    expect(r.status.steps[0]?.error).toMatch(
      /^patching configmaps \S+\/no-such-config in cluster cluster-2 failed: cluster cluster-2: .*not found/,
    );
  });

  it('fails after retries when the cluster is down, and works again once it is back', async () => {
    const r = await withClusterDown('cluster-1', () => run(s, 'member-down'));
    expect(r.status.phase).toBe('Failed');
    expect(r.status.steps[0]?.error).toMatch(
      /^reading namespaces default in cluster cluster-1 failed after 3 attempts: cluster cluster-1: /,
    );
    await expect.poll(() => s.registry.isReady('cluster-1'), { timeout: 30_000 }).toBe(true);
    const again = await run(s, 'member-down');
    expect(again.status.phase, again.status.message).toBe('Succeeded');
    expect(again.status.outputs).toStrictEqual({ N: 'default' });
  });
});
