/**
 * The fencing path on real API servers: cluster-1's kube-apiserver is killed, the
 * PerconaPGCluster `cluster1` is demoted (spec.standby.enabled: true) on the control
 * plane meanwhile, and the moment cluster-1 answers again the demotion reaches it —
 * before anything else does: a recovery step's read through MemberClusters waits at the
 * gate and already sees the standby.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPropagation, type Propagation } from '../../src/propagation/propagator.js';
import { clusterNames, kill, labCluster, start } from '../support/clusters.js';
import {
  applyObjects,
  applyYaml,
  clusterObject,
  newHub,
  readyCondition,
  testLogger,
  type TestHub,
} from '../support/hub.js';
import { live } from '../support/members.js';

let hub: TestHub;
let propagation: Propagation;
const poll = { timeout: 60_000, interval: 100 };

beforeEach(async () => {
  hub = newHub('fence');
  await applyObjects(
    hub,
    ...clusterNames().map((n) => clusterObject(n, { path: labCluster(n).kubeconfig })),
  );
  propagation = createPropagation({
    redis: hub.redis,
    store: hub.store,
    resources: hub.resources,
    logger: testLogger,
    gateTimeoutMs: 60_000,
    clusters: { timing: { intervalMs: 1000, minBackoffMs: 100, maxBackoffMs: 500 } },
  });
});

afterEach(async () => {
  await propagation.stop();
  await hub.close();
});

describe('fencing', () => {
  it(
    'demotes cluster1 in cluster-1 as soon as cluster-1 answers again, before anything else reaches it',
    { timeout: 180_000 },
    async () => {
      // The seed's Percona objects and policies, in a namespace of this test's own.
      const ns = `fence-${Math.random().toString(16).slice(2, 8)}`;
      const percona = (await readFile('examples/ferretdb-percona/percona.yaml', 'utf8')).replaceAll(
        'psql-operator',
        ns,
      );
      const policies = (await readFile('policies/percona-and-haproxy.yaml', 'utf8'))
        .replaceAll('psql-operator', ns)
        .replaceAll('name: percona-cluster', `name: ${ns}-percona-cluster`)
        .replaceAll('name: haproxy-cluster-3', `name: ${ns}-haproxy`);
      await applyYaml(hub, `${policies}\n---\n${percona}`);
      await propagation.start();
      const cluster1 = () =>
        live('cluster-1', 'pgv2.percona.com/v2', 'PerconaPGCluster', ns, 'cluster1');
      await expect.poll(async () => (await cluster1())?.spec.standby.enabled, poll).toBe(false);

      await kill('cluster-1');
      try {
        await expect
          .poll(() => readyCondition(hub, 'cluster-1'), poll)
          .toMatchObject({ status: 'False', reason: 'Unreachable' });
        // The scheduler does not move cluster1 elsewhere: it waits for its cluster.
        await expect
          .poll(
            () => propagation.placements().find((p) => p.object.name === 'cluster1')?.unschedulable,
            poll,
          )
          .toContain('cluster-1 (NotReady)');

        // The recovery plan's demotion, as its patch step writes it: on the control plane.
        await hub.resources.update(
          { kind: 'pgv2.percona.com/PerconaPGCluster', namespace: ns, name: 'cluster1' },
          (cur) => ({
            ...cur,
            spec: { ...(cur.spec as object), standby: { enabled: true, repoName: 'repo1' } },
          }),
          { bumpGeneration: true },
        );
      } finally {
        await start('cluster-1');
      }

      // Straight after cluster-1 answers, a direct read of it waits until the desired
      // state is re-applied, and so already sees the demotion.
      const seen = await propagation.members.get('cluster-1', {
        apiVersion: 'pgv2.percona.com/v2',
        resource: 'perconapgclusters',
        namespace: ns,
        name: 'cluster1',
      });
      expect(seen?.spec).toMatchObject({ standby: { enabled: true, repoName: 'repo1' } });
      expect((await cluster1()).spec.standby).toStrictEqual({ enabled: true, repoName: 'repo1' });
      await expect
        .poll(() => readyCondition(hub, 'cluster-1'), poll)
        .toMatchObject({ status: 'True' });
      // cluster2 in cluster-2 was never touched by the outage.
      expect(
        (await live('cluster-2', 'pgv2.percona.com/v2', 'PerconaPGCluster', ns, 'cluster2')).spec
          .standby.enabled,
      ).toBe(true);
    },
  );
});
