/**
 * The scheduler's entry point: objects + policies + clusters → where each object goes,
 * with the copy each cluster receives. Pure: no I/O, inputs never changed.
 *
 * Pipeline per object: skip lifeboat's own kinds → pick the winning policy
 * (policy-match.ts) → that policy's cluster selection (cluster-select.ts) and spread plan
 * (spread.ts), computed once per policy → per-cluster copies with replicas and overrides
 * (overrides.ts, cluster-copy.ts) → group atomicity (group-by.ts) → Namespace objects
 * follow their contents.
 *
 * Copies without overrides are rendered on first read of `manifest` (cluster-copy.ts), so
 * callers must not change the input objects while they still read manifests.
 */
import { splitApiVersion } from '../resources/kinds.js';
import type { KubeObject } from '../resources/meta.js';
import type { SchedulePolicy } from '../resources/schedule-policy.js';
import { ClusterCopy } from './cluster-copy.js';
import { selectClusters } from './cluster-select.js';
import type { ClusterView } from './cluster-select.js';
import { collectGroups, groupName, groupValueOf } from './group-by.js';
import { isControlPlaneGroup, isNamespaceObject, namespaceOf } from './object-scope.js';
import { compileOverrides, overridesFor, renderCopy } from './overrides.js';
import type { OverrideIndex } from './overrides.js';
import { createPolicyMatcher, whyWins } from './policy-match.js';
import type { CompiledPolicy, PolicyMatch } from './policy-match.js';
import { allocateReplicas, planSpread, replicasOf } from './spread.js';
import type { SpreadPlan } from './spread.js';

export { ClusterCopy } from './cluster-copy.js';

/** Identifies the scheduled object. `namespace` is absent for cluster-scoped objects. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Where one object goes, and why. */
export interface Placement {
  readonly object: ObjectRef;
  /** The winning policy; absent when none selects the object. */
  readonly policy?: string;
  /** Every policy that selects the object, winner first (precedence order). */
  readonly matchedPolicies: readonly string[];
  /** `labelKey=value` when the winning policy groups the object with others. */
  readonly group?: string;
  /** Copies by cluster; empty exactly when `unschedulable` is set. */
  readonly clusters: readonly ClusterCopy[];
  /** One sentence on how the placement was decided. */
  readonly reason: string;
  /** Why the object goes nowhere, in plain words. */
  readonly unschedulable?: string;
}

/** Everything a scheduling decision depends on. */
export interface ScheduleInput {
  readonly objects: readonly KubeObject[];
  readonly policies: readonly SchedulePolicy[];
  readonly clusters: readonly ClusterView[];
  /**
   * Labels of each namespace. A namespace missing here takes the labels of its Namespace
   * object among `objects`, if any; every namespace also has `kubernetes.io/metadata.name`.
   */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

interface PolicyState {
  readonly plan: SpreadPlan;
  readonly overrides: OverrideIndex;
  /** Divide: replicas per target, by the object's replica count. */
  readonly allocations: Map<number, number[]>;
}

interface Draft {
  readonly obj: KubeObject;
  readonly ref: ObjectRef;
  /** API group, for output order. */
  readonly apiGroup: string;
  readonly namespace: string | undefined;
  readonly match: PolicyMatch;
  policy?: CompiledPolicy;
  group?: string;
  groupKey?: string;
  clusters: ClusterCopy[];
  reason: string;
  unschedulable?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function describeRef(ref: ObjectRef): string {
  return ref.namespace === undefined
    ? `${ref.kind} ${ref.name}`
    : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function describeLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? 'it has no labels' : `its labels are ${pairs.join(',')}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function otherPolicies(match: PolicyMatch): string {
  const [first, ...rest] = match.matched;
  if (first === undefined || rest.length === 0) return '';
  return `; also selected by ${rest.map((m) => `"${m.policy.name}" (loses: ${whyWins(first, m)})`).join(', ')}`;
}

function stateFor(policy: CompiledPolicy, clusters: readonly ClusterView[]): PolicyState {
  const spec = policy.policy.spec;
  const plan = planSpread(spec.spreadConstraints, selectClusters(spec, clusters));
  try {
    return { plan, overrides: compileOverrides(spec.spreadConstraints), allocations: new Map() };
  } catch (err) {
    const reason = `spreadConstraints.overrides cannot be used: ${errorText(err)}`;
    return {
      plan: { ...plan, targets: [], summary: reason, unschedulable: reason },
      overrides: compileOverrides(undefined),
      allocations: new Map(),
    };
  }
}

function fail(draft: Draft, why: string): void {
  draft.clusters = [];
  draft.unschedulable = why;
  draft.reason = why;
}

/** Places one object by its winning policy's plan (group atomicity is applied later). */
function place(draft: Draft, policy: CompiledPolicy, state: PolicyState): void {
  const { plan } = state;
  const head = `SchedulePolicy "${policy.name}"`;
  if (plan.unschedulable !== undefined) {
    fail(draft, `${head}: ${plan.unschedulable}`);
    draft.reason += otherPolicies(draft.match);
    return;
  }
  const obj = draft.obj;
  let allocation: number[] | undefined;
  let replicaNote = '';
  if (plan.mode === 'Divide') {
    const replicas = replicasOf(obj);
    if (replicas === undefined) {
      replicaNote = ' (no spec.replicas: copied whole)';
    } else {
      allocation = state.allocations.get(replicas);
      if (allocation === undefined)
        state.allocations.set(replicas, (allocation = allocateReplicas(plan, replicas)));
      const parts = plan.targets.map((t, i) => `${t.cluster.name} ${allocation?.[i] ?? 0}`);
      replicaNote = `: ${replicas} replicas → ${parts.join(', ')}`;
    }
  }
  let overridden: string[] | undefined;
  const targets = plan.targets;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    if (target === undefined) continue;
    const name = target.cluster.name;
    const replicas = allocation?.[i];
    const overrides = overridesFor(state.overrides, target.topologyValue, obj, draft.namespace);
    if (overrides.length === 0) {
      draft.clusters.push(ClusterCopy.lazy(name, replicas, obj));
      continue;
    }
    try {
      draft.clusters.push(
        ClusterCopy.rendered(name, replicas, renderCopy(obj, { replicas, overrides })),
      );
    } catch (err) {
      fail(draft, `${head}: the copy for ${name} cannot be rendered: ${errorText(err)}`);
      return;
    }
    (overridden ??= []).push(name);
  }
  const overrideNote =
    overridden === undefined ? '' : `; overrides applied for ${overridden.join(', ')}`;
  draft.reason = `${head}: ${plan.summary}${replicaNote}${overrideNote}${otherPolicies(draft.match)}`;
}

function notSelected(draft: Draft): string {
  const where =
    draft.namespace === undefined ? 'cluster-scoped' : `in namespace "${draft.namespace}"`;
  const missed = draft.match.namespaceMisses;
  const misses =
    missed.length === 0
      ? ''
      : `; the labelSelectors of ${missed.map((n) => `"${n}"`).join(', ')} match it but their namespaceSelector does not match namespace "${draft.namespace ?? ''}"`;
  return `no SchedulePolicy selects it (${where}; ${describeLabels(draft.obj.metadata.labels)})${misses}`;
}

/** Holds back every member of a group when one member cannot be placed. */
function enforceGroups(drafts: readonly Draft[]): void {
  if (!drafts.some((d) => d.groupKey !== undefined && d.unschedulable !== undefined)) return;
  const groups = collectGroups(drafts, (d) => d.groupKey);
  for (const members of groups.values()) {
    const failed = members.find((d) => d.unschedulable !== undefined);
    if (failed === undefined) continue;
    for (const d of members) {
      if (d.unschedulable !== undefined) continue; // keeps its own reason
      fail(
        d,
        `group ${d.group ?? ''} is placed together and its member ${describeRef(failed.ref)} cannot be placed: ${failed.unschedulable ?? ''}`,
      );
    }
  }
}

/** Namespace objects go (at least) wherever the objects in them go. */
function placeNamespaces(drafts: readonly Draft[]): void {
  const namespaceDrafts = drafts.filter((d) => isNamespaceObject(d.obj));
  if (namespaceDrafts.length === 0) return;
  const contents = new Map<string, Set<string>>(
    namespaceDrafts.map((d) => [d.obj.metadata.name, new Set()]),
  );
  for (const d of drafts) {
    if (d.namespace === undefined) continue;
    const set = contents.get(d.namespace);
    if (set !== undefined) for (const c of d.clusters) set.add(c.cluster);
  }
  for (const d of namespaceDrafts) {
    const have = new Set(d.clusters.map((c) => c.cluster));
    const extra = [...(contents.get(d.obj.metadata.name) ?? [])].filter((c) => !have.has(c)).sort();
    if (extra.length === 0) {
      if (d.policy === undefined) {
        fail(
          d,
          `no SchedulePolicy selects this Namespace and no placed object lives in it (${describeLabels(d.obj.metadata.labels)})`,
        );
      }
      continue;
    }
    for (const cluster of extra) d.clusters.push(ClusterCopy.lazy(cluster, undefined, d.obj));
    d.clusters.sort((a, b) => compareStrings(a.cluster, b.cluster));
    const follow = `placed on ${extra.join(', ')} because objects in it are placed there`;
    d.reason = d.policy === undefined ? `Namespace ${follow}` : `${d.reason}; also ${follow}`;
    delete d.unschedulable;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDrafts(a: Draft, b: Draft): number {
  return (
    compareStrings(a.apiGroup, b.apiGroup) ||
    compareStrings(a.ref.kind, b.ref.kind) ||
    compareStrings(a.ref.namespace ?? '', b.ref.namespace ?? '') ||
    compareStrings(a.ref.name, b.ref.name)
  );
}

function toPlacement(d: Draft): Placement {
  // Built field by field (no spreads): this runs once per object.
  const out: Mutable<Placement> = { object: d.ref } as Mutable<Placement>;
  if (d.policy !== undefined) out.policy = d.policy.name;
  out.matchedPolicies = d.match.matched.map((m) => m.policy.name);
  if (d.group !== undefined) out.group = d.group;
  out.clusters = d.clusters;
  out.reason = d.reason;
  if (d.unschedulable !== undefined) out.unschedulable = d.unschedulable;
  return out;
}

/**
 * Decides where every object goes. Lifeboat's own kinds (policy.elotl.co,
 * recovery.elotl.co, cluster.elotl.co) are left out of the result; every other object
 * gets exactly one Placement. Output is sorted by API group, kind, namespace and name, and
 * copies by cluster order (name order, fill-and-spill order, or Divide domain order), so
 * the same input always gives the same output.
 */
export function schedule(input: ScheduleInput): Placement[] {
  const namespaces = new Map<string, Readonly<Record<string, string>> | undefined>(
    input.namespaces,
  );
  for (const obj of input.objects) {
    if (isNamespaceObject(obj) && !namespaces.has(obj.metadata.name))
      namespaces.set(obj.metadata.name, obj.metadata.labels);
  }
  const matcher = createPolicyMatcher(input.policies, namespaces);
  const states = new Map<CompiledPolicy, PolicyState>();
  const drafts: Draft[] = [];

  // Few distinct apiVersions, many objects: split each once.
  const groups = new Map<string, string>();
  const groupOf = (apiVersion: string): string => {
    let group = groups.get(apiVersion);
    if (group === undefined) groups.set(apiVersion, (group = splitApiVersion(apiVersion).group));
    return group;
  };

  for (const obj of input.objects) {
    const apiGroup = groupOf(obj.apiVersion);
    if (isControlPlaneGroup(apiGroup)) continue;
    const namespace = namespaceOf(obj);
    const ref: Mutable<ObjectRef> = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
    } as Mutable<ObjectRef>;
    if (namespace !== undefined) ref.namespace = namespace;
    ref.name = obj.metadata.name;
    const match = matcher.match(obj);
    const draft: Draft = {
      obj,
      ref,
      apiGroup,
      namespace,
      match,
      clusters: [],
      reason: '',
    };
    drafts.push(draft);
    const policy = match.winner;
    if (policy === undefined) {
      fail(draft, notSelected(draft));
      continue;
    }
    draft.policy = policy;
    const labelKey = policy.policy.spec.groupBy?.labelKey;
    if (labelKey !== undefined) {
      const value = groupValueOf(obj, labelKey);
      if (value !== undefined) {
        draft.group = groupName(labelKey, value);
        draft.groupKey = `${policy.index}\u0000${value}`;
      }
    }
    let state = states.get(policy);
    if (state === undefined) states.set(policy, (state = stateFor(policy, input.clusters)));
    place(draft, policy, state);
  }

  enforceGroups(drafts);
  placeNamespaces(drafts);
  return drafts.sort(compareDrafts).map(toPlacement);
}
