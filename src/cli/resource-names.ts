/**
 * What users type after `lifeboat get` / `delete`: `policies`, `schedulepolicy`, `plans`,
 * `runs`, `clusters`, `cm`, `deploy`, `perconapgclusters` … → the API path of that kind.
 */
import { apiVersionOf, KNOWN_KINDS, type KindInfo } from '../resources/kinds.js';

const SHORT: Record<string, string> = {
  policy: 'SchedulePolicy',
  policies: 'SchedulePolicy',
  sp: 'SchedulePolicy',
  plan: 'RecoveryPlan',
  plans: 'RecoveryPlan',
  rp: 'RecoveryPlan',
  run: 'RecoveryRun',
  runs: 'RecoveryRun',
  alert: 'ReceivedAlert',
  alerts: 'ReceivedAlert',
  cm: 'ConfigMap',
  svc: 'Service',
  deploy: 'Deployment',
  ns: 'Namespace',
  sts: 'StatefulSet',
  pgc: 'PerconaPGCluster',
};

/** Finds a kind by plural, singular, short name or Kind; `group` narrows ambiguous names. */
export function kindByName(name: string): KindInfo | undefined {
  const [word, group] = name.toLowerCase().split('.', 2) as [string, string | undefined];
  const kind = SHORT[word];
  return KNOWN_KINDS.find(
    (k) =>
      (group === undefined || k.group === group || k.group.startsWith(`${group}.`)) &&
      (k.plural === word || k.kind.toLowerCase() === word || k.kind === kind),
  );
}

export function collectionPath(info: KindInfo, namespace?: string): string {
  const base = info.group === '' ? `/api/${info.version}` : `/apis/${apiVersionOf(info)}`;
  return info.namespaced && namespace
    ? `${base}/namespaces/${namespace}/${info.plural}`
    : `${base}/${info.plural}`;
}

export function objectPath(info: KindInfo, name: string, namespace?: string): string {
  return `${collectionPath(info, info.namespaced ? (namespace ?? 'default') : undefined)}/${encodeURIComponent(name)}`;
}

export function knownNames(): string {
  return [...new Set([...Object.keys(SHORT), ...KNOWN_KINDS.map((k) => k.plural)])]
    .sort()
    .join(', ');
}
