import { mkdtemp, rm, writeFile, mkdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySync } from '../../src/gitops/directory-sync.js';
import { createLogger } from '../../src/observability/logger.js';
import { kindInfoFor } from '../../src/resources/kinds.js';
import { manifestsFromYaml } from '../../src/resources/manifests.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { ResourceService } from '../../src/store/resource-service.js';
import { dropPrefix, newRedis, randomPrefix } from '../support/redis.js';

const policy = (name: string, cluster = 'cluster-1') => `apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata:
  name: ${name}
spec:
  clusterSelector:
    matchLabels:
      kubernetes.io/metadata.name: ${cluster}
`;
const POLICY = kindInfoFor('policy.elotl.co/v1alpha1', 'SchedulePolicy');

describe('GitOps folders', () => {
  let redis: Redis;
  let prefix: string;
  let resources: ResourceService;
  let dir: string;
  let sync: DirectorySync;

  beforeEach(async () => {
    redis = newRedis();
    prefix = randomPrefix('gitops');
    resources = new ResourceService(new RedisStore(redis, prefix));
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-gitops-'));
    sync = new DirectorySync({ resources, logger: createLogger({ level: 'silent' }) }, [dir], {
      debounceMs: 20,
    });
  });
  afterEach(async () => {
    await sync.stop();
    await rm(dir, { recursive: true, force: true });
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  const names = async () => (await resources.list(POLICY)).items.map((o) => o.metadata.name);

  it('loads every file, including nested folders, and annotates the source', async () => {
    await mkdir(path.join(dir, 'nested'));
    await writeFile(path.join(dir, 'a.yaml'), policy('a'));
    await writeFile(path.join(dir, 'nested', 'b.yml'), `${policy('b')}---\n${policy('c')}`);
    await sync.start();
    expect(await names()).toStrictEqual(['a', 'b', 'c']);
    const b = await resources.get(POLICY, undefined, 'b');
    expect(b.metadata.annotations?.['lifeboat.elotl.co/gitops-source']).toMatch(/nested\/b\.yml$/);
    expect(sync.status().files.every((f) => f.ok)).toBe(true);
  });

  it('applies edits, prunes removed objects, never touches API-created ones', async () => {
    await writeFile(path.join(dir, 'a.yaml'), `${policy('a')}---\n${policy('gone')}`);
    await sync.start();
    await resources.apply(manifestsFromYaml(policy('from-api')).manifests);

    await writeFile(path.join(dir, 'a.yaml'), policy('a', 'cluster-2'));
    await sync.syncNow();
    expect(await names()).toStrictEqual(['a', 'from-api']);
    const a = await resources.get(POLICY, undefined, 'a');
    expect((a.spec as any).clusterSelector.matchLabels['kubernetes.io/metadata.name']).toBe(
      'cluster-2',
    );

    await unlink(path.join(dir, 'a.yaml'));
    await sync.syncNow();
    expect(await names()).toStrictEqual(['from-api']);
  });

  it('follows changes on disk through the watcher', async () => {
    await sync.start();
    await writeFile(path.join(dir, 'w.yaml'), policy('watched'));
    await expect.poll(names, { timeout: 5000 }).toStrictEqual(['watched']);
  });

  it('keeps the last good version of a broken file and reports file:line', async () => {
    await writeFile(path.join(dir, 'a.yaml'), policy('a'));
    await sync.start();
    await writeFile(
      path.join(dir, 'a.yaml'),
      'apiVersion: policy.elotl.co/v1alpha1\nkind: SchedulePolicy\nmetadata:\n  name: a\nspec:\n  clusterSelector: [broken\n',
    );
    await sync.syncNow();
    expect(await names()).toStrictEqual(['a']);
    const st = sync.status().files[0]!;
    expect(st.ok).toBe(false);
    expect(st.errors[0]).toMatchObject({ file: expect.stringMatching(/a\.yaml$/) });
    expect(st.errors[0]!.line).toBeGreaterThanOrEqual(6);

    // An invalid (but parsable) file is handled the same way, with the field named.
    await writeFile(path.join(dir, 'a.yaml'), policy('a').replace('matchLabels', 'matchLabelz'));
    await sync.syncNow();
    expect(await names()).toStrictEqual(['a']);
    expect(sync.status().files[0]!.ok).toBe(true); // unknown fields are warnings, not errors
    await writeFile(
      path.join(dir, 'a.yaml'),
      policy('a').replace('kubernetes.io/metadata.name: cluster-1', 'bad key!: x'),
    );
    await sync.syncNow();
    const bad = sync.status().files[0]!;
    expect(bad.ok).toBe(false);
    expect(bad.errors[0]!.field).toContain('spec.clusterSelector.matchLabels');
    expect(bad.errors[0]!.line).toBe(8);
  });

  it('prunes, after a restart, objects whose file was deleted while down', async () => {
    await writeFile(path.join(dir, 'a.yaml'), policy('a'));
    await writeFile(path.join(dir, 'b.yaml'), policy('b'));
    await sync.start();
    await sync.stop();
    await unlink(path.join(dir, 'b.yaml'));
    const next = new DirectorySync({ resources, logger: createLogger({ level: 'silent' }) }, [dir]);
    await next.adopt();
    await next.start();
    await next.stop();
    expect(await names()).toStrictEqual(['a']);
  });

  it('never undoes a change lifeboat made (a failover) on resync; re-applies when the file changes', async () => {
    await writeFile(path.join(dir, 'a.yaml'), policy('a'));
    await sync.start();
    const key = { kind: 'policy.elotl.co/SchedulePolicy', namespace: '', name: 'a' };
    await resources.update(key, (cur) => {
      (cur.spec as any).clusterSelector.matchLabels['kubernetes.io/metadata.name'] = 'cluster-2';
      return cur;
    });
    await sync.syncNow();
    const kept = await resources.get(POLICY, undefined, 'a');
    expect((kept.spec as any).clusterSelector.matchLabels['kubernetes.io/metadata.name']).toBe(
      'cluster-2',
    );

    await writeFile(path.join(dir, 'a.yaml'), policy('a', 'cluster-3'));
    await sync.syncNow();
    const edited = await resources.get(POLICY, undefined, 'a');
    expect((edited.spec as any).clusterSelector.matchLabels['kubernetes.io/metadata.name']).toBe(
      'cluster-3',
    );
  });

  it('reports an object declared in two files', async () => {
    await writeFile(path.join(dir, 'a.yaml'), policy('same'));
    await writeFile(path.join(dir, 'b.yaml'), policy('same', 'cluster-2'));
    await sync.start();
    const files = sync.status().files;
    expect(files.find((f) => f.file.endsWith('b.yaml'))!.errors[0]!.message).toContain(
      'already declared',
    );
  });
});
