import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors.js';
import { manifestsFromYaml } from '../../src/resources/manifests.js';
import { RedisStore, type ChangeEvent } from '../../src/store/redis-store.js';
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

  it('keeps separate prefixes apart', async () => {
    const other = new ResourceService(new RedisStore(redis, randomPrefix('other')));
    const list = await other.list(cm('x', {})[0]!.info);
    expect(list.items).toStrictEqual([]);
  });
});
