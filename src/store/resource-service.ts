/**
 * Admission plus persistence: what every write through the API, `/apply` and GitOps
 * goes through. It defaults and validates objects, keeps server-owned metadata (uid,
 * creationTimestamp, generation, resourceVersion), and writes batches all or nothing.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError } from '../errors.js';
import { kindKey, type KindInfo } from '../resources/kinds.js';
import { LABELS, type KubeObject } from '../resources/meta.js';
import type { Admitted } from '../resources/validate.js';
import { canonicalJson } from '../util/canonical-json.js';
import {
  PreconditionFailed,
  type Expectation,
  type RedisStore,
  type StoreKey,
  type WriteOp,
} from './redis-store.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'deleted';

export interface ApplyResult {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ApplyAction;
  resourceVersion?: string;
}

export interface WriteOptions {
  /** Validate and compute the result, write nothing. */
  dryRun?: boolean;
}

/** How many times a batch is recomputed when another writer got in between. */
const MAX_CONFLICT_RETRIES = 5;

export function storeKeyOf(
  info: Pick<KindInfo, 'group' | 'kind' | 'namespaced'>,
  namespace: string | undefined,
  name: string,
): StoreKey {
  return {
    kind: kindKey(info.group, info.kind),
    namespace: info.namespaced ? (namespace ?? 'default') : '',
    name,
  };
}

/** Fills what Kubernetes would: default namespace, the cluster/namespace name label. */
export function applyDefaults(a: Admitted): KubeObject {
  const obj = structuredClone(a.object);
  if (a.info.namespaced) obj.metadata.namespace ??= 'default';
  else delete obj.metadata.namespace;
  const selfLabelled =
    (a.info.group === 'cluster.elotl.co' && a.info.kind === 'Cluster') ||
    (a.info.group === '' && a.info.kind === 'Namespace');
  if (selfLabelled)
    obj.metadata.labels = { ...obj.metadata.labels, [LABELS.clusterName]: obj.metadata.name };
  return obj;
}

/** The parts of an object a user owns; status and server metadata are excluded. */
function userContent(obj: KubeObject): string {
  const { status: _s, metadata, ...rest } = obj;
  const {
    resourceVersion: _rv,
    uid: _u,
    generation: _g,
    creationTimestamp: _c,
    managedFields: _m,
    ...meta
  } = metadata;
  return canonicalJson({ ...rest, metadata: meta });
}

function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return canonicalJson(rest);
}

/**
 * Merges a desired object onto the stored one: server-owned metadata and status are
 * kept, generation moves when anything but metadata changes.
 */
function merge(desired: KubeObject, current: KubeObject | undefined, now: string): KubeObject {
  const { status: _ignored, ...rest } = desired;
  const next: KubeObject = {
    ...rest,
    metadata: {
      ...desired.metadata,
      uid: current?.metadata.uid ?? randomUUID(),
      creationTimestamp: current?.metadata.creationTimestamp ?? now,
      generation: current
        ? (current.metadata.generation ?? 1) + (specOf(desired) !== specOf(current) ? 1 : 0)
        : 1,
    },
  };
  delete next.metadata.resourceVersion;
  if (current?.status !== undefined) next.status = current.status;
  else if (desired.status !== undefined && current === undefined) next.status = desired.status;
  return next;
}

export class ResourceService {
  constructor(readonly store: RedisStore) {}

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const key = storeKeyOf(info, namespace, name);
    const obj = await this.store.get(key);
    if (!obj)
      throw new NotFoundError(
        `${info.kind} "${name}"${key.namespace ? ` in namespace ${key.namespace}` : ''} not found`,
      );
    return obj;
  }

  async list(
    info: KindInfo,
    namespace?: string,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    return this.store.list(kindKey(info.group, info.kind), info.namespaced ? namespace : undefined);
  }

  /**
   * Creates or updates every object, all or nothing: if any object conflicts or fails,
   * nothing is written. An object carrying metadata.resourceVersion is updated only if
   * it is still at that version (409 otherwise).
   */
  async apply(batch: readonly Admitted[], options: WriteOptions = {}): Promise<ApplyResult[]> {
    const prepared = batch.map((a) => {
      const obj = applyDefaults(a);
      return { a, obj, key: storeKeyOf(a.info, obj.metadata.namespace, obj.metadata.name) };
    });
    const seen = new Set<string>();
    for (const p of prepared) {
      const id = `${p.key.kind}/${p.key.namespace}/${p.key.name}`;
      if (seen.has(id)) {
        throw new InvalidError(
          `${p.a.info.kind} "${p.key.name}" appears twice in one request; keep one`,
          [{ field: 'metadata.name', message: 'duplicate object in the batch' }],
        );
      }
      seen.add(id);
    }
    for (let attempt = 0; ; attempt++) {
      const currents = await this.store.getMany(prepared.map((p) => p.key));
      const now = new Date().toISOString();
      const ops: WriteOp[] = [];
      const results: ApplyResult[] = [];
      prepared.forEach((p, i) => {
        const current = currents[i];
        const requested = p.obj.metadata.resourceVersion;
        if (requested !== undefined && current && current.metadata.resourceVersion !== requested) {
          throw new ConflictError(
            `${p.a.info.kind} "${p.key.name}" is at resourceVersion ${current.metadata.resourceVersion}, not ${requested}; fetch it again and reapply`,
          );
        }
        const base = {
          apiVersion: p.obj.apiVersion,
          kind: p.obj.kind,
          namespace: p.key.namespace || undefined,
          name: p.key.name,
        };
        if (current && userContent(current) === userContent(p.obj)) {
          results.push({
            ...base,
            action: 'unchanged',
            resourceVersion: current.metadata.resourceVersion,
          });
          return;
        }
        const expect: Expectation = current
          ? { type: 'rv', rv: current.metadata.resourceVersion ?? '' }
          : { type: 'absent' };
        ops.push({ op: 'put', key: p.key, object: merge(p.obj, current, now), expect });
        results.push({ ...base, action: current ? 'configured' : 'created' });
      });
      if (options.dryRun) return results;
      try {
        const rvs = await this.store.commit(ops);
        let j = 0;
        for (const r of results) if (r.action !== 'unchanged') r.resourceVersion = rvs[j++];
        await this.rememberKinds(batch);
        return results;
      } catch (err) {
        if (err instanceof PreconditionFailed && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  /** Creates one object; 409 AlreadyExists when it is there. */
  async create(a: Admitted, options: WriteOptions = {}): Promise<KubeObject> {
    const obj = applyDefaults(a);
    const key = storeKeyOf(a.info, obj.metadata.namespace, obj.metadata.name);
    const next = merge(obj, undefined, new Date().toISOString());
    if (options.dryRun) return next;
    try {
      const [rv] = await this.store.commit([
        { op: 'put', key, object: next, expect: { type: 'absent' } },
      ]);
      await this.rememberKinds([a]);
      return { ...next, metadata: { ...next.metadata, resourceVersion: rv } };
    } catch (err) {
      if (err instanceof PreconditionFailed)
        throw new AlreadyExistsError(
          `${a.info.kind} "${key.name}" already exists; use PUT or /apply to change it`,
        );
      throw err;
    }
  }

  /** Replaces one object. With metadata.resourceVersion the write is conditional (409 on a stale one). */
  async replace(a: Admitted, options: WriteOptions = {}): Promise<KubeObject> {
    const obj = applyDefaults(a);
    const key = storeKeyOf(a.info, obj.metadata.namespace, obj.metadata.name);
    const current = await this.store.get(key);
    if (!current)
      throw new NotFoundError(
        `${a.info.kind} "${key.name}" not found; create it with POST or /apply`,
      );
    const requested = obj.metadata.resourceVersion;
    const expect: Expectation = {
      type: 'rv',
      rv: requested ?? current.metadata.resourceVersion ?? '',
    };
    const next = merge(obj, current, new Date().toISOString());
    if (options.dryRun) return next;
    try {
      const [rv] = await this.store.commit([{ op: 'put', key, object: next, expect }]);
      return { ...next, metadata: { ...next.metadata, resourceVersion: rv } };
    } catch (err) {
      if (err instanceof PreconditionFailed) {
        throw new ConflictError(
          `${a.info.kind} "${key.name}" was modified (resourceVersion ${err.currentRv}${requested ? `, you sent ${requested}` : ''}); fetch it again and retry`,
        );
      }
      throw err;
    }
  }

  async delete(
    info: KindInfo,
    namespace: string | undefined,
    name: string,
    resourceVersion?: string,
  ): Promise<void> {
    const key = storeKeyOf(info, namespace, name);
    try {
      await this.store.delete(
        key,
        resourceVersion ? { type: 'rv', rv: resourceVersion } : { type: 'exists' },
      );
    } catch (err) {
      if (err instanceof PreconditionFailed && !err.notFound) {
        throw new ConflictError(
          `${info.kind} "${name}" is at resourceVersion ${err.currentRv}, not ${resourceVersion ?? '?'}`,
        );
      }
      throw err;
    }
  }

  /**
   * Read-modify-write of one object by lifeboat itself (status sync, recovery patches),
   * retried on conflict. `mutate` returns the new object, or undefined to leave it.
   */
  async update(
    key: StoreKey,
    mutate: (current: KubeObject) => KubeObject | undefined,
    options: { bumpGeneration?: boolean } = {},
  ): Promise<KubeObject | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (!current)
        throw new NotFoundError(
          `${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name} not found`,
        );
      const next = mutate(structuredClone(current));
      if (!next) return current;
      next.metadata.generation =
        (current.metadata.generation ?? 1) +
        (options.bumpGeneration && specOf(next) !== specOf(current) ? 1 : 0);
      const rv = current.metadata.resourceVersion ?? '';
      delete next.metadata.resourceVersion;
      try {
        const [newRv] = await this.store.commit([
          { op: 'put', key, object: next, expect: { type: 'rv', rv } },
        ]);
        return { ...next, metadata: { ...next.metadata, resourceVersion: newRv } };
      } catch (err) {
        if (err instanceof PreconditionFailed && !err.notFound && attempt < 20) continue;
        throw err;
      }
    }
  }

  private async rememberKinds(batch: readonly Admitted[]): Promise<void> {
    const fresh = new Map<string, KindInfo>();
    for (const a of batch) if (!a.info.known) fresh.set(`${a.info.group}/${a.info.plural}`, a.info);
    for (const info of fresh.values()) {
      const { known: _k, ...plain } = info as KindInfo & { known?: boolean };
      await this.store.registerKind(plain);
    }
  }
}
