import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors.js';
import { kindKey, RECOVERY_GROUP } from '../../src/resources/kinds.js';
import { manifestsFromYaml } from '../../src/resources/manifests.js';
import { RedisStore, type ChangeEvent, type WriteOp } from '../../src/store/redis-store.js';
import { ResourceService } from '../../src/store/resource-service.js';
import { dropPrefix, newRedis, randomPrefix } from '../support/redis.js';

const cm = (name: string, data: Record<string, string>) =>
  manifestsFromYaml(
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata: ${JSON.stringify(data)}\n`,
  ).manifests;

describe('store on real Redis', () => {
  let redis: Redis;
  let prefix: string;
  let svc: ResourceService;

  beforeAll(() => {
    redis = newRedis();
    prefix = randomPrefix('store');
    svc = new ResourceService(new RedisStore(redis, prefix));
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  it('creates with server metadata, reports unchanged, bumps generation on change', async () => {
    const [first] = await svc.apply(cm('a', { k: '1' }));
    expect(first).toMatchObject({ action: 'created', name: 'a', namespace: 'default' });
    const stored = await svc.get(cm('a', {})[0]!.info, 'default', 'a');
    expect(stored.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored.metadata.generation).toBe(1);
    expect(stored.metadata.resourceVersion).toBe(first!.resourceVersion);
    expect(stored.metadata.creationTimestamp).toBeTruthy();

    const [again] = await svc.apply(cm('a', { k: '1' }));
    expect(again!.action).toBe('unchanged');
    expect(again!.resourceVersion).toBe(first!.resourceVersion);

    const [changed] = await svc.apply(cm('a', { k: '2' }));
    expect(changed!.action).toBe('configured');
    const after = await svc.get(cm('a', {})[0]!.info, 'default', 'a');
    expect(after.metadata.generation).toBe(2);
    expect(after.metadata.uid).toBe(stored.metadata.uid);
    expect(after.data).toStrictEqual({ k: '2' });
  });

  it('refuses a stale resourceVersion with 409 and writes nothing', async () => {
    await svc.apply(cm('b', { k: '1' }));
    const info = cm('b', {})[0]!.info;
    const cur = await svc.get(info, 'default', 'b');
    const stale = cm('b', { k: 'stale' });
    stale[0]!.object.metadata.resourceVersion = String(Number(cur.metadata.resourceVersion) - 1);
    await expect(svc.replace(stale[0]!)).rejects.toBeInstanceOf(ConflictError);
    expect((await svc.get(info, 'default', 'b')).data).toStrictEqual({ k: '1' });
  });

  it('applies a batch all or nothing', async () => {
    await svc.apply(cm('c1', { k: '1' }));
    const info = cm('c1', {})[0]!.info;
    const cur = await svc.get(info, 'default', 'c1');
    const batch = [...cm('c2', { k: 'new' }), ...cm('c1', { k: 'x' })];
    batch[1]!.object.metadata.resourceVersion = String(Number(cur.metadata.resourceVersion) + 1000);
    await expect(svc.apply(batch)).rejects.toBeInstanceOf(ConflictError);
    await expect(svc.get(info, 'default', 'c2')).rejects.toThrow('not found');
  });

  it('lists by namespace and streams changes in order', async () => {
    const store = new RedisStore(redis, prefix);
    const ac = new AbortController();
    const from = await store.streamPosition();
    const seen: ChangeEvent[] = [];
    const watching = (async () => {
      for await (const ev of store.watch(ac.signal, from)) {
        seen.push(ev);
        if (seen.length === 3) ac.abort();
      }
    })();
    await svc.apply(cm('w1', { k: '1' }));
    await svc.apply(cm('w1', { k: '2' }));
    await svc.delete(cm('w1', {})[0]!.info, 'default', 'w1');
    await watching;
    expect(seen.map((e) => [e.type, e.kind, e.namespace, e.name])).toStrictEqual([
      ['ADDED', 'core/ConfigMap', 'default', 'w1'],
      ['MODIFIED', 'core/ConfigMap', 'default', 'w1'],
      ['DELETED', 'core/ConfigMap', 'default', 'w1'],
    ]);
    const list = await svc.list(cm('x', {})[0]!.info, 'default');
    expect(list.items.map((o) => o.metadata.name)).toStrictEqual(['a', 'b', 'c1']);
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
  });

  it('watch with a kind filter yields only wanted kinds, in order, none lost or repeated', async () => {
    const own = randomPrefix('watch-filter');
    const store = new RedisStore(redis, own);
    const CM = 'core/ConfigMap';
    const ALERT = kindKey(RECOVERY_GROUP, 'ReceivedAlert');
    const put = (kind: string, name: string): WriteOp => ({
      op: 'put',
      key: { kind, namespace: 'default', name },
      object: {
        apiVersion: 'v1',
        kind: kind.split('/')[1]!,
        metadata: { name, namespace: 'default' },
      },
      expect: { type: 'any' },
    });
    const flood = async (tag: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i += 500)
        await store.commit(
          Array.from({ length: Math.min(500, n - i) }, (_, j) => put(ALERT, `${tag}-${i + j}`)),
        );
    };
    // Until `last` arrives, collects what a watch from `from` yields.
    const collect = async (from: string, last: string, wanted?: (kind: string) => boolean) => {
      const ac = new AbortController();
      const seen: ChangeEvent[] = [];
      for await (const ev of store.watch(ac.signal, from, wanted)) {
        seen.push(ev);
        if (ev.name === last) ac.abort();
      }
      return seen;
    };
    try {
      const from = await store.streamPosition();
      // Already on the stream when the watches start: skipped runs span several XREADs (1000 each).
      await store.commit([put(ALERT, 'a0'), put(CM, 'c1'), put(ALERT, 'a1')]);
      await flood('x', 2500);
      await store.commit([put(CM, 'c2')]);
      await flood('y', 1200);
      await store.commit([
        put(CM, 'c3'),
        put(ALERT, 'a2'),
        { op: 'delete', key: put(CM, 'c1').key, expect: { type: 'exists' } },
      ]);
      const isCm = (kind: string) => kind === CM;
      const filtered = collect(from, 'end', isCm);
      const all = collect(from, 'end');
      // More written while the watches run (by now most likely blocked on XREAD).
      await new Promise((r) => setTimeout(r, 200));
      await flood('z', 1500);
      await store.commit([put(CM, 'end')]);
      const [got, everything] = await Promise.all([filtered, all]);

      expect(got.map((e) => [e.type, e.kind, e.namespace, e.name])).toStrictEqual([
        ['ADDED', CM, 'default', 'c1'],
        ['ADDED', CM, 'default', 'c2'],
        ['ADDED', CM, 'default', 'c3'],
        ['DELETED', CM, 'default', 'c1'],
        ['ADDED', CM, 'default', 'end'],
      ]);
      // Without a filter: every entry, as before; the filtered events are exactly its wanted ones.
      expect(everything).toHaveLength(3 + 2500 + 1 + 1200 + 3 + 1500 + 1);
      expect(new Set(everything.map((e) => e.id)).size).toBe(everything.length);
      expect(everything.filter((e) => e.kind === ALERT)).toHaveLength(3 + 2500 + 1200 + 1500);
      expect(got).toStrictEqual(everything.filter((e) => isCm(e.kind)));
      expect(everything.at(-1)).toMatchObject({ type: 'ADDED', kind: CM, name: 'end' });
      expect(Number(everything.at(-1)!.resourceVersion)).toBe(everything.length);
    } finally {
      await dropPrefix(redis, own);
    }
  });

  it('keeps separate prefixes apart', async () => {
    const other = new ResourceService(new RedisStore(redis, randomPrefix('other')));
    const list = await other.list(cm('x', {})[0]!.info);
    expect(list.items).toStrictEqual([]);
  });
});
