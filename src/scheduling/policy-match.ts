/**
 * Which SchedulePolicies select an object, and which one of them wins.
 *
 * A policy selects an object when
 * - its `namespaceSelector` matches the labels of the object's namespace (a namespace
 *   always carries `kubernetes.io/metadata.name: <name>`, Namespace object or not). As in
 *   Nova, cluster-scoped objects (Namespace, ClusterRole, ...) are not filtered by
 *   namespace: "non-namespaced objects are matched as well". An absent namespaceSelector
 *   matches every namespace; and
 * - ANY of its `resourceSelectors.labelSelectors` matches the object's labels. No
 *   resourceSelectors, or an empty list, selects every object.
 *
 * When several policies select one object exactly one wins, by precedence:
 * 1. higher `spec.priority` (lifeboat extension; default 0);
 * 2. more specific: more requirements in the namespaceSelector (only counted for
 *    namespaced objects) plus in the most specific of its labelSelectors that matched;
 * 3. policy name, in code-point order;
 * so the outcome never depends on the order policies were listed or stored in.
 *
 * Policies are compiled and indexed once ({@link createPolicyMatcher}): each labelSelector
 * is filed under one key/value pair it requires, so matching an object only evaluates the
 * selectors filed under its own labels plus those that require no specific value.
 */
import type { KubeObject } from '../resources/meta.js';
import type { SchedulePolicy } from '../resources/schedule-policy.js';
import { compileSelector } from './label-selector.js';
import type { CompiledSelector, Labels } from './label-selector.js';
import { namespaceLabels, namespaceOf } from './object-scope.js';

/** A policy with its selectors compiled. */
export interface CompiledPolicy {
  /** Position in the list the policy was compiled from; a last-resort tie-break. */
  readonly index: number;
  readonly name: string;
  readonly priority: number;
  readonly policy: SchedulePolicy;
  readonly namespaceSelector: CompiledSelector;
  /** Empty when the policy selects every object (no labelSelectors listed). */
  readonly resourceSelectors: readonly CompiledSelector[];
}

/** A policy that selects a given object, and how specifically. */
export interface MatchedPolicy {
  readonly policy: CompiledPolicy;
  /** Requirements that selected the object; see the module note. */
  readonly specificity: number;
}

/** Every policy that selects an object, winner first. */
export interface PolicyMatch {
  /** The policy that places the object; absent when none selects it. */
  readonly winner?: CompiledPolicy;
  /** All selecting policies in precedence order (the winner first). */
  readonly matched: readonly MatchedPolicy[];
  /** Policies whose labelSelectors matched but whose namespaceSelector did not. */
  readonly namespaceMisses: readonly string[];
}

/** Compiles one policy's selectors. */
export function compilePolicy(policy: SchedulePolicy, index = 0): CompiledPolicy {
  const spec = policy.spec;
  return {
    index,
    name: policy.metadata.name,
    priority: spec.priority ?? 0,
    policy,
    namespaceSelector: compileSelector(spec.namespaceSelector),
    resourceSelectors: (spec.resourceSelectors?.labelSelectors ?? []).map((s) =>
      compileSelector(s),
    ),
  };
}

/** Orders matched policies by precedence: negative when `a` wins over `b`. */
export function comparePrecedence(a: MatchedPolicy, b: MatchedPolicy): number {
  const pa = a.policy;
  const pb = b.policy;
  if (pa.priority !== pb.priority) return pb.priority - pa.priority;
  if (a.specificity !== b.specificity) return b.specificity - a.specificity;
  if (pa.name !== pb.name) return pa.name < pb.name ? -1 : 1;
  return pa.index - pb.index;
}

/** Says in words why `winner` beat `other` (both selected the same object). */
export function whyWins(winner: MatchedPolicy, other: MatchedPolicy): string {
  const w = winner.policy;
  const o = other.policy;
  if (w.priority !== o.priority) return `priority ${w.priority} > ${o.priority}`;
  if (winner.specificity !== other.specificity) {
    return `more specific: ${winner.specificity} selector requirements > ${other.specificity}`;
  }
  return w.name !== o.name
    ? `same priority and specificity; "${w.name}" sorts first`
    : 'listed first';
}

/** Matches objects against a fixed set of policies and namespaces. */
export interface PolicyMatcher {
  readonly policies: readonly CompiledPolicy[];
  /** The policies that select `obj`, winner first. */
  match(obj: KubeObject): PolicyMatch;
}

const NONE: readonly string[] = Object.freeze([]);

interface Entry {
  readonly policy: number;
  readonly selector: CompiledSelector;
}

/**
 * Compiles and indexes `policies` once. `namespaces` holds the labels of each namespace
 * (from its Namespace object); a namespace missing from it has only the automatic
 * `kubernetes.io/metadata.name` label. Both inputs are read, never changed, and must not
 * change while the matcher is in use (namespace results are cached).
 */
export function createPolicyMatcher(
  policies: readonly SchedulePolicy[],
  namespaces: ReadonlyMap<string, Labels> = new Map(),
): PolicyMatcher {
  const compiled = policies.map((p, i) => compilePolicy(p, i));
  const byAnchor = new Map<string, Map<string, Entry[]>>();
  const unanchored: Entry[] = [];
  const everything = compileSelector(undefined);
  for (const p of compiled) {
    const selectors = p.resourceSelectors.length === 0 ? [everything] : p.resourceSelectors;
    for (const selector of selectors) {
      const entry: Entry = { policy: p.index, selector };
      if (selector.anchor === undefined) {
        unanchored.push(entry);
        continue;
      }
      let byValue = byAnchor.get(selector.anchor.key);
      if (byValue === undefined)
        byAnchor.set(selector.anchor.key, (byValue = new Map<string, Entry[]>()));
      for (const value of selector.anchor.values) {
        const bucket = byValue.get(value);
        if (bucket === undefined) byValue.set(value, [entry]);
        else bucket.push(entry);
      }
    }
  }

  // Per namespace, whether each policy's namespaceSelector matches: 1 yes, 2 no, 0 unknown.
  const nsVerdicts = new Map<string, Uint8Array>();
  const nsLabelCache = new Map<string, Labels>();
  const nsLabelsOf = (ns: string): Labels => {
    let labels = nsLabelCache.get(ns);
    if (labels === undefined)
      nsLabelCache.set(ns, (labels = namespaceLabels(ns, namespaces.get(ns))));
    return labels;
  };

  // Scratch state reused across calls (match is synchronous and never re-entered):
  // stamps avoid clearing per-policy arrays for every object.
  const n = compiled.length;
  const matchedStamp = new Int32Array(n);
  const best = new Int32Array(n);
  const hits: number[] = [];
  const rejected: Entry[] = [];
  let stamp = 0;
  let curLabels: Labels;
  let curNs: string | undefined;
  let curVerdicts: Uint8Array | undefined;

  const namespaceAllows = (i: number): boolean => {
    if (curVerdicts === undefined || curNs === undefined) return true;
    let v = curVerdicts[i];
    if (v === 0) {
      const selector = (compiled[i] as CompiledPolicy).namespaceSelector;
      v = curVerdicts[i] = selector.matches(nsLabelsOf(curNs)) ? 1 : 2;
    }
    return v === 1;
  };

  const consider = (e: Entry): void => {
    const i = e.policy;
    const p = compiled[i] as CompiledPolicy;
    const specificity =
      (curNs === undefined ? 0 : p.namespaceSelector.requirementCount) +
      e.selector.requirementCount;
    if (matchedStamp[i] === stamp) {
      // Already selected: another selector only matters if it is more specific.
      if (specificity > (best[i] ?? 0) && e.selector.matches(curLabels)) best[i] = specificity;
      return;
    }
    // The cached namespace verdict is cheaper than the selector, so it goes first; the
    // rejected entries are only looked at again to explain an object nothing selects.
    if (!namespaceAllows(i)) {
      rejected.push(e);
      return;
    }
    if (!e.selector.matches(curLabels)) return;
    matchedStamp[i] = stamp;
    best[i] = specificity;
    hits.push(i);
  };

  function match(obj: KubeObject): PolicyMatch {
    stamp++;
    hits.length = 0;
    rejected.length = 0;
    curLabels = obj.metadata.labels;
    curNs = namespaceOf(obj);
    curVerdicts = undefined;
    if (curNs !== undefined) {
      curVerdicts = nsVerdicts.get(curNs);
      if (curVerdicts === undefined) nsVerdicts.set(curNs, (curVerdicts = new Uint8Array(n)));
    }
    if (curLabels !== undefined) {
      for (const key of Object.keys(curLabels)) {
        const bucket = byAnchor.get(key)?.get(curLabels[key] as string);
        if (bucket !== undefined) for (const e of bucket) consider(e);
      }
    }
    for (const e of unanchored) consider(e);

    if (hits.length === 0) {
      const misses = new Set<string>();
      for (const e of rejected)
        if (e.selector.matches(curLabels)) misses.add((compiled[e.policy] as CompiledPolicy).name);
      return { matched: [], namespaceMisses: misses.size === 0 ? NONE : [...misses].sort() };
    }
    const matched = hits.map((i) => ({
      policy: compiled[i] as CompiledPolicy,
      specificity: best[i] ?? 0,
    }));
    if (matched.length > 1) matched.sort(comparePrecedence);
    return { winner: (matched[0] as MatchedPolicy).policy, matched, namespaceMisses: NONE };
  }

  return { policies: compiled, match };
}

/**
 * True when `policy` selects `obj`, given the labels of the object's namespace (the
 * automatic `kubernetes.io/metadata.name` label is added). For one-off checks; use
 * {@link createPolicyMatcher} for many objects.
 */
export function policySelects(policy: SchedulePolicy, obj: KubeObject, nsLabels?: Labels): boolean {
  const ns = namespaceOf(obj);
  return (
    createPolicyMatcher([policy], ns === undefined ? new Map() : new Map([[ns, nsLabels]])).match(
      obj,
    ).winner !== undefined
  );
}
