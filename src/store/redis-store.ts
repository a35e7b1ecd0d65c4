/**
 * The object store: every object as JSON in one Redis hash per kind, a global
 * resourceVersion counter, and a change stream. Writes go through one Lua script
 * (all-or-nothing, optimistic concurrency); reads are single HGET/HGETALL calls.
 * All keys live under a prefix so tests and several installations can share a Redis.
 */
import type { Redis } from 'ioredis';
import { ConflictError, NotFoundError } from '../errors.js';
import type { KindInfo } from '../resources/kinds.js';
import type { KubeObject } from '../resources/meta.js';
import { COMMIT_SCRIPT } from './commit-script.js';

/** Identifies one stored object. `kind` is the version-free kind key, e.g. `apps/Deployment`. */
export interface StoreKey {
  kind: string;
  namespace: string;
  name: string;
}

/** What a write expects to find: anything, nothing, something, or exactly this version. */
export type Expectation =
  { type: 'any' } | { type: 'absent' } | { type: 'exists' } | { type: 'rv'; rv: string };

export type WriteOp =
  | { op: 'put'; key: StoreKey; object: KubeObject; expect: Expectation }
  | { op: 'delete'; key: StoreKey; expect: Expectation };

export interface ChangeEvent {
  /** Stream entry id, usable as a resume point. */
  id: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  namespace: string;
  name: string;
  resourceVersion: string;
}

/** Raised when a batch's precondition fails; `index` names the op. */
export class PreconditionFailed extends ConflictError {
  constructor(
    readonly index: number,
    readonly key: StoreKey,
    readonly currentRv: string,
    readonly notFound: boolean,
  ) {
    super(
      notFound
        ? `${key.kind} ${fieldOf(key)} does not exist`
        : `${key.kind} ${fieldOf(key)} was changed by someone else (now at resourceVersion ${currentRv}); read it again and retry`,
    );
  }
}

const STREAM_MAX = 100_000;

function fieldOf(key: Pick<StoreKey, 'namespace' | 'name'>): string {
  return `${key.namespace}/${key.name}`;
}

function decode(raw: string): KubeObject {
  const bar = raw.indexOf('|');
  const obj = JSON.parse(raw.slice(bar + 1)) as KubeObject;
  obj.metadata.resourceVersion = raw.slice(0, bar);
  return obj;
}

function encode(obj: KubeObject): string {
  // resourceVersion lives in the value's prefix, not in the JSON.
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

/** A field of a change-stream entry's flat [name, value, ...] array: with four fields, a scan beats a Map. */
function entryField(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Read through a call so the compiler does not assume the flag is unchanged since the loop test. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function expectArg(e: Expectation): string {
  return e.type === 'rv' ? `rv:${e.rv}` : e.type;
}

/** The Redis client once the commit script is defined on it (ioredis adds the method at run time). */
interface WithCommit {
  lifeboatCommit(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[]>;
}

export class RedisStore {
  readonly prefix: string;
  private readonly streamKey: string;
  private readonly rvKey: string;
  private readonly kindsKey: string;
  /** Hash of kind → writes so far (see commit-script.ts). */
  private readonly generationsKey: string;

  constructor(
    readonly redis: Redis,
    prefix: string,
  ) {
    this.prefix = prefix;
    this.streamKey = `${prefix}changes`;
    this.rvKey = `${prefix}rv`;
    this.kindsKey = `${prefix}kinds`;
    this.generationsKey = `${prefix}generations`;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    if (!('lifeboatCommit' in redis)) redis.defineCommand('lifeboatCommit', { lua: COMMIT_SCRIPT });
  }

  private hashKey(kind: string): string {
    return `${this.prefix}objects:${kind}`;
  }

  async get(key: StoreKey): Promise<KubeObject | undefined> {
    const raw = await this.redis.hget(this.hashKey(key.kind), fieldOf(key));
    return raw === null ? undefined : decode(raw);
  }

  /** Reads many objects in one round trip; missing ones are undefined, in order. */
  async getMany(keys: readonly StoreKey[]): Promise<(KubeObject | undefined)[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hget(this.hashKey(k.kind), fieldOf(k));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, raw]) => {
      if (err) throw err;
      return typeof raw === 'string' ? decode(raw) : undefined;
    });
  }

  /** Every object of a kind (optionally one namespace), with the store's resourceVersion at read time. */
  async list(
    kind: string,
    namespace?: string,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const res = (await this.redis.multi().hgetall(this.hashKey(kind)).get(this.rvKey).exec()) ?? [];
    const [e1, all] = (res[0] ?? [null, {}]) as [Error | null, Record<string, string>];
    const [e2, rv] = (res[1] ?? [null, '0']) as [Error | null, string | null];
    if (e1) throw e1;
    if (e2) throw e2;
    const items: KubeObject[] = [];
    for (const [field, raw] of Object.entries(all)) {
      if (namespace !== undefined && !field.startsWith(`${namespace}/`)) continue;
      items.push(decode(raw));
    }
    const order = (o: KubeObject): string =>
      fieldOf({ namespace: o.metadata.namespace ?? '', name: o.metadata.name });
    items.sort((a, b) => (order(a) < order(b) ? -1 : 1));
    return { items, resourceVersion: rv ?? '0' };
  }

  /**
   * Writes a batch atomically: either every precondition holds and every op is written,
   * or nothing is and PreconditionFailed names the first op that failed.
   * Returns the new resourceVersion of each op, in order.
   */
  async commit(ops: readonly WriteOp[]): Promise<string[]> {
    if (ops.length === 0) return [];
    const keys = [
      this.rvKey,
      this.streamKey,
      this.generationsKey,
      ...ops.map((o) => this.hashKey(o.key.kind)),
    ];
    const args: (string | number)[] = [STREAM_MAX];
    for (const o of ops) {
      args.push(
        o.op === 'put' ? 'put' : 'del',
        fieldOf(o.key),
        expectArg(o.expect),
        o.op === 'put' ? encode(o.object) : '',
        o.key.kind,
      );
    }
    const res = await (this.redis as unknown as WithCommit).lifeboatCommit(
      keys.length,
      ...keys,
      ...args,
    );
    const code = Number(res[0]);
    if (code !== 0) {
      const index = Number(res[1]) - 1;
      const op = ops[index];
      if (!op) throw new Error(`store commit failed with code ${code} at an unknown op`);
      throw new PreconditionFailed(index, op.key, String(res[2] ?? ''), code === -2);
    }
    return res.slice(1).map(String);
  }

  async delete(key: StoreKey, expect: Expectation = { type: 'exists' }): Promise<string> {
    try {
      const [rv] = await this.commit([{ op: 'delete', key, expect }]);
      return rv ?? '';
    } catch (err) {
      if (err instanceof PreconditionFailed && err.notFound) throw new NotFoundError(err.message);
      throw err;
    }
  }

  /** The stream id to watch from so that nothing after this moment is missed. */
  async streamPosition(): Promise<string> {
    const last = (await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return last[0]?.[0] ?? '0-0';
  }

  /**
   * Yields every change after `from` (a stream id; default: now) until `signal` aborts,
   * or only those whose kind `wanted` accepts: others are skipped before any decoding,
   * so a burst of writes to a kind the watcher ignores costs it next to nothing.
   * Uses its own connection, since a blocking read would stall every other command.
   */
  async *watch(
    signal: AbortSignal,
    from?: string,
    wanted?: (kind: string) => boolean,
  ): AsyncGenerator<ChangeEvent> {
    const conn = this.redis.duplicate({ lazyConnect: true });
    // The caller's client may be lazy and refuse to queue commands (lifeboat serve's is):
    // connect before the first XREAD.
    try {
      await conn.connect();
    } catch (err) {
      conn.disconnect();
      throw err;
    }
    const stop = (): void => conn.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    let last = from ?? (await this.streamPosition());
    try {
      while (!signal.aborted) {
        let res: [string, [string, string[]][]][] | null;
        try {
          res = await conn.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', this.streamKey, last);
        } catch (err) {
          // Aborting disconnects the connection, which fails the pending read: that is the way out.
          if (isAborted(signal)) return;
          throw err;
        }
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            // Advance past skipped entries too, so the next XREAD does not return them again.
            last = id;
            const kind = entryField(fields, 'kind') ?? '';
            if (wanted && !wanted(kind)) continue;
            const key = entryField(fields, 'key') ?? '/';
            const slash = key.indexOf('/');
            yield {
              id,
              type: entryField(fields, 'type') as ChangeEvent['type'],
              kind,
              namespace: key.slice(0, slash),
              name: key.slice(slash + 1),
              resourceVersion: entryField(fields, 'rv') ?? '',
            };
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', stop);
      conn.disconnect();
    }
  }

  /** Remembers a kind so its HTTP path resolves (group + plural → kind). */
  async registerKind(info: KindInfo): Promise<void> {
    await this.redis.hset(this.kindsKey, `${info.group}/${info.plural}`, JSON.stringify(info));
  }

  async kinds(): Promise<KindInfo[]> {
    const all = await this.redis.hgetall(this.kindsKey);
    return Object.values(all).map((v) => JSON.parse(v) as KindInfo);
  }

  /** Kind keys that hold at least one object. */
  async storedKinds(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.prefix}objects:*`,
        'COUNT',
        500,
      );
      cursor = next;
      keys.push(...batch.map((k) => k.slice(`${this.prefix}objects:`.length)));
    } while (cursor !== '0');
    return keys.sort();
  }
}
