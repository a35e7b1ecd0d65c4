/**
 * What lifeboat knows about a kind: its group, version, plural and scope. Our own kinds
 * and the common built-in ones are listed here; any other kind (a CRD's) is learned
 * when first stored, with a plural guessed the way Kubernetes does for CRDs.
 */

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const POLICY_GROUP = 'policy.elotl.co';
export const RECOVERY_GROUP = 'recovery.elotl.co';
export const CLUSTER_GROUP = 'cluster.elotl.co';
export const NOVA_VERSION = 'v1alpha1';

const ours: KindInfo[] = [
  {
    group: POLICY_GROUP,
    version: NOVA_VERSION,
    kind: 'SchedulePolicy',
    plural: 'schedulepolicies',
    namespaced: false,
  },
  {
    group: RECOVERY_GROUP,
    version: NOVA_VERSION,
    kind: 'RecoveryPlan',
    plural: 'recoveryplans',
    namespaced: false,
  },
  {
    group: RECOVERY_GROUP,
    version: NOVA_VERSION,
    kind: 'RecoveryRun',
    plural: 'recoveryruns',
    namespaced: false,
  },
  {
    group: RECOVERY_GROUP,
    version: NOVA_VERSION,
    kind: 'ReceivedAlert',
    plural: 'receivedalerts',
    namespaced: false,
  },
  {
    group: CLUSTER_GROUP,
    version: NOVA_VERSION,
    kind: 'Cluster',
    plural: 'clusters',
    namespaced: false,
  },
];

const builtin: [
  group: string,
  version: string,
  kind: string,
  namespaced: boolean,
  plural?: string,
][] = [
  ['', 'v1', 'Namespace', false],
  ['', 'v1', 'ConfigMap', true],
  ['', 'v1', 'Secret', true],
  ['', 'v1', 'Service', true],
  ['', 'v1', 'ServiceAccount', true],
  ['', 'v1', 'Pod', true],
  ['', 'v1', 'PersistentVolumeClaim', true],
  ['', 'v1', 'Endpoints', true, 'endpoints'],
  ['', 'v1', 'LimitRange', true],
  ['', 'v1', 'ResourceQuota', true],
  ['apps', 'v1', 'Deployment', true],
  ['apps', 'v1', 'StatefulSet', true],
  ['apps', 'v1', 'DaemonSet', true],
  ['apps', 'v1', 'ReplicaSet', true],
  ['batch', 'v1', 'Job', true],
  ['batch', 'v1', 'CronJob', true],
  ['networking.k8s.io', 'v1', 'Ingress', true, 'ingresses'],
  ['networking.k8s.io', 'v1', 'NetworkPolicy', true, 'networkpolicies'],
  ['policy', 'v1', 'PodDisruptionBudget', true],
  ['rbac.authorization.k8s.io', 'v1', 'Role', true],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', true],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', false],
  ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', false],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', true],
  ['pgv2.percona.com', 'v2', 'PerconaPGCluster', true],
];

/** The kinds lifeboat ships knowledge of, keyed by `group/Kind` (core group is ""). */
export const KNOWN_KINDS: readonly KindInfo[] = [
  ...ours,
  ...builtin.map(([group, version, kind, namespaced, plural]) => ({
    group,
    version,
    kind,
    namespaced,
    plural: plural ?? guessPlural(kind),
  })),
];

/** Kubernetes' own rule for CRDs without an explicit plural, plus the common English cases. */
export function guessPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** Splits `apps/v1` into group and version; `v1` is the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(info: Pick<KindInfo, 'group' | 'version'>): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** Version-independent identity of a kind, used in store keys: `apps/Deployment`, `core/ConfigMap`. */
export function kindKey(group: string, kind: string): string {
  return `${group === '' ? 'core' : group}/${kind}`;
}

const byGroupKind = new Map(KNOWN_KINDS.map((k) => [kindKey(k.group, k.kind), k]));
const byGroupPlural = new Map(KNOWN_KINDS.map((k) => [`${k.group}/${k.plural}`, k]));

/** The known kind for an apiVersion + kind, or a guessed namespaced one for a custom kind. */
export function kindInfoFor(apiVersion: string, kind: string): KindInfo & { known: boolean } {
  const { group, version } = splitApiVersion(apiVersion);
  const known = byGroupKind.get(kindKey(group, kind));
  if (known) return { ...known, version, known: true };
  return { group, version, kind, plural: guessPlural(kind), namespaced: true, known: false };
}

/** The known kind for a group + plural (as in an HTTP path or a recovery step's `resource`). */
export function knownKindByPlural(group: string, plural: string): KindInfo | undefined {
  return byGroupPlural.get(`${group}/${plural}`);
}

export function isOurKind(info: Pick<KindInfo, 'group'>): boolean {
  return (
    info.group === POLICY_GROUP || info.group === RECOVERY_GROUP || info.group === CLUSTER_GROUP
  );
}
