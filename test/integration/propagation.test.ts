/**
 * Propagation against three real API servers: the seed's policies and examples land
 * where the blog says, deletes prune, hand edits are reverted, a 4xx for one object
 * does not block the others, status flows back, and the inventory survives a restart.
 * (The fencing path, with a killed API server, is in propagation-fencing.test.ts.)
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models are
   method-less classes that its own API takes as object literals (it serializes by field map). */
import { readFile } from 'node:fs/promises';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPropagation, type Propagation } from '../../src/propagation/propagator.js';
import { clusterNames, coreApi, labCluster, newNamespace } from '../support/clusters.js';
import {
  applyFiles,
  applyObjects,
  applyYaml,
  clusterObject,
  newHub,
  testLogger,
  type TestHub,
} from '../support/hub.js';
import { holders, live } from '../support/members.js';

let hub: TestHub;
let propagation: Propagation | undefined;
const ALL = ['cluster-1', 'cluster-2', 'cluster-3'];
const poll = { timeout: 30_000, interval: 100 };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function startPropagation(): Propagation {
  const p = createPropagation({
    redis: hub.redis,
    store: hub.store,
    resources: hub.resources,
    logger: testLogger,
    resyncMs: 10_000,
    clusters: { timing: { intervalMs: 1000, minBackoffMs: 100, maxBackoffMs: 500 } },
    objectBackoff: { minMs: 200, maxMs: 1000 },
  });
  propagation = p;
  return p;
}

async function registerClusters(): Promise<void> {
  await applyObjects(
    hub,
    ...clusterNames().map((n) => clusterObject(n, { path: labCluster(n).kubeconfig })),
  );
}

async function synced(p: Propagation): Promise<void> {
  await expect
    .poll(
      () =>
        p
          .stats()
          .every(
            (s) =>
              s.phase === 'ready' && s.queued === 0 && s.inFlight === 0 && s.applied === s.desired,
          ) && p.stats().length === 3,
      poll,
    )
    .toBe(true);
}

beforeEach(async () => {
  hub = newHub('prop');
  await registerClusters();
});

afterEach(async () => {
  await propagation?.stop();
  propagation = undefined;
  await hub.close();
});

/** A Duplicate policy to the given clusters for objects labelled `test=<ns>`. */
function policyYaml(name: string, ns: string, clusters: string[], extra = ''): string {
  return `
apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata:
  name: ${name}
spec:
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: ${ns}
  resourceSelectors:
    labelSelectors:
      - matchLabels:
          test: ${ns}
  clusterSelector:
    matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: In
        values: [${clusters.join(', ')}]
  spreadConstraints:
    spreadMode: Duplicate
${extra}`;
}

describe('propagation', () => {
  it(
    "places the seed's policies and examples as the blog describes, then prunes on delete",
    { timeout: 120_000 },
    async () => {
      await applyFiles(
        hub,
        'policies/seed-ferretdb.yaml',
        'policies/percona-and-haproxy.yaml',
        'examples/ferretdb-percona/ferretdb.yaml',
        'examples/ferretdb-percona/percona.yaml',
        'examples/ferretdb-percona/haproxy.yaml',
      );
      const p = startPropagation();
      await p.start();
      await synced(p);

      // FerretDB in cluster-1 and cluster-2, each with its own Postgres URL.
      expect(await holders(ALL, 'apps/v1', 'Deployment', 'default', 'ferretdb')).toStrictEqual([
        'cluster-1',
        'cluster-2',
      ]);
      for (const c of ['cluster-1', 'cluster-2']) {
        const d = await live(c, 'apps/v1', 'Deployment', 'default', 'ferretdb');
        expect(d.spec.template.spec.containers[0].env).toStrictEqual([
          {
            name: 'FERRETDB_POSTGRESQL_URL',
            value: `postgres://${c.replace('-', '')}-ha.psql-operator.svc:5432/zoo`,
          },
        ]);
        expect(d.metadata.labels).toStrictEqual({
          app: 'ferretdb',
          'app.kubernetes.io/managed-by': 'lifeboat',
        });
        expect(d.metadata.annotations?.['lifeboat.elotl.co/gitops-source']).toBeUndefined();
      }
      expect(await holders(ALL, 'v1', 'Service', 'default', 'ferretdb-service-1')).toStrictEqual([
        'cluster-1',
      ]);
      expect(await holders(ALL, 'v1', 'Service', 'default', 'ferretdb-service-2')).toStrictEqual([
        'cluster-2',
      ]);
      // Each Percona cluster in its own member cluster only.
      expect(
        await holders(ALL, 'pgv2.percona.com/v2', 'PerconaPGCluster', 'psql-operator', 'cluster1'),
      ).toStrictEqual(['cluster-1']);
      expect(
        await holders(ALL, 'pgv2.percona.com/v2', 'PerconaPGCluster', 'psql-operator', 'cluster2'),
      ).toStrictEqual(['cluster-2']);
      const pg1 = await live(
        'cluster-1',
        'pgv2.percona.com/v2',
        'PerconaPGCluster',
        'psql-operator',
        'cluster1',
      );
      expect(pg1.spec.standby).toStrictEqual({ enabled: false, repoName: 'repo1' });
      // HAProxy in cluster-3.
      expect(
        await holders(ALL, 'v1', 'ConfigMap', 'psql-operator', 'haproxy-config'),
      ).toStrictEqual(['cluster-3']);
      expect(await holders(ALL, 'apps/v1', 'Deployment', 'psql-operator', 'haproxy')).toStrictEqual(
        ['cluster-3'],
      );
      // The Namespace object follows what lives in it.
      expect(await holders(ALL, 'v1', 'Namespace', undefined, 'psql-operator')).toStrictEqual(ALL);

      const byName = new Map(
        p.placements().map((pl) => [`${pl.object.kind}/${pl.object.name}`, pl]),
      );
      expect(byName.get('Deployment/ferretdb')).toMatchObject({
        policy: 'spread-ferretdb',
        group: 'app=ferretdb',
        clusters: [
          { cluster: 'cluster-1', state: 'Applied' },
          { cluster: 'cluster-2', state: 'Applied' },
        ],
      });
      expect(byName.get('PerconaPGCluster/cluster1')).toMatchObject({
        policy: 'percona-cluster-1',
        matchedPolicies: ['percona-cluster-1'],
        clusters: [{ cluster: 'cluster-1', state: 'Applied' }],
      });

      // Deleting a policy prunes what it placed (the Namespace stays: never pruned).
      await hub.resources.delete(
        {
          group: 'policy.elotl.co',
          version: 'v1alpha1',
          kind: 'SchedulePolicy',
          plural: 'schedulepolicies',
          namespaced: false,
        },
        undefined,
        'haproxy-cluster-3',
      );
      await expect
        .poll(() => holders(ALL, 'v1', 'ConfigMap', 'psql-operator', 'haproxy-config'), poll)
        .toStrictEqual([]);
      await expect
        .poll(() => holders(ALL, 'apps/v1', 'Deployment', 'psql-operator', 'haproxy'), poll)
        .toStrictEqual([]);
      expect(await holders(ALL, 'v1', 'Namespace', undefined, 'psql-operator')).toStrictEqual(ALL);
      const haproxy = p.placements().find((pl) => pl.object.name === 'haproxy-config');
      expect(haproxy?.unschedulable).toContain('no SchedulePolicy selects it');

      // Deleting an object prunes it from every cluster that had it.
      await hub.resources.delete(
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          plural: 'deployments',
          namespaced: true,
        },
        'default',
        'ferretdb',
      );
      await expect
        .poll(() => holders(ALL, 'apps/v1', 'Deployment', 'default', 'ferretdb'), poll)
        .toStrictEqual([]);

      // Leave the shared clusters clean for the next tests.
      for (const [kind, plural, group, ns, name] of [
        ['Service', 'services', '', 'default', 'ferretdb-service-1'],
        ['Service', 'services', '', 'default', 'ferretdb-service-2'],
        ['PerconaPGCluster', 'perconapgclusters', 'pgv2.percona.com', 'psql-operator', 'cluster1'],
        ['PerconaPGCluster', 'perconapgclusters', 'pgv2.percona.com', 'psql-operator', 'cluster2'],
      ] as const) {
        await hub.resources.delete(
          { group, version: group ? 'v2' : 'v1', kind, plural, namespaced: true },
          ns,
          name,
        );
      }
      await expect
        .poll(() => holders(ALL, 'v1', 'Service', 'default', 'ferretdb-service-1'), poll)
        .toStrictEqual([]);
      await expect
        .poll(
          () =>
            holders(ALL, 'pgv2.percona.com/v2', 'PerconaPGCluster', 'psql-operator', 'cluster1'),
          poll,
        )
        .toStrictEqual([]);
    },
  );

  it(
    'reverts edits made by hand, re-creates deleted copies, and creates override paths the object lacks',
    { timeout: 60_000 },
    async () => {
      const ns = `drift-${Math.random().toString(16).slice(2, 8)}`;
      await applyYaml(
        hub,
        `${policyYaml(
          'drift',
          ns,
          ['cluster-1', 'cluster-2'],
          `    overrides:
      - topologyValue: cluster-2
        resources:
          - kind: ConfigMap
            apiVersion: v1
            name: settings
            override:
              - fieldPath: data.region
                value:
                  staticValue: west
              - fieldPath: metadata.annotations['example.com/zone']
                value:
                  staticValue: b
`,
        )}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${ns}, labels: {test: ${ns}}}
data: {mode: primary}
`,
      );
      const p = startPropagation();
      await p.start();
      await synced(p);
      // The namespace did not exist in the members: it was created.
      expect(
        (await live('cluster-1', 'v1', 'Namespace', undefined, ns))?.metadata.annotations,
      ).toStrictEqual({
        'lifeboat.elotl.co/created-for': 'objects placed by lifeboat',
      });
      expect((await live('cluster-1', 'v1', 'ConfigMap', ns, 'settings')).data).toStrictEqual({
        mode: 'primary',
      });
      expect((await live('cluster-2', 'v1', 'ConfigMap', ns, 'settings')).data).toStrictEqual({
        mode: 'primary',
        region: 'west',
      });
      // The hub object has no annotations at all: the override made the map.
      expect(
        (await live('cluster-2', 'v1', 'ConfigMap', ns, 'settings')).metadata.annotations,
      ).toStrictEqual({ 'example.com/zone': 'b' });
      expect(
        (await live('cluster-1', 'v1', 'ConfigMap', ns, 'settings')).metadata.annotations,
      ).toBeUndefined();

      // By hand: change a value lifeboat applied, and add a label of one's own.
      await coreApi('cluster-1').patchNamespacedConfigMap(
        {
          namespace: ns,
          name: 'settings',
          body: { metadata: { labels: { owner: 'ops' } }, data: { mode: 'standby' } },
          fieldManager: 'kubectl-edit',
        },
        mergePatch,
      );
      await expect
        .poll(async () => (await live('cluster-1', 'v1', 'ConfigMap', ns, 'settings')).data, poll)
        .toStrictEqual({ mode: 'primary' });
      // Fields lifeboat never set are not its business.
      expect(
        (await live('cluster-1', 'v1', 'ConfigMap', ns, 'settings')).metadata.labels,
      ).toStrictEqual({
        test: ns,
        owner: 'ops',
        'app.kubernetes.io/managed-by': 'lifeboat',
      });

      // By hand: delete a copy.
      await coreApi('cluster-2').deleteNamespacedConfigMap({ namespace: ns, name: 'settings' });
      await expect
        .poll(async () => (await live('cluster-2', 'v1', 'ConfigMap', ns, 'settings'))?.data, poll)
        .toStrictEqual({ mode: 'primary', region: 'west' });
    },
  );

  it(
    'prunes only what it applied: objects without its label, or not in its inventory, stay',
    { timeout: 60_000 },
    async () => {
      const ns = await newNamespace('cluster-1');
      await applyYaml(
        hub,
        `${policyYaml('prune', ns, ['cluster-1'])}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: placed, namespace: ${ns}, labels: {test: ${ns}}}
data: {a: "1"}
`,
      );
      // Someone else's objects in the same namespace, one even wearing lifeboat's label.
      await coreApi('cluster-1').createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'theirs' }, data: { b: '2' } },
      });
      await coreApi('cluster-1').createNamespacedConfigMap({
        namespace: ns,
        body: {
          metadata: { name: 'lookalike', labels: { 'app.kubernetes.io/managed-by': 'lifeboat' } },
          data: { c: '3' },
        },
      });
      const p = startPropagation();
      await p.start();
      await synced(p);
      expect(await live('cluster-1', 'v1', 'ConfigMap', ns, 'placed')).toBeDefined();

      await hub.resources.delete(
        { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
        ns,
        'placed',
      );
      await expect
        .poll(() => live('cluster-1', 'v1', 'ConfigMap', ns, 'placed'), poll)
        .toBeUndefined();
      expect(await live('cluster-1', 'v1', 'ConfigMap', ns, 'theirs')).toBeDefined();
      expect(await live('cluster-1', 'v1', 'ConfigMap', ns, 'lookalike')).toBeDefined();
    },
  );

  it('never sends a Secret that holds a member kubeconfig, even when a policy selects it', async () => {
    const ns = `secrets-${Math.random().toString(16).slice(2, 8)}`;
    const kubeconfig = Buffer.from(
      await readFile(labCluster('cluster-3').kubeconfig, 'utf8'),
    ).toString('base64');
    await applyYaml(
      hub,
      `${policyYaml('secrets', ns, ['cluster-1'])}
---
apiVersion: v1
kind: Secret
metadata: {name: member-kubeconfig, namespace: ${ns}, labels: {test: ${ns}}}
data: {kubeconfig: ${kubeconfig}}
---
apiVersion: v1
kind: Secret
metadata: {name: app-password, namespace: ${ns}, labels: {test: ${ns}}}
data: {password: cGFzcw==}
---
apiVersion: cluster.elotl.co/v1alpha1
kind: Cluster
metadata: {name: via-secret}
spec: {kubeconfig: {secretRef: {namespace: ${ns}, name: member-kubeconfig}}}
`,
    );
    const p = startPropagation();
    await p.start();
    await expect
      .poll(() => live('cluster-1', 'v1', 'Secret', ns, 'app-password'), poll)
      .toBeDefined();
    expect(await live('cluster-1', 'v1', 'Secret', ns, 'member-kubeconfig')).toBeUndefined();
    expect(p.placements().find((pl) => pl.object.name === 'member-kubeconfig')).toMatchObject({
      clusters: [],
      unschedulable: expect.stringContaining('holds a member cluster kubeconfig'),
    });
  });

  it(
    'keeps its inventory across a restart: an object deleted while lifeboat was down is pruned when it starts',
    { timeout: 60_000 },
    async () => {
      const ns = `restart-${Math.random().toString(16).slice(2, 8)}`;
      await applyYaml(
        hub,
        `${policyYaml('restart', ns, ['cluster-3'])}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kept, namespace: ${ns}, labels: {test: ${ns}}}
data: {a: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: dropped, namespace: ${ns}, labels: {test: ${ns}}}
data: {a: "1"}
`,
      );
      const first = startPropagation();
      await first.start();
      await synced(first);
      expect(await holders(ALL, 'v1', 'ConfigMap', ns, 'dropped')).toStrictEqual(['cluster-3']);
      await first.stop();

      await hub.resources.delete(
        { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
        ns,
        'dropped',
      );
      const second = startPropagation();
      await second.start();
      await expect
        .poll(() => live('cluster-3', 'v1', 'ConfigMap', ns, 'dropped'), poll)
        .toBeUndefined();
      expect(await live('cluster-3', 'v1', 'ConfigMap', ns, 'kept')).toBeDefined();
    },
  );

  it(
    'reports copies a cluster refuses on their placements without holding up the others, and applies them once fixed',
    { timeout: 60_000 },
    async () => {
      const ns = `refuse-${Math.random().toString(16).slice(2, 8)}`;
      const svc = (port: number) => `
apiVersion: v1
kind: Service
metadata: {name: ferretdb, namespace: ${ns}, labels: {test: ${ns}}}
spec: {ports: [{name: mongodb, port: ${port}}]}
`;
      const pgc = (enabled: string) => `
apiVersion: pgv2.percona.com/v2
kind: PerconaPGCluster
metadata: {name: db, namespace: ${ns}, labels: {test: ${ns}}}
spec: {standby: {enabled: ${enabled}}}
`;
      await applyYaml(
        hub,
        `${policyYaml('refuse', ns, ['cluster-2'])}
---${svc(70000)}
---${pgc('"yes"')}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fine, namespace: ${ns}, labels: {test: ${ns}}}
data: {a: "1"}
`,
      );
      const p = startPropagation();
      await p.start();
      const copy = (kind: string) =>
        p.placements().find((pl) => pl.object.kind === kind && pl.object.namespace === ns)
          ?.clusters[0];
      await expect.poll(() => live('cluster-2', 'v1', 'ConfigMap', ns, 'fine'), poll).toBeDefined();
      await expect
        .poll(() => copy('Service'), poll)
        .toMatchObject({
          cluster: 'cluster-2',
          state: 'Failed',
          error: {
            code: 422,
            reason: 'Invalid',
            message: expect.stringContaining('spec.ports[0].port'),
          },
        });
      // kube-apiserver answers a server-side apply that does not fit the CRD's schema with a 500.
      await expect
        .poll(() => copy('PerconaPGCluster'), poll)
        .toMatchObject({
          state: 'Failed',
          error: { message: expect.stringContaining('.spec.standby.enabled: expected boolean') },
        });
      expect(copy('ConfigMap')).toStrictEqual({ cluster: 'cluster-2', state: 'Applied' });

      await applyYaml(hub, `${svc(27017)}---${pgc('true')}`);
      await expect
        .poll(
          async () =>
            (await live('cluster-2', 'pgv2.percona.com/v2', 'PerconaPGCluster', ns, 'db'))?.spec,
          poll,
        )
        .toStrictEqual({
          standby: { enabled: true },
        });
      await expect
        .poll(
          async () =>
            (await live('cluster-2', 'v1', 'Service', ns, 'ferretdb'))?.spec.ports[0].port,
          poll,
        )
        .toBe(27017);
      await expect
        .poll(() => [copy('Service')?.state, copy('PerconaPGCluster')?.state], poll)
        .toStrictEqual(['Applied', 'Applied']);
    },
  );

  it(
    'brings member status back: a LoadBalancer address set in cluster-2 appears on the hub object; several copies report under status.clusters',
    { timeout: 60_000 },
    async () => {
      const ns = `status-${Math.random().toString(16).slice(2, 8)}`;
      const svc = (name: string, labels: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}
spec:
  type: LoadBalancer
  selector: {app: ferretdb}
  ports: [{name: mongodb, port: 27017, targetPort: 27017}]
`;
      await applyYaml(
        hub,
        `${policyYaml('status-one', ns, ['cluster-2'])}
---${policyYaml('status-two', ns, ['cluster-1', 'cluster-2']).replace(`test: ${ns}`, `both: ${ns}`)}
---${svc('ferretdb-service-2', `test: ${ns}`)}
---${svc('ferretdb-both', `both: ${ns}`)}
`,
      );
      const p = startPropagation();
      await p.start();
      await synced(p);

      const lb = (ip: string) => ({
        status: { loadBalancer: { ingress: [{ ip, hostname: `lb-${ip}.example` }] } },
      });
      const setStatus = (cluster: string, name: string, ip: string) =>
        coreApi(cluster).patchNamespacedServiceStatus(
          { namespace: ns, name, body: lb(ip) },
          mergePatch,
        );
      await setStatus('cluster-2', 'ferretdb-service-2', '127.0.0.20');
      const hubSvc = (name: string) => hub.store.get({ kind: 'core/Service', namespace: ns, name });
      await expect
        .poll(async () => (await hubSvc('ferretdb-service-2'))?.status, poll)
        .toStrictEqual({
          loadBalancer: {
            ingress: [{ ip: '127.0.0.20', hostname: 'lb-127.0.0.20.example', ipMode: 'VIP' }],
          },
        });
      // Writing status did not count as a change to send: generation stayed.
      expect((await hubSvc('ferretdb-service-2'))?.metadata.generation).toBe(1);

      await setStatus('cluster-1', 'ferretdb-both', '127.0.0.11');
      await setStatus('cluster-2', 'ferretdb-both', '127.0.0.12');
      await expect
        .poll(async () => (await hubSvc('ferretdb-both'))?.status, poll)
        .toStrictEqual({
          clusters: {
            'cluster-1': {
              loadBalancer: {
                ingress: [{ ip: '127.0.0.11', hostname: 'lb-127.0.0.11.example', ipMode: 'VIP' }],
              },
            },
            'cluster-2': {
              loadBalancer: {
                ingress: [{ ip: '127.0.0.12', hostname: 'lb-127.0.0.12.example', ipMode: 'VIP' }],
              },
            },
          },
        });
    },
  );
});
