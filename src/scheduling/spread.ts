/**
 * How one policy spreads an object over the clusters it selected.
 *
 * - No `spreadConstraints`: ONE cluster, the first Ready one in selection order. Nova
 *   places such a policy's objects on a single cluster chosen from the selected ones (by
 *   capacity there; lifeboat has no capacity data, so by order). Copying to all of them
 *   would start, say, a database primary twice.
 * - `Duplicate` (also when `spreadMode` is absent): a full copy on every selected Ready
 *   cluster.
 * - `Divide`: clusters are grouped into topology domains by their value for
 *   `topologyKey` (default `kubernetes.io/metadata.name`; clusters without that label
 *   take no part). Each domain gets its `percentageSplit` percentage of `spec.replicas`,
 *   or an equal share when there is no percentageSplit (domains in value order); within a
 *   domain replicas are shared equally by its clusters (name order). Domains not listed in
 *   percentageSplit, or listed at 0%, get no copy. Shares are rounded down and the
 *   leftover replicas go one each to the largest fractional parts, ties to the earlier
 *   domain (largest-remainder method), so the copies always add up to the original.
 *   NotReady clusters take no share: their domain's percentage is re-spread over the
 *   domains that still have a Ready cluster, in proportion to their percentages — the
 *   replicas keep running somewhere while a cluster is down. A domain that gets 0
 *   replicas by rounding still gets a copy (with `replicas: 0`). Objects without a
 *   numeric `spec.replicas` (ConfigMaps, Services, ...) are copied whole to every domain
 *   that has a share.
 * - `orderedClusterSelector` narrows the selection to its first Ready cluster before any
 *   of the above.
 */
import type { KubeObject } from '../resources/meta.js';
import type { SpreadConstraints } from '../resources/schedule-policy.js';
import { CLUSTER_NAME_LABEL, clusterLabels, listClusters } from './cluster-select.js';
import type { ClusterSelection, ClusterView } from './cluster-select.js';

/** The label that groups clusters into topology domains when the policy names none. */
export const DEFAULT_TOPOLOGY_KEY = CLUSTER_NAME_LABEL;

/** The spread topology key of a policy. */
export function topologyKeyOf(spread: SpreadConstraints | undefined): string {
  return spread?.topologyKey ?? DEFAULT_TOPOLOGY_KEY;
}

/** A cluster's value for the topology key, `undefined` when it lacks that label. */
export function topologyValueOf(cluster: ClusterView, topologyKey: string): string | undefined {
  const labels = clusterLabels(cluster);
  return Object.hasOwn(labels, topologyKey) ? labels[topologyKey] : undefined;
}

/**
 * Splits `total` in proportion to `weights` (non-negative integers, not all zero) by the
 * largest-remainder method: each gets `floor(total × w / Σw)`, then the leftover goes one
 * each to the largest fractional parts, ties to the lower index. The result sums to
 * `total`, every part is within one of its exact share, and a zero weight gets zero.
 */
export function divideByWeights(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError(`cannot divide ${total}: not a whole number ≥ 0`);
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0 || weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new RangeError(
      `weights ${JSON.stringify(weights)} must be whole numbers ≥ 0, not all zero`,
    );
  }
  // Integer arithmetic keeps the remainders exact (percentages and counts are integers).
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  const remainders = weights.map((w) => (total * w) % sum);
  let leftover = total - parts.reduce((a, p) => a + p, 0);
  const order = weights
    .map((_, i) => i)
    .sort((a, b) => (remainders[b] ?? 0) - (remainders[a] ?? 0) || a - b);
  for (const i of order) {
    if (leftover === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    leftover--;
  }
  return parts;
}

/** `spec.replicas` when it is a whole number ≥ 0; `undefined` for objects that have none. */
export function replicasOf(obj: KubeObject): number | undefined {
  const spec = obj.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return undefined;
  const replicas = (spec as Record<string, unknown>).replicas;
  return typeof replicas === 'number' && Number.isSafeInteger(replicas) && replicas >= 0
    ? replicas
    : undefined;
}

/** One cluster that receives a copy. */
export interface SpreadTarget {
  readonly cluster: ClusterView;
  /** The cluster's value for the topology key; overrides are looked up by it. */
  readonly topologyValue: string | undefined;
}

interface Domain {
  readonly value: string;
  readonly weight: number;
  readonly clusters: readonly ClusterView[];
}

/** Where a policy's objects go; the same for every object the policy places. */
export interface SpreadPlan {
  readonly mode: 'Single' | 'Duplicate' | 'Divide';
  /** Clusters that receive a copy, in output order (domain order for Divide). */
  readonly targets: readonly SpreadTarget[];
  /** Divide only: the weighted domains the targets belong to, in order. */
  readonly domains: readonly Domain[];
  /** A sentence on how the targets were chosen (without replica counts). */
  readonly summary: string;
  /** Set when no cluster can take a copy; says why in plain words. */
  readonly unschedulable?: string;
}

function unschedulable(mode: SpreadPlan['mode'], reason: string): SpreadPlan {
  return { mode, targets: [], domains: [], summary: reason, unschedulable: reason };
}

function noReadyCluster(selection: ClusterSelection): string {
  return selection.matching.length === 0
    ? `${selection.description} matches no registered cluster`
    : `no Ready cluster: ${selection.description} matches ${listClusters(selection.matching)}`;
}

/** Chooses the clusters, and for Divide their weights, from a policy's cluster selection. */
export function planSpread(
  spread: SpreadConstraints | undefined,
  selection: ClusterSelection,
): SpreadPlan {
  const mode: SpreadPlan['mode'] =
    spread === undefined ? 'Single' : spread.spreadMode === 'Divide' ? 'Divide' : 'Duplicate';
  const first = selection.ready[0];
  if (first === undefined) return unschedulable(mode, noReadyCluster(selection));
  const key = topologyKeyOf(spread);
  const target = (c: ClusterView): SpreadTarget => ({
    cluster: c,
    topologyValue: topologyValueOf(c, key),
  });
  const candidates = selection.ordered || mode === 'Single' ? [first] : selection.ready;
  const skipped = selection.matching.filter((c) => !c.ready);
  const downNote = skipped.length > 0 ? `; skipped ${listClusters(skipped)}` : '';
  const chosenBy = selection.ordered
    ? `${first.name}, the first Ready cluster in ${selection.description} order (${listClusters(selection.matching)})`
    : mode === 'Single'
      ? `${first.name}, the first Ready cluster by name of ${selection.description} (no spreadConstraints: one cluster)${downNote}`
      : `${listClusters(candidates)} by ${selection.description}${downNote}`;

  if (mode !== 'Divide') {
    const verb = mode === 'Single' ? 'placed on' : 'Duplicate to';
    return { mode, targets: candidates.map(target), domains: [], summary: `${verb} ${chosenBy}` };
  }

  const byValue = new Map<string, ClusterView[]>();
  for (const c of candidates) {
    const value = topologyValueOf(c, key);
    if (value === undefined) continue;
    const list = byValue.get(value);
    if (list === undefined) byValue.set(value, [c]);
    else list.push(c);
  }
  const domains: Domain[] = [];
  const respread: string[] = [];
  const split = spread?.percentageSplit ?? [];
  if (split.length > 0) {
    const seen = new Set<string>();
    for (const { topologyValue, percentage } of split) {
      if (seen.has(topologyValue)) continue;
      seen.add(topologyValue);
      const clusters = byValue.get(topologyValue);
      if (percentage === 0) continue;
      if (clusters === undefined) respread.push(`${percentage}% of ${topologyValue}`);
      else domains.push({ value: topologyValue, weight: percentage, clusters });
    }
  } else {
    for (const value of [...byValue.keys()].sort()) {
      domains.push({ value, weight: 1, clusters: byValue.get(value) ?? [] });
    }
  }
  if (domains.length === 0) {
    return unschedulable(
      mode,
      split.length > 0
        ? `Divide: no Ready cluster selected by ${selection.description} has a ${key} value listed in percentageSplit with a share above 0% (${listClusters(selection.matching)})`
        : `Divide: no Ready cluster selected by ${selection.description} has the topology label ${key}`,
    );
  }
  const targets = domains.flatMap((d) => d.clusters.map(target));
  const how = split.length > 0 ? 'by percentageSplit' : 'evenly';
  const respreadNote =
    respread.length > 0 ? `; re-spread ${respread.join(', ')} (no Ready cluster there)` : '';
  return {
    mode,
    targets,
    domains,
    summary: `Divide ${how} over ${chosenBy}${respreadNote}`,
  };
}

/**
 * Divide only: the replicas each target gets, parallel to `plan.targets`. Domains get
 * their weighted share, then each domain's share is divided equally among its clusters.
 */
export function allocateReplicas(plan: SpreadPlan, replicas: number): number[] {
  if (plan.domains.length === 0) return [];
  const perDomain = divideByWeights(
    replicas,
    plan.domains.map((d) => d.weight),
  );
  return plan.domains.flatMap((d, i) =>
    divideByWeights(
      perDomain[i] ?? 0,
      d.clusters.map(() => 1),
    ),
  );
}
