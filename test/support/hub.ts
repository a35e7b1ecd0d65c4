/**
 * A control-plane store for integration tests: the run's real Redis under a random
 * prefix, with helpers to apply YAML and register the lab's member clusters.
 */
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/observability/logger.js';
import { manifestsFromYaml } from '../../src/resources/manifests.js';
import { admitObject } from '../../src/resources/validate.js';
import type { KubeObject } from '../../src/resources/meta.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { ResourceService, type ApplyResult } from '../../src/store/resource-service.js';
import { dropPrefix, newRedis, randomPrefix } from './redis.js';

export interface TestHub {
  redis: Redis;
  prefix: string;
  store: RedisStore;
  resources: ResourceService;
  close(): Promise<void>;
}

export function newHub(label = 'hub'): TestHub {
  const redis = newRedis();
  const prefix = randomPrefix(label);
  const store = new RedisStore(redis, prefix);
  return {
    redis,
    prefix,
    store,
    resources: new ResourceService(store),
    close: async () => {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Quiet logger for components under test (LIFEBOAT_TEST_LOG=debug to see them). */
export const testLogger = createLogger({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' });

/** Applies every document of a YAML text, all or nothing. */
export async function applyYaml(hub: TestHub, text: string): Promise<ApplyResult[]> {
  return hub.resources.apply(manifestsFromYaml(text).manifests);
}

/** Applies YAML files, e.g. `examples/ferretdb-percona/percona.yaml`. */
export async function applyFiles(hub: TestHub, ...files: string[]): Promise<ApplyResult[]> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  return applyYaml(hub, texts.join('\n---\n'));
}

/** Applies objects given as plain data. */
export async function applyObjects(hub: TestHub, ...objects: KubeObject[]): Promise<ApplyResult[]> {
  return hub.resources.apply(objects.map((o) => admitObject(o)));
}

/** A Cluster object reading the kubeconfig at `path`. */
export function clusterObject(name: string, kubeconfig: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'cluster.elotl.co/v1alpha1',
    kind: 'Cluster',
    metadata: { name },
    spec: { kubeconfig },
  };
}

/** The Ready condition stored on a Cluster object. */
export async function readyCondition(
  hub: TestHub,
  name: string,
): Promise<
  { status: string; reason: string; message: string; lastTransitionTime: string } | undefined
> {
  const obj = await hub.store.get({ kind: 'cluster.elotl.co/Cluster', namespace: '', name });
  const conditions = (obj?.status as { conditions?: any[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === 'Ready');
}
