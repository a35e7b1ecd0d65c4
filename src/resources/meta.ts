/** The shape every stored object has, whatever its kind. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** Identifies one object: kind identity plus namespace (empty for cluster-scoped) and name. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function refOf(obj: KubeObject, group: string): ObjectRef {
  return {
    group,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

export function describeRef(ref: ObjectRef): string {
  const gk = ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
  return ref.namespace ? `${gk} ${ref.namespace}/${ref.name}` : `${gk} ${ref.name}`;
}

/** Annotations and labels lifeboat itself sets. */
export const ANNOTATIONS = {
  /** Set on objects loaded from a GitOps folder: `<dir>/<relative file>`. Only such objects are pruned. */
  gitopsSource: 'lifeboat.elotl.co/gitops-source',
  /** Hash of the declaration last applied from that file; only a changed declaration is re-applied. */
  gitopsHash: 'lifeboat.elotl.co/gitops-hash',
} as const;

export const LABELS = {
  /** Marks objects lifeboat manages in member clusters, so it prunes only those. */
  managedBy: 'app.kubernetes.io/managed-by',
  clusterName: 'kubernetes.io/metadata.name',
} as const;

export const MANAGED_BY_VALUE = 'lifeboat';
