/**
 * What lifeboat applied where, persisted in Redis under the store prefix
 * (`<prefix>propagation:inventory:<cluster>`, one hash field per object id), so that
 * after a restart it still knows what to prune.
 *
 * An object is recorded (with an empty hash) BEFORE its first apply — a crash between
 * the two leaves an entry to prune, never an orphan in the member. Hashes after a
 * successful apply are written behind in batches; losing them in a crash only costs
 * re-applies, which happen on start anyway.
 */
import type { Redis } from 'ioredis';
import type { ObjectAddress } from '../clusters/client.js';

/** One applied object: its address, the hash of the body applied, and the fields lifeboat owned after. */
export interface InventoryRecord {
  addr: ObjectAddress;
  /** Hash of the last body applied successfully; '' when never applied. */
  hash: string;
  /** ownedFieldsHash of the live object right after that apply. */
  owned: string;
}

type Stored = [
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  hash: string,
  owned: string,
];

function encode(r: InventoryRecord): string {
  const s: Stored = [
    r.addr.apiVersion,
    r.addr.kind,
    r.addr.namespace ?? '',
    r.addr.name,
    r.hash,
    r.owned,
  ];
  return JSON.stringify(s);
}

function decode(raw: string): InventoryRecord {
  const [apiVersion, kind, namespace, name, hash, owned] = JSON.parse(raw) as Stored;
  const addr: ObjectAddress = { apiVersion, kind, name };
  if (namespace) addr.namespace = namespace;
  return { addr, hash, owned };
}

/** Delay of write-behind batches. */
const FLUSH_MS = 50;

export class Inventory {
  private readonly records = new Map<string, InventoryRecord>();
  private readonly dirty = new Map<string, string | null>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly cluster: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.key = `${prefix}propagation:inventory:${cluster}`;
  }

  /** Reads the persisted inventory. */
  async load(): Promise<void> {
    const all = await this.redis.hgetall(this.key);
    this.records.clear();
    for (const [id, raw] of Object.entries(all)) this.records.set(id, decode(raw));
  }

  get(id: string): InventoryRecord | undefined {
    return this.records.get(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  ids(): IterableIterator<string> {
    return this.records.keys();
  }

  get size(): number {
    return this.records.size;
  }

  /** Records objects about to be applied for the first time, durably, before returning. */
  async intend(entries: readonly { id: string; addr: ObjectAddress }[]): Promise<void> {
    const fresh = entries.filter((e) => !this.records.has(e.id));
    if (fresh.length === 0) return;
    const fields: string[] = [];
    for (const e of fresh) {
      const r: InventoryRecord = { addr: e.addr, hash: '', owned: '' };
      this.records.set(e.id, r);
      fields.push(e.id, encode(r));
    }
    for (let i = 0; i < fields.length; i += 2000)
      await this.redis.hset(this.key, ...fields.slice(i, i + 2000));
  }

  /** Records a successful apply (written behind). */
  applied(id: string, addr: ObjectAddress, hash: string, owned: string): void {
    const r = { addr, hash, owned };
    this.records.set(id, r);
    this.mark(id, encode(r));
  }

  /** Forgets an object (pruned, or no longer lifeboat's). */
  forget(id: string): void {
    if (!this.records.delete(id)) return;
    this.mark(id, null);
  }

  private mark(id: string, value: string | null): void {
    this.dirty.set(id, value);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  /** Writes pending changes now. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.dirty.size === 0) return;
      const batch = [...this.dirty];
      this.dirty.clear();
      const pipeline = this.redis.pipeline();
      const sets: string[] = [];
      for (const [id, value] of batch) {
        if (value === null) pipeline.hdel(this.key, id);
        else sets.push(id, value);
      }
      if (sets.length > 0) pipeline.hset(this.key, ...sets);
      try {
        const results = (await pipeline.exec()) ?? [];
        for (const [err] of results) if (err) throw err;
      } catch (err) {
        // Put them back (unless newer values came meanwhile) and try again later.
        for (const [id, value] of batch) if (!this.dirty.has(id)) this.dirty.set(id, value);
        this.onError(err);
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, 1000);
      }
    });
    return this.flushing;
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
