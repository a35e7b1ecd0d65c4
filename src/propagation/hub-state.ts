/**
 * The propagator's in-memory view of the hub store: every object that may be placed, and
 * every SchedulePolicy, kept current from the store's change stream.
 *
 * Each object carries a hash of what a member would receive from it (everything but
 * status and server metadata). A change that moves only status — as propagation's own
 * status sync does — leaves the hash alone and is reported as not relevant, so writing
 * status back never triggers a reschedule or an apply.
 */
import { POLICY_GROUP, kindKey } from '../resources/kinds.js';
import type { KubeObject } from '../resources/meta.js';
import type { SchedulePolicy } from '../resources/schedule-policy.js';
import { isControlPlaneGroup } from '../scheduling/object-scope.js';
import type { ChangeEvent, RedisStore, StoreKey } from '../store/redis-store.js';
import { canonicalJson } from '../util/canonical-json.js';
import { shortHash } from './manifest.js';

export const POLICY_KIND = kindKey(POLICY_GROUP, 'SchedulePolicy');

interface Held {
  obj: KubeObject;
  contentHash: string;
}

function storeId(key: { kind: string; namespace: string; name: string }): string {
  return `${key.kind}|${key.namespace}|${key.name}`;
}

/** Hash of what propagation cares about: no status, no server-owned metadata. */
export function contentHash(obj: KubeObject): string {
  const { status: _s, metadata, ...rest } = obj;
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _g,
    uid: _u,
    creationTimestamp: _c,
    ...meta
  } = metadata;
  return shortHash(canonicalJson({ ...rest, metadata: meta }));
}

/** The group part of a kind key (`core` is the core group). */
function groupOfKindKey(kind: string): string {
  const slash = kind.indexOf('/');
  const group = kind.slice(0, slash);
  return group === 'core' ? '' : group;
}

/** True for kind keys whose objects the hub state follows. */
export function isFollowed(kind: string): boolean {
  return kind === POLICY_KIND || !isControlPlaneGroup(groupOfKindKey(kind));
}

export class HubState {
  private readonly objects = new Map<string, Held>();
  private readonly policies = new Map<string, SchedulePolicy>();
  /** Bumped on every relevant change; lets callers memoize per version. */
  version = 0;
  /** Bumped when a policy or a Namespace object changes (everything must be re-rendered). */
  policyEpoch = 0;

  constructor(private readonly store: RedisStore) {}

  /** Reads everything from the store. Returns the stream position to follow from. */
  async load(): Promise<string> {
    const from = await this.store.streamPosition();
    this.objects.clear();
    this.policies.clear();
    for (const kind of await this.store.storedKinds()) {
      if (!isFollowed(kind)) continue;
      const { items } = await this.store.list(kind);
      for (const obj of items)
        this.put({ kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name }, obj);
    }
    this.version++;
    this.policyEpoch++;
    return from;
  }

  private put(key: StoreKey, obj: KubeObject | undefined): boolean {
    const id = storeId(key);
    if (key.kind === POLICY_KIND) {
      if (obj) this.policies.set(id, obj as unknown as SchedulePolicy);
      else if (!this.policies.delete(id)) return false;
      this.policyEpoch++;
      return true;
    }
    const before = this.objects.get(id);
    if (!obj) {
      if (!before) return false;
      this.objects.delete(id);
    } else {
      // The store slices resourceVersion out of the raw value, and a sliced string keeps
      // the whole raw JSON alive (~1 KiB per object): hold a copy of its own instead.
      const rv = Number(obj.metadata.resourceVersion);
      if (Number.isSafeInteger(rv)) obj.metadata.resourceVersion = String(rv);
      const hash = contentHash(obj);
      this.objects.set(id, { obj, contentHash: hash });
      if (before?.contentHash === hash) return false;
    }
    // Namespace labels decide which policies select the objects inside.
    if (key.kind === 'core/Namespace') this.policyEpoch++;
    return true;
  }

  /**
   * Applies a batch of store changes (re-reading the objects in one round trip).
   * Returns true when anything a member would receive may have changed.
   */
  async apply(events: readonly ChangeEvent[]): Promise<boolean> {
    const latest = new Map<string, StoreKey>();
    for (const ev of events) {
      if (!isFollowed(ev.kind)) continue;
      const key = { kind: ev.kind, namespace: ev.namespace, name: ev.name };
      latest.set(storeId(key), key);
    }
    if (latest.size === 0) return false;
    const keys = [...latest.values()];
    const objs = await this.store.getMany(keys);
    let relevant = false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key && this.put(key, objs[i])) relevant = true;
    }
    if (relevant) this.version++;
    return relevant;
  }

  /** The hub object with this store id, if held. */
  get(id: string): KubeObject | undefined {
    return this.objects.get(id)?.obj;
  }

  allObjects(): KubeObject[] {
    return [...this.objects.values()].map((h) => h.obj);
  }

  allPolicies(): SchedulePolicy[] {
    return [...this.policies.values()];
  }

  get size(): number {
    return this.objects.size;
  }
}
