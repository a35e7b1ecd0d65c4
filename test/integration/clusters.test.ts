/**
 * The cluster registry against real API servers: one client per Cluster object, Ready
 * conditions with reasons, a bad kubeconfig or a dead API server making only that
 * Cluster NotReady, kubeconfigs from hub Secrets, and MemberClusters get/patch.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models are
   method-less classes that its own API takes as object literals (it serializes by field map). */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemberClusterError } from '../../src/clusters/member-clusters.js';
import { ClusterRegistry } from '../../src/clusters/registry.js';
import {
  coreApi,
  labCluster,
  newNamespace,
  objectApi,
  withClusterDown,
} from '../support/clusters.js';
import {
  applyObjects,
  clusterObject,
  newHub,
  readyCondition,
  testLogger,
  type TestHub,
} from '../support/hub.js';

let hub: TestHub;
let registry: ClusterRegistry;

function newRegistry(): ClusterRegistry {
  return new ClusterRegistry({
    store: hub.store,
    resources: hub.resources,
    logger: testLogger,
    timing: { intervalMs: 500, minBackoffMs: 100, maxBackoffMs: 500 },
    probeTimeoutMs: 2000,
  });
}

beforeEach(() => {
  hub = newHub('clusters');
  registry = newRegistry();
});

afterEach(async () => {
  await registry.stop();
  await hub.close();
});

const poll = { timeout: 20_000, interval: 100 };

describe('cluster registry', () => {
  it('makes each Cluster Ready or NotReady with the reason, and a bad one stops nothing else', async () => {
    await applyObjects(
      hub,
      clusterObject('cluster-1', { path: labCluster('cluster-1').kubeconfig }),
      clusterObject('cluster-2', { path: labCluster('cluster-2').kubeconfig }),
      clusterObject('missing-file', { path: path.join(os.tmpdir(), 'no-such-kubeconfig.yaml') }),
      clusterObject('wrong-context', { path: labCluster('cluster-3').kubeconfig, context: 'nope' }),
      clusterObject('missing-secret', { secretRef: { namespace: 'lifeboat', name: 'absent' } }),
    );
    await registry.start();

    await expect
      .poll(
        () =>
          registry
            .views()
            .filter((v) => v.ready)
            .map((v) => v.name),
        poll,
      )
      .toStrictEqual(['cluster-1', 'cluster-2']);
    await expect
      .poll(() => readyCondition(hub, 'cluster-1'), poll)
      .toMatchObject({ status: 'True', reason: 'Reachable' });
    await expect
      .poll(() => readyCondition(hub, 'missing-file'), poll)
      .toMatchObject({
        status: 'False',
        reason: 'KubeconfigNotFound',
        message: expect.stringContaining('fix spec.kubeconfig.path'),
      });
    await expect
      .poll(() => readyCondition(hub, 'wrong-context'), poll)
      .toMatchObject({
        status: 'False',
        reason: 'ContextNotFound',
        message: expect.stringContaining(
          'has no context "nope"; set spec.kubeconfig.context to one of: cluster-3',
        ),
      });
    await expect
      .poll(() => readyCondition(hub, 'missing-secret'), poll)
      .toMatchObject({
        status: 'False',
        reason: 'SecretNotFound',
      });
    // The views carry every Cluster, with its name label, Ready or not.
    expect(
      registry.views().map((v) => [v.name, v.labels['kubernetes.io/metadata.name'], v.ready]),
    ).toStrictEqual([
      ['cluster-1', 'cluster-1', true],
      ['cluster-2', 'cluster-2', true],
      ['missing-file', 'missing-file', false],
      ['missing-secret', 'missing-secret', false],
      ['wrong-context', 'wrong-context', false],
    ]);
  });

  it('reads a kubeconfig from a hub Secret, and rebuilds the client when the Secret changes', async () => {
    const kubeconfig = await readFile(labCluster('cluster-2').kubeconfig, 'utf8');
    await applyObjects(
      hub,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'member', namespace: 'lifeboat' },
        data: { config: Buffer.from('not: [a kubeconfig').toString('base64') },
      },
      clusterObject('via-secret', {
        secretRef: { namespace: 'lifeboat', name: 'member', key: 'config' },
      }),
    );
    await registry.start();
    await expect
      .poll(() => readyCondition(hub, 'via-secret'), poll)
      .toMatchObject({ status: 'False', reason: 'KubeconfigInvalid' });
    const invalid = await readyCondition(hub, 'via-secret');
    // The message names the Secret and never quotes its content.
    expect(invalid?.message).toContain(
      'Secret lifeboat/member key "config" is not a valid kubeconfig',
    );
    expect(invalid?.message).not.toContain('not: [a kubeconfig');
    expect(registry.kubeconfigSecrets()).toStrictEqual(new Set(['lifeboat/member']));

    await applyObjects(hub, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'member', namespace: 'lifeboat' },
      data: { config: Buffer.from(kubeconfig).toString('base64') },
    });
    await expect.poll(() => registry.isReady('via-secret'), poll).toBe(true);
    const ready = await readyCondition(hub, 'via-secret');
    expect(ready).toMatchObject({ status: 'True', reason: 'Reachable' });
    expect(ready?.message).toContain(labCluster('cluster-2').server);
    // The transition moved lastTransitionTime.
    expect(ready?.lastTransitionTime).not.toBe(invalid?.lastTransitionTime);
  });

  it(
    'marks a cluster with a dead API server NotReady (Unreachable) while the others stay Ready, then Ready again',
    { timeout: 120_000 },
    async () => {
      await applyObjects(
        hub,
        clusterObject('cluster-1', { path: labCluster('cluster-1').kubeconfig }),
        clusterObject('cluster-3', { path: labCluster('cluster-3').kubeconfig }),
      );
      const changes: string[] = [];
      registry.onChange((c) => changes.push(`${c.cluster}:${c.what}:${String(c.ready)}`));
      await registry.start();
      await expect
        .poll(() => registry.isReady('cluster-3') && registry.isReady('cluster-1'), poll)
        .toBe(true);
      const before = await readyCondition(hub, 'cluster-3');

      await withClusterDown('cluster-3', async () => {
        await expect
          .poll(() => readyCondition(hub, 'cluster-3'), poll)
          .toMatchObject({
            status: 'False',
            reason: 'Unreachable',
            message: expect.stringContaining('no answer'),
          });
        expect(registry.isReady('cluster-1')).toBe(true);
        // Probing a dead cluster repeatedly does not rewrite an unchanged condition.
        const down = await readyCondition(hub, 'cluster-3');
        await new Promise((r) => setTimeout(r, 1500));
        expect(await readyCondition(hub, 'cluster-3')).toStrictEqual(down);
      });

      await expect
        .poll(() => readyCondition(hub, 'cluster-3'), poll)
        .toMatchObject({ status: 'True', reason: 'Reachable' });
      const after = await readyCondition(hub, 'cluster-3');
      expect(Date.parse(after!.lastTransitionTime)).toBeGreaterThan(
        Date.parse(before!.lastTransitionTime),
      );
      expect(changes.filter((c) => c.startsWith('cluster-3:readiness'))).toStrictEqual([
        'cluster-3:readiness:true',
        'cluster-3:readiness:false',
        'cluster-3:readiness:true',
      ]);
      expect(changes.filter((c) => c.startsWith('cluster-1:readiness'))).toStrictEqual([
        'cluster-1:readiness:true',
      ]);
    },
  );

  it('serves MemberClusters get and patch, with typed errors', async () => {
    await applyObjects(
      hub,
      clusterObject('cluster-1', { path: labCluster('cluster-1').kubeconfig }),
    );
    await registry.start();
    await expect.poll(() => registry.isReady('cluster-1'), poll).toBe(true);
    const ns = await newNamespace('cluster-1');
    await coreApi('cluster-1').createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'cfg' }, data: { a: '1' } },
    });
    await objectApi('cluster-1').create({
      apiVersion: 'pgv2.percona.com/v2',
      kind: 'PerconaPGCluster',
      metadata: { name: 'db', namespace: ns },
      spec: { standby: { enabled: false } },
    } as any);

    const cm = await registry.get('cluster-1', {
      apiVersion: 'v1',
      resource: 'configmaps',
      namespace: ns,
      name: 'cfg',
    });
    expect(cm?.data).toStrictEqual({ a: '1' });
    expect(
      await registry.get('cluster-1', {
        apiVersion: 'v1',
        resource: 'configmaps',
        namespace: ns,
        name: 'absent',
      }),
    ).toBeUndefined();

    const patched = await registry.patch(
      'cluster-1',
      {
        apiVersion: 'pgv2.percona.com/v2',
        resource: 'perconapgclusters',
        namespace: ns,
        name: 'db',
      },
      { spec: { standby: { enabled: true } } },
      'application/merge-patch+json',
    );
    expect(patched.spec).toStrictEqual({ standby: { enabled: true } });

    const unknown = await registry
      .get('cluster-9', { apiVersion: 'v1', resource: 'configmaps', name: 'x' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MemberClusterError);
    expect(unknown).toMatchObject({ cluster: 'cluster-9', code: 404, reason: 'ClusterNotFound' });

    const badPatch = await registry
      .patch(
        'cluster-1',
        {
          apiVersion: 'pgv2.percona.com/v2',
          resource: 'perconapgclusters',
          namespace: ns,
          name: 'db',
        },
        { spec: { standby: { enabled: 'yes' } } },
        'application/merge-patch+json',
      )
      .catch((e: unknown) => e);
    expect(badPatch).toMatchObject({ cluster: 'cluster-1', code: 422, reason: 'Invalid' });
    expect((badPatch as Error).message).toContain('spec.standby.enabled');

    const noKind = await registry
      .get('cluster-1', { apiVersion: 'v1', resource: 'widgets', namespace: ns, name: 'w' })
      .catch((e: unknown) => e);
    expect(noKind).toMatchObject({ code: 404, reason: 'KindNotFound' });
  });
});
