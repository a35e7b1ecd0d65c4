/**
 * What the scheduler needs to know about an object before matching it: whether lifeboat
 * may propagate it at all, and which namespace (if any) it lives in.
 */
import { LABELS } from '../resources/meta.js';
import type { KubeObject } from '../resources/meta.js';
import { isOurKind, kindInfoFor, splitApiVersion } from '../resources/kinds.js';

/**
 * True for lifeboat's (and Nova's) own kinds: groups policy.elotl.co, recovery.elotl.co and
 * cluster.elotl.co. They configure the control plane and are never sent to member clusters.
 */
export function isControlPlaneKind(obj: Pick<KubeObject, 'apiVersion'>): boolean {
  return isControlPlaneGroup(splitApiVersion(obj.apiVersion).group);
}

/** {@link isControlPlaneKind} for an API group already split off its apiVersion. */
export function isControlPlaneGroup(group: string): boolean {
  return isOurKind({ group });
}

/** True for `v1` `Namespace` objects. */
export function isNamespaceObject(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Namespace' && obj.apiVersion === 'v1';
}

/**
 * The namespace an object lives in, or `undefined` for a cluster-scoped object.
 * `metadata.namespace` when set; otherwise a kind lifeboat knows to be namespaced lands in
 * `default`, as `kubectl apply` would put it; any other object without a namespace is
 * cluster-scoped.
 */
export function namespaceOf(
  obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
): string | undefined {
  const ns = obj.metadata.namespace;
  if (ns !== undefined && ns !== '') return ns;
  const info = kindInfoFor(obj.apiVersion, obj.kind);
  return info.known && info.namespaced ? 'default' : undefined;
}

/**
 * The labels a namespace is matched with: its own labels plus
 * `kubernetes.io/metadata.name: <name>`, which Kubernetes sets on every namespace (and
 * which wins over any other value, as the API server enforces). Works for namespaces that
 * have no Namespace object at all.
 */
export function namespaceLabels(
  name: string,
  labels: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  // LABELS.clusterName is that same key: `kubernetes.io/metadata.name`.
  return { ...labels, [LABELS.clusterName]: name };
}
