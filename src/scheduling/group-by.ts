/**
 * `groupBy.labelKey`: objects placed by the same policy that share a value of that label
 * form one group, and a group is placed together — same clusters, same copies — or not
 * at all. Cluster choice depends only on the policy and the clusters' state, so members
 * always agree on clusters (for an orderedClusterSelector: the same first Ready cluster);
 * what grouping adds is atomicity: when one member's copy cannot be rendered (a failing
 * override), the whole group is held back instead of going out incomplete, since a
 * Service without its Deployment, or the reverse, is rarely what anyone wants.
 *
 * Groups span namespaces (the key is the policy and the label value). Objects without
 * the label are not grouped: each is placed on its own.
 */
import type { KubeObject } from '../resources/meta.js';

/** The object's value for the group label, `undefined` when it has none. */
export function groupValueOf(obj: KubeObject, labelKey: string): string | undefined {
  const labels = obj.metadata.labels;
  return labels !== undefined && Object.hasOwn(labels, labelKey) ? labels[labelKey] : undefined;
}

/** `app=ferretdb`: how a group is named in placements and messages. */
export function groupName(labelKey: string, value: string): string {
  return `${labelKey}=${value}`;
}

/**
 * Collects items into groups by `keyOf`, keeping first-seen order of groups and of members
 * within each group. Items whose key is `undefined` are left out (they are not grouped).
 */
export function collectGroups<T>(
  items: Iterable<T>,
  keyOf: (item: T) => string | undefined,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [item]);
    else members.push(item);
  }
  return groups;
}
