/**
 * Proves the member-cluster harness against the real kube-apiserver: the semantics later
 * issues rely on (merge patch and server-side apply on a CRD, status subresources, Status
 * bodies for 404/409/422, resourceVersion conflicts) and a cluster going down and back.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models are
   method-less classes that its own API takes as object literals (it serializes by field map). */
import { ApiException, PatchStrategy, setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  clusterNames,
  coreApi,
  customObjectsApi,
  kubeConfig,
  newNamespace,
  objectApi,
  withClusterDown,
} from '../support/clusters.js';

const pg = { group: 'pgv2.percona.com', version: 'v2', plural: 'perconapgclusters' } as const;
const manager = 'lifeboat-test';

interface PerconaPGCluster extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface Status {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { name?: string; kind?: string; causes?: { field?: string; reason?: string }[] };
}

function perconaCluster(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): PerconaPGCluster {
  return {
    apiVersion: `${pg.group}/${pg.version}`,
    kind: 'PerconaPGCluster',
    metadata: { name, namespace },
    spec,
  };
}

/** The ApiException `call` fails with, and its body parsed as a Kubernetes Status. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; status: Status }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const e = err as ApiException<unknown>;
    const status = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Status;
    return { code: e.code, status };
  }
  throw new Error('expected the API server to refuse the request, but it succeeded');
}

/** The JSON the server sent, without the client's model classes (for toStrictEqual). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('member clusters', () => {
  it('are separate real kube-apiservers, one per cluster', async () => {
    expect(clusterNames()).toStrictEqual(['cluster-1', 'cluster-2', 'cluster-3']);
    const uids = new Set<string>();
    for (const name of clusterNames()) {
      const version = await kubeConfig(name).makeApiClient(VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\.3\d+\.\d+$/);
      const kubeSystem = await coreApi(name).readNamespace({ name: 'kube-system' });
      uids.add(kubeSystem.metadata?.uid ?? '');
    }
    // Each cluster has its own etcd, so its own kube-system namespace.
    expect(uids.size).toBe(3);
  });

  it('creates, merge-patches and reads a PerconaPGCluster, keeping unknown fields', async () => {
    const ns = await newNamespace('cluster-1');
    const objects = objectApi('cluster-1');
    const spec = {
      crVersion: '2.7.0',
      postgresVersion: 17,
      standby: { enabled: false },
      instances: [{ name: 'instance1', replicas: 3 }],
    };
    const created = await objects.create(perconaCluster(ns, 'db', spec));
    expect(created.spec).toStrictEqual(spec);

    const patched = await objects.patch(
      {
        ...perconaCluster(ns, 'db', {
          standby: { enabled: true, repoName: 'repo1' },
          proxy: { pgBouncer: { replicas: 1 } },
        }),
      },
      undefined,
      undefined,
      manager,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    const read = await objects.read<PerconaPGCluster>({
      apiVersion: 'pgv2.percona.com/v2',
      kind: 'PerconaPGCluster',
      metadata: { name: 'db', namespace: ns },
    });
    expect(read.spec).toStrictEqual({
      crVersion: '2.7.0',
      postgresVersion: 17,
      standby: { enabled: true, repoName: 'repo1' },
      instances: [{ name: 'instance1', replicas: 3 }],
      proxy: { pgBouncer: { replicas: 1 } },
    });
  });

  it('server-side applies a PerconaPGCluster, tracks field ownership, and reports apply conflicts as 409', async () => {
    const ns = await newNamespace('cluster-2');
    const objects = objectApi('cluster-2');
    const apply = (
      spec: Record<string, unknown>,
      fieldManager: string,
      force?: boolean,
    ): Promise<PerconaPGCluster> =>
      objects.patch(
        perconaCluster(ns, 'db', spec),
        undefined,
        undefined,
        fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      );

    const first = await apply(
      { standby: { enabled: true }, image: 'percona/percona-postgresql:17' },
      manager,
    );
    expect(first.spec).toStrictEqual({
      standby: { enabled: true },
      image: 'percona/percona-postgresql:17',
    });
    expect(first.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toStrictEqual([
      [manager, 'Apply'],
    ]);

    // Re-applying the same intent is a no-op: no new resourceVersion.
    const again = await apply(
      { standby: { enabled: true }, image: 'percona/percona-postgresql:17' },
      manager,
    );
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);

    // Another manager touching an owned field conflicts...
    const conflict = await refusal(apply({ standby: { enabled: false } }, 'someone-else'));
    expect(conflict.code).toBe(409);
    expect(conflict.status).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(conflict.status.details?.causes?.map((c) => c.field)).toStrictEqual([
      '.spec.standby.enabled',
    ]);

    // ...unless it forces, which takes the field over.
    const forced = await apply({ standby: { enabled: false } }, 'someone-else', true);
    expect(forced.spec).toStrictEqual({
      standby: { enabled: false },
      image: 'percona/percona-postgresql:17',
    });
    expect(new Set(forced.metadata?.managedFields?.map((f) => f.manager))).toStrictEqual(
      new Set([manager, 'someone-else']),
    );

    // CustomObjectsApi with an explicit merge patch content type sees the same object.
    const viaCustom = (await customObjectsApi('cluster-2').patchNamespacedCustomObject(
      {
        ...pg,
        namespace: ns,
        name: 'db',
        body: { spec: { image: 'percona/percona-postgresql:17.5' } },
      },
      mergePatch,
    )) as PerconaPGCluster;
    expect(viaCustom.spec).toStrictEqual({
      standby: { enabled: false },
      image: 'percona/percona-postgresql:17.5',
    });
  });

  it('changes PerconaPGCluster status only through the status subresource', async () => {
    const ns = await newNamespace('cluster-1');
    const custom = customObjectsApi('cluster-1');
    await objectApi('cluster-1').create(perconaCluster(ns, 'db', { standby: { enabled: false } }));

    // A status written through the main resource is dropped...
    const ignored = (await custom.patchNamespacedCustomObject(
      { ...pg, namespace: ns, name: 'db', body: { status: { state: 'ready' } } },
      mergePatch,
    )) as PerconaPGCluster;
    expect(ignored.status).toBeUndefined();

    // ...and spec written through /status is dropped, while status sticks.
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      {
        ...pg,
        namespace: ns,
        name: 'db',
        body: {
          spec: { standby: { enabled: true } },
          status: { state: 'ready', host: 'db-pgbouncer.ns.svc', postgres: { ready: 3 } },
        },
      },
      mergePatch,
    )) as PerconaPGCluster;
    expect(withStatus.status).toStrictEqual({
      state: 'ready',
      host: 'db-pgbouncer.ns.svc',
      postgres: { ready: 3 },
    });
    expect(withStatus.spec).toStrictEqual({ standby: { enabled: false } });
  });

  it("sets a Service's status.loadBalancer through the status subresource", async () => {
    const ns = await newNamespace('cluster-3');
    const core = coreApi('cluster-3');
    const svc = await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'ferretdb' },
        spec: { type: 'LoadBalancer', selector: { app: 'ferretdb' }, ports: [{ port: 27017 }] },
      },
    });
    expect(svc.spec?.clusterIP).toMatch(/^10\.0\.0\.\d+$/);
    expect(plain(svc.status?.loadBalancer)).toStrictEqual({});

    const patched = await core.patchNamespacedServiceStatus(
      {
        namespace: ns,
        name: 'ferretdb',
        body: { status: { loadBalancer: { ingress: [{ ip: '127.0.0.10' }] } } },
      },
      mergePatch,
    );
    // The real server defaults ipMode (a mock would not have known).
    expect(plain(patched.status?.loadBalancer)).toStrictEqual({
      ingress: [{ ip: '127.0.0.10', ipMode: 'VIP' }],
    });
    const read = await core.readNamespacedService({ namespace: ns, name: 'ferretdb' });
    expect(read.status?.loadBalancer?.ingress?.[0]?.ip).toBe('127.0.0.10');
  });

  it('answers 409 Conflict on a stale resourceVersion, for ConfigMaps and custom resources', async () => {
    const ns = await newNamespace('cluster-1');
    const core = coreApi('cluster-1');
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'haproxy' }, data: { backend: 'cluster-1' } },
    });
    const fresh: V1ConfigMap = structuredClone(created);
    fresh.data = { backend: 'cluster-2' };
    await core.replaceNamespacedConfigMap({ namespace: ns, name: 'haproxy', body: fresh });

    // Still carries the resourceVersion of `created`, which the replace above superseded.
    const stale: V1ConfigMap = structuredClone(created);
    stale.data = { backend: 'cluster-3' };
    const conflict = await refusal(
      core.replaceNamespacedConfigMap({ namespace: ns, name: 'haproxy', body: stale }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      details: { name: 'haproxy', kind: 'configmaps' },
    });
    expect(conflict.status.message).toContain('the object has been modified');
    expect(
      (await core.readNamespacedConfigMap({ namespace: ns, name: 'haproxy' })).data,
    ).toStrictEqual({ backend: 'cluster-2' });

    const custom = customObjectsApi('cluster-1');
    const db = (await custom.createNamespacedCustomObject({
      ...pg,
      namespace: ns,
      body: perconaCluster(ns, 'db', { standby: { enabled: false } }),
    })) as PerconaPGCluster;
    await custom.patchNamespacedCustomObject(
      { ...pg, namespace: ns, name: 'db', body: { spec: { standby: { enabled: true } } } },
      mergePatch,
    );
    const crConflict = await refusal(
      custom.replaceNamespacedCustomObject({
        ...pg,
        namespace: ns,
        name: 'db',
        body: { ...db, spec: { standby: { enabled: false } } },
      }),
    );
    expect(crConflict.code).toBe(409);
    expect(crConflict.status).toMatchObject({
      reason: 'Conflict',
      details: { name: 'db', group: 'pgv2.percona.com', kind: 'perconapgclusters' },
    });
  });

  it('answers 404 and 422 with Kubernetes Status bodies that name the object and field', async () => {
    const ns = await newNamespace('cluster-2');
    const notFound = await refusal(
      coreApi('cluster-2').readNamespacedConfigMap({ namespace: ns, name: 'missing' }),
    );
    expect(notFound.code).toBe(404);
    expect(notFound.status).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      details: { name: 'missing', kind: 'configmaps' },
    });

    const badName = await refusal(
      coreApi('cluster-2').createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'Not_A_DNS_Name' } },
      }),
    );
    expect(badName.code).toBe(422);
    expect(badName.status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(badName.status.details?.causes?.map((c) => c.field)).toStrictEqual(['metadata.name']);

    // The CRD's schema types spec.standby.enabled, so a string there is refused.
    const badSpec = await refusal(
      objectApi('cluster-2').create(perconaCluster(ns, 'db', { standby: { enabled: 'yes' } })),
    );
    expect(badSpec.code).toBe(422);
    expect(badSpec.status.details?.causes?.map((c) => [c.field, c.reason])).toStrictEqual([
      ['spec.standby.enabled', 'FieldValueTypeInvalid'],
    ]);
  });

  it(
    'makes a killed cluster unreachable while the others answer, and brings it back with its objects',
    { timeout: 180_000 },
    async () => {
      const victim = 'cluster-3';
      const ns = await newNamespace(victim);
      const core = coreApi(victim);
      const before = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'survivor' }, data: { role: 'primary' } },
      });
      const db = await objectApi(victim).create(
        perconaCluster(ns, 'db', { standby: { enabled: false } }),
      );

      await withClusterDown(victim, async () => {
        // A pooled keep-alive socket sees the reset; new connections are refused.
        await expect(
          core.readNamespacedConfigMap({ namespace: ns, name: 'survivor' }),
        ).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
        await expect(
          core.readNamespacedConfigMap({ namespace: ns, name: 'survivor' }),
        ).rejects.toThrow(/ECONNREFUSED/);
        await expect(
          coreApi('cluster-1').readNamespace({ name: 'default' }),
        ).resolves.toMatchObject({ metadata: { name: 'default' } });
      });

      const after = await core.readNamespacedConfigMap({ namespace: ns, name: 'survivor' });
      expect(after.metadata?.uid).toBe(before.metadata?.uid);
      expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
      expect(after.data).toStrictEqual({ role: 'primary' });
      const dbAfter = await objectApi(victim).read({
        apiVersion: 'pgv2.percona.com/v2',
        kind: 'PerconaPGCluster',
        metadata: { name: 'db', namespace: ns },
      });
      expect(dbAfter.metadata?.uid).toBe(db.metadata?.uid);
    },
  );
});
