/**
 * Desired state per member cluster: run the scheduler over the hub state and turn each
 * placed copy into a {@link DesiredCopy}. Rendering and hashing a copy is the expensive
 * part, so copies are reused while the object, the policies, Namespace labels and the
 * clusters' view are all unchanged; only the decisions are recomputed every time.
 */
import type { KubeObject } from '../resources/meta.js';
import type { ClusterView } from '../scheduling/cluster-select.js';
import { schedule, type ObjectRef } from '../scheduling/placement.js';
import { namespaceOf } from '../scheduling/object-scope.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { HubState } from './hub-state.js';
import { DesiredCopy, objectId } from './manifest.js';

/** A placement as propagation keeps it: the decision, without manifests. */
export interface PlacementSummary {
  id: string;
  object: ObjectRef;
  policy?: string;
  matchedPolicies: readonly string[];
  group?: string;
  clusters: { cluster: string; replicas?: number }[];
  reason: string;
  unschedulable?: string;
}

/** Everything the workers need from one scheduling pass. */
export interface DesiredState {
  placements: PlacementSummary[];
  /** cluster → object id → copy. A cluster with nothing placed has an empty map. */
  byCluster: Map<string, Map<string, DesiredCopy>>;
  /** Clusters that were Ready in the view this state was computed from. */
  ready: ReadonlySet<string>;
  /** object id → clusters it is placed on. */
  placedOn: Map<string, string[]>;
}

/**
 * An object's copies from the last pass, reused while its resourceVersion is unchanged.
 * Flat `[cluster, replicas, copy, ...]` rather than a Map per object: 10,000 objects
 * would otherwise hold 10,000 small hash tables.
 */
interface Memo {
  rv: string;
  copies: (string | number | undefined | DesiredCopy)[];
}

function memoized(
  memo: Memo | undefined,
  rv: string,
  cluster: string,
  replicas: number | undefined,
): DesiredCopy | undefined {
  if (memo?.rv !== rv) return undefined;
  const c = memo.copies;
  for (let i = 0; i < c.length; i += 3)
    if (c[i] === cluster && c[i + 1] === replicas) return c[i + 2] as DesiredCopy;
  return undefined;
}

/** Equal lists shared, not repeated per object (10,000 Duplicate objects → one list). */
class Interner<T> {
  private readonly seen = new Map<string, T>();
  get(key: string, make: () => T): T {
    let v = this.seen.get(key);
    if (v === undefined) this.seen.set(key, (v = make()));
    return v;
  }
}

/** Hub objects never sent anywhere besides lifeboat's own kinds: Secrets holding kubeconfigs. */
function excludedReason(obj: KubeObject, secrets: ReadonlySet<string>): string | undefined {
  if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1') return undefined;
  return secrets.has(`${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`)
    ? 'this Secret holds a member cluster kubeconfig (a Cluster secretRef names it); lifeboat never propagates it'
    : undefined;
}

function refKey(r: {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}): string {
  return `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
}

export class DesiredBuilder {
  private memo = new Map<string, Memo>();
  private epochKey = '';

  /** Schedules everything and returns the desired state of every cluster in `views`. */
  build(
    hub: HubState,
    views: readonly ClusterView[],
    kubeconfigSecrets: ReadonlySet<string>,
  ): DesiredState {
    const epochKey = `${String(hub.policyEpoch)}|${canonicalJson(views)}`;
    if (epochKey !== this.epochKey) {
      this.memo = new Map();
      this.epochKey = epochKey;
    }
    const excluded: PlacementSummary[] = [];
    const objects: KubeObject[] = [];
    const byRef = new Map<string, KubeObject>();
    for (const obj of hub.allObjects()) {
      const ns = namespaceOf(obj);
      const why = excludedReason(obj, kubeconfigSecrets);
      if (why === undefined) {
        objects.push(obj);
        byRef.set(
          refKey({
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            namespace: ns,
            name: obj.metadata.name,
          }),
          obj,
        );
        continue;
      }
      excluded.push({
        id: objectId(obj),
        object: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          ...(ns ? { namespace: ns } : {}),
          name: obj.metadata.name,
        },
        matchedPolicies: [],
        clusters: [],
        reason: why,
        unschedulable: why,
      });
    }
    const placements = schedule({
      objects,
      policies: hub.allPolicies(),
      clusters: views,
      namespaces: new Map(),
    });

    const byCluster = new Map<string, Map<string, DesiredCopy>>(
      views.map((v) => [v.name, new Map()]),
    );
    const placedOn = new Map<string, string[]>();
    const summaries: PlacementSummary[] = [];
    const nextMemo = new Map<string, Memo>();
    const clusterLists = new Interner<PlacementSummary['clusters']>();
    const nameLists = new Interner<string[]>();
    for (const p of placements) {
      const ref = p.object;
      const obj = byRef.get(refKey(ref));
      if (obj === undefined) continue; // cannot happen: every placement is of an input object
      const id = objectId(obj);
      const rv = obj.metadata.resourceVersion ?? '';
      const old = this.memo.get(id);
      const memo: Memo = { rv, copies: [] };
      let key = '';
      // Copies without overrides and with the same replicas are identical: render one
      // (Duplicate to three clusters is one body, not three), straight from the hub
      // object (no deep copy) so it can drop its body once applied and render it again.
      const plain = new Map<number | undefined, DesiredCopy>();
      for (const c of p.clusters) {
        let copy = memoized(old, rv, c.cluster, c.replicas);
        if (copy === undefined) {
          if (c.overridden) copy = DesiredCopy.ofManifest(id, c.manifest);
          else {
            copy = plain.get(c.replicas) ?? DesiredCopy.ofSource(id, obj, c.replicas);
            plain.set(c.replicas, copy);
          }
          copy.claim();
        }
        memo.copies.push(c.cluster, c.replicas, copy);
        byCluster.get(c.cluster)?.set(id, copy);
        key += `${c.cluster}=${String(c.replicas)},`;
      }
      const clusters = clusterLists.get(key, () =>
        p.clusters.map((c) =>
          c.replicas === undefined
            ? { cluster: c.cluster }
            : { cluster: c.cluster, replicas: c.replicas },
        ),
      );
      if (clusters.length > 0)
        placedOn.set(
          id,
          nameLists.get(key, () => clusters.map((c) => c.cluster)),
        );
      nextMemo.set(id, memo);
      const summary: PlacementSummary = {
        id,
        object: ref,
        matchedPolicies: p.matchedPolicies,
        clusters,
        reason: p.reason,
      };
      if (p.policy !== undefined) summary.policy = p.policy;
      if (p.group !== undefined) summary.group = p.group;
      if (p.unschedulable !== undefined) summary.unschedulable = p.unschedulable;
      summaries.push(summary);
    }
    this.memo = nextMemo;
    return {
      placements: [...summaries, ...excluded],
      byCluster,
      ready: new Set(views.filter((v) => v.ready).map((v) => v.name)),
      placedOn,
    };
  }
}
