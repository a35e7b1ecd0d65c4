/**
 * Propagation metrics on /metrics, against the three real API servers: after a
 * propagation the apply counters, durations, object gauges and readiness have moved;
 * a refused object, a prune and drift by hand each move their own series.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementRoutes } from '../../src/api/routes/placements.js';
import { createPropagation, type Propagation } from '../../src/propagation/propagator.js';
import { clusterNames, coreApi, labCluster } from '../support/clusters.js';
import { testLogger } from '../support/hub.js';
import { live } from '../support/members.js';
import { call, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let propagation: Propagation;
const ns = `metrics-${Math.random().toString(16).slice(2, 8)}`;
const poll = { timeout: 30_000, interval: 100 };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The value of one series on /metrics (labels matched as a subset); undefined when absent. */
async function sample(
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = (await call(server, 'GET', '/metrics', { token: null })).text;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

function configMap(name: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${ns}, labels: {test: ${ns}}}
data: {a: "1"}
`;
}

beforeAll(async () => {
  server = await startTestServer({
    routers: (s) => {
      propagation = createPropagation({
        redis: s.redis,
        store: s.store,
        resources: s.resources,
        logger: testLogger,
        metrics: s.metrics,
        resyncMs: 10_000,
        clusters: { timing: { intervalMs: 1000, minBackoffMs: 100, maxBackoffMs: 500 } },
        objectBackoff: { minMs: 200, maxMs: 1000 },
      });
      return [placementRoutes(propagation)];
    },
  });
  await propagation.start();
  const clusters = clusterNames()
    .map(
      (n) =>
        `apiVersion: cluster.elotl.co/v1alpha1\nkind: Cluster\nmetadata: {name: ${n}}\nspec: {kubeconfig: {path: ${labCluster(n).kubeconfig}}}\n`,
    )
    .join('---\n');
  const body = `${clusters}---
apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata: {name: metrics}
spec:
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}
  resourceSelectors: {labelSelectors: [{matchLabels: {test: ${ns}}}]}
  clusterSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [cluster-1, cluster-2]}]}
  spreadConstraints: {spreadMode: Duplicate}
---
${configMap('one')}---
${configMap('two')}---
${configMap('three')}---
apiVersion: v1
kind: Service
metadata: {name: refused, namespace: ${ns}, labels: {test: ${ns}}}
spec: {ports: [{name: x, port: 70000}]}
`;
  const res = await call(server, 'POST', '/apply', { body, type: 'application/yaml' });
  if (res.status !== 200) throw new Error(`fixtures not applied: ${res.text}`);
});

afterAll(async () => {
  await propagation.stop();
  await server.close();
});

describe('propagation metrics on /metrics', () => {
  it('count applies by result, time them, and show objects per state, queue depth and readiness', async () => {
    for (const cluster of ['cluster-1', 'cluster-2']) {
      await expect
        .poll(() => sample('lifeboat_propagation_objects', { cluster, state: 'applied' }), poll)
        .toBe(3);
      expect(await sample('lifeboat_propagation_objects', { cluster, state: 'desired' })).toBe(4);
      await expect
        .poll(() => sample('lifeboat_propagation_objects', { cluster, state: 'failed' }), poll)
        .toBe(1);
      expect(
        await sample('lifeboat_propagation_applies_total', { cluster, result: 'applied' }),
      ).toBeGreaterThanOrEqual(3);
      // The Service's port 70000 is refused with a 422: counted, and retried with backoff.
      expect(
        await sample('lifeboat_propagation_applies_total', { cluster, result: 'refused' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        await sample('lifeboat_propagation_apply_duration_seconds_count', { cluster }),
      ).toBeGreaterThanOrEqual(4);
      await expect
        .poll(() => sample('lifeboat_propagation_resync_duration_seconds_count', { cluster }), poll)
        .toBeGreaterThanOrEqual(1);
      expect(await sample('lifeboat_propagation_catchup_duration_seconds_count', { cluster })).toBe(
        1,
      );
      expect(await sample('lifeboat_propagation_queue_depth', { cluster })).toBeDefined();
    }
    // cluster-3 is Ready but nothing is placed there.
    for (const cluster of clusterNames())
      expect(await sample('lifeboat_cluster_ready', { cluster })).toBe(1);
    expect(
      await sample('lifeboat_propagation_applies_total', {
        cluster: 'cluster-3',
        result: 'applied',
      }),
    ).toBe(0);
    expect(
      await sample('lifeboat_propagation_objects', { cluster: 'cluster-3', state: 'desired' }),
    ).toBe(0);
    expect(await sample('lifeboat_propagation_reconcile_duration_seconds_count')).toBeGreaterThan(
      0,
    );
  });

  it('count prunes and drift corrections by cause', async () => {
    await expect
      .poll(
        () => sample('lifeboat_propagation_objects', { cluster: 'cluster-1', state: 'applied' }),
        poll,
      )
      .toBe(3);
    expect(await sample('lifeboat_propagation_prunes_total', { cluster: 'cluster-1' })).toBe(0);
    await call(server, 'DELETE', `/api/v1/namespaces/${ns}/configmaps/three`);
    for (const cluster of ['cluster-1', 'cluster-2']) {
      await expect
        .poll(() => sample('lifeboat_propagation_prunes_total', { cluster }), poll)
        .toBe(1);
    }
    expect(await live('cluster-1', 'v1', 'ConfigMap', ns, 'three')).toBeUndefined();

    // By hand: delete a copy in cluster-2, change a field lifeboat owns in cluster-1.
    await coreApi('cluster-2').deleteNamespacedConfigMap({ namespace: ns, name: 'one' });
    await expect
      .poll(
        () =>
          sample('lifeboat_propagation_drift_corrections_total', {
            cluster: 'cluster-2',
            cause: 'deleted',
          }),
        poll,
      )
      .toBe(1);
    await coreApi('cluster-1').patchNamespacedConfigMap(
      {
        namespace: ns,
        name: 'two',
        body: { data: { a: 'by hand' } },
        fieldManager: 'kubectl-edit',
      },
      mergePatch,
    );
    await expect
      .poll(
        () =>
          sample('lifeboat_propagation_drift_corrections_total', {
            cluster: 'cluster-1',
            cause: 'changed',
          }),
        poll,
      )
      .toBe(1);
    await expect
      .poll(async () => (await live('cluster-1', 'v1', 'ConfigMap', ns, 'two'))?.data, poll)
      .toStrictEqual({ a: '1' });
    await expect
      .poll(async () => (await live('cluster-2', 'v1', 'ConfigMap', ns, 'one'))?.data, poll)
      .toStrictEqual({ a: '1' });
  });
});
