/**
 * Member clusters held in memory, for recovery tests that run before the real
 * client-node implementation of MemberClusters exists. It keeps every patch document it
 * receives (tests assert on them) and can be told to fail, like an unreachable cluster.
 * Tests against real kube-apiservers replace it once src/clusters/ implements the interface.
 */
import {
  MemberClusterError,
  type MemberClusters,
  type MemberTarget,
} from '../../src/clusters/member-clusters.js';
import type { KubeObject } from '../../src/resources/meta.js';
import type { PatchType } from '../../src/resources/recovery-plan.js';

export interface ReceivedPatch {
  cluster: string;
  target: MemberTarget;
  patch: unknown;
  patchType: PatchType;
}

const id = (cluster: string, t: MemberTarget): string =>
  `${cluster}|${t.apiVersion}|${t.resource}|${t.namespace ?? ''}|${t.name}`;

function merge(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = merge(out[k], v);
  }
  return out;
}

export class InMemoryMembers implements MemberClusters {
  readonly patches: ReceivedPatch[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private failures: { cluster: string; code: number; left: number }[] = [];
  calls = 0;

  put(cluster: string, target: MemberTarget, obj: KubeObject): void {
    this.objects.set(id(cluster, target), structuredClone(obj));
  }

  object(cluster: string, target: MemberTarget): KubeObject | undefined {
    return this.objects.get(id(cluster, target));
  }

  /** The next `times` calls to `cluster` fail with `code` (0: no answer). */
  fail(cluster: string, code: number, times: number): void {
    this.failures.push({ cluster, code, left: times });
  }

  private check(cluster: string): void {
    this.calls++;
    const f = this.failures.find((x) => x.cluster === cluster && x.left > 0);
    if (f) {
      f.left--;
      throw new MemberClusterError(
        cluster,
        f.code,
        f.code === 0 ? 'Unreachable' : 'InternalError',
        f.code === 0 ? 'connect ECONNREFUSED' : `the server answered ${f.code}`,
      );
    }
  }

  get(cluster: string, target: MemberTarget): Promise<KubeObject | undefined> {
    this.check(cluster);
    return Promise.resolve(structuredClone(this.objects.get(id(cluster, target))));
  }

  patch(
    cluster: string,
    target: MemberTarget,
    patch: unknown,
    patchType: PatchType,
  ): Promise<KubeObject> {
    this.check(cluster);
    this.patches.push({ cluster, target, patch: structuredClone(patch), patchType });
    const current = this.objects.get(id(cluster, target));
    if (!current)
      return Promise.reject(
        new MemberClusterError(
          cluster,
          404,
          'NotFound',
          `${target.resource} "${target.name}" not found`,
        ),
      );
    if (patchType !== 'application/merge-patch+json')
      return Promise.reject(
        new MemberClusterError(
          cluster,
          415,
          'UnsupportedMediaType',
          `this test double only applies merge patches`,
        ),
      );
    const next = merge(current, patch) as KubeObject;
    this.objects.set(id(cluster, target), next);
    return Promise.resolve(structuredClone(next));
  }
}
