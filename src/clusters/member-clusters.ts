/**
 * What the rest of lifeboat may ask of member clusters, without importing the
 * Kubernetes client: read one object, patch one object. The cluster registry
 * implements it with one client per cluster; recovery steps with `cluster:` use it.
 */
import type { KubeObject } from '../resources/meta.js';
import type { PatchType } from '../resources/recovery-plan.js';

/** One object in a member cluster, addressed as recovery steps address it. */
export interface MemberTarget {
  apiVersion: string;
  /** Lowercase plural, e.g. `services`, `perconapgclusters`. */
  resource: string;
  namespace?: string;
  name: string;
}

/** A member cluster's answer that was not a success, parsed from its Status body. */
export class MemberClusterError extends Error {
  constructor(
    readonly cluster: string,
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(`cluster ${cluster}: ${message}`);
    this.name = 'MemberClusterError';
  }
}

export interface MemberClusters {
  /** The object, or undefined when the cluster answers 404. Throws MemberClusterError otherwise. */
  get(cluster: string, target: MemberTarget): Promise<KubeObject | undefined>;
  /** Patches the object with the given patch type and returns the result. */
  patch(
    cluster: string,
    target: MemberTarget,
    patch: unknown,
    patchType: PatchType,
  ): Promise<KubeObject>;
}
