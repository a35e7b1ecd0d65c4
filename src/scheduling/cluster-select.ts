/**
 * Which member clusters a policy may place on, in which order.
 *
 * - `clusterSelector`: every registered cluster it matches, in name order.
 * - `orderedClusterSelector` (Nova's fill-and-spill): the clusters it matches, ranked by
 *   the position of their label value in the selector's `In` expression — the one on the
 *   spread topology key (default `kubernetes.io/metadata.name`) when there is one, else
 *   the first `In` expression; ties, and selectors without any `In`, fall back to name
 *   order. The first Ready cluster in that order is the placement; when it goes NotReady
 *   the next one takes over (placement failover).
 * - Neither: every registered cluster (Nova: "If clusterSelector is not specified, Nova
 *   will consider all workload clusters").
 *
 * Every cluster is matched with `kubernetes.io/metadata.name: <name>` among its labels,
 * added here if the caller's view lacks it.
 */
import { LABELS } from '../resources/meta.js';
import type { LabelSelector } from '../resources/common-schemas.js';
import type { SchedulePolicySpec } from '../resources/schedule-policy.js';
import { compileSelector } from './label-selector.js';

/** What the scheduler knows of a member cluster. */
export interface ClusterView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** False while the cluster is unreachable or unhealthy: nothing is placed there. */
  readonly ready: boolean;
}

/** The clusters a policy selects, in placement priority order. */
export interface ClusterSelection {
  /** True for orderedClusterSelector: only the first Ready cluster is used. */
  readonly ordered: boolean;
  /** Every cluster the selector matches, Ready or not, in priority order. */
  readonly matching: readonly ClusterView[];
  /** The Ready clusters among `matching`, same order. */
  readonly ready: readonly ClusterView[];
  /** The selector that chose them, in `kubectl -l` syntax, named by its field. */
  readonly description: string;
}

/** Default spread topology key, and the label every cluster carries. */
export const CLUSTER_NAME_LABEL = LABELS.clusterName;

/** The cluster's labels with `kubernetes.io/metadata.name` guaranteed. */
export function clusterLabels(cluster: ClusterView): Readonly<Record<string, string>> {
  return cluster.labels[CLUSTER_NAME_LABEL] === cluster.name
    ? cluster.labels
    : { ...cluster.labels, [CLUSTER_NAME_LABEL]: cluster.name };
}

const byName = (a: ClusterView, b: ClusterView): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The `In` expression whose value order ranks clusters for fill-and-spill: the one on
 * `topologyKey` if present, else the first `In` expression; `undefined` when there is none.
 */
export function orderingExpression(
  selector: LabelSelector,
  topologyKey: string = CLUSTER_NAME_LABEL,
): { key: string; values: readonly string[] } | undefined {
  const ins = (selector.matchExpressions ?? []).filter((e) => e.operator === 'In');
  const chosen = ins.find((e) => e.key === topologyKey) ?? ins[0];
  return chosen && { key: chosen.key, values: chosen.values ?? [] };
}

/** Applies a policy's clusterSelector or orderedClusterSelector to the registered clusters. */
export function selectClusters(
  spec: Pick<
    SchedulePolicySpec,
    'clusterSelector' | 'orderedClusterSelector' | 'spreadConstraints'
  >,
  clusters: readonly ClusterView[],
): ClusterSelection {
  const ordered = spec.orderedClusterSelector !== undefined;
  const selector = spec.orderedClusterSelector ?? spec.clusterSelector;
  const compiled = compileSelector(selector);
  const matching = clusters.filter((c) => compiled.matches(clusterLabels(c))).sort(byName);
  let description: string;
  if (spec.orderedClusterSelector !== undefined) {
    const order = orderingExpression(
      spec.orderedClusterSelector,
      spec.spreadConstraints?.topologyKey,
    );
    if (order !== undefined) {
      const rank = new Map(order.values.map((v, i) => [v, i]));
      const rankOf = (c: ClusterView): number =>
        rank.get(clusterLabels(c)[order.key] ?? '') ?? Number.MAX_SAFE_INTEGER;
      // Array#sort is stable, so equal ranks keep the name order from above.
      matching.sort((a, b) => rankOf(a) - rankOf(b));
    }
    description = `orderedClusterSelector ${compiled.text}`;
  } else {
    description =
      spec.clusterSelector === undefined
        ? 'no clusterSelector (all clusters)'
        : `clusterSelector ${compiled.text}`;
  }
  return { ordered, matching, ready: matching.filter((c) => c.ready), description };
}

/** `cluster-1, cluster-2 (NotReady)`: names in the given order, NotReady ones marked. */
export function listClusters(clusters: readonly ClusterView[]): string {
  return clusters.map((c) => (c.ready ? c.name : `${c.name} (NotReady)`)).join(', ');
}
