/**
 * Helpers for integration tests against the real member clusters that
 * `global-setup-clusters.ts` started: clients per cluster, a namespace per test, and
 * stop/kill/start of one cluster (usable from any test worker: they go through the lab's
 * state.json, not through the process that started the clusters).
 */
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { inject } from 'vitest';
import { killCluster, startCluster, stopCluster } from '../../src/lab/clusters/index.js';
import type { LabCluster } from '../../src/lab/clusters/index.js';
import type { LabClustersContext } from './global-setup-clusters.js';

/** The lab the global setup started; fails with a hint if this file runs without it. */
export function labClusters(): LabClustersContext {
  const lab = inject('lifeboatClusters') as LabClustersContext | undefined;
  if (!lab) {
    throw new Error(
      "no member clusters: add 'test/support/global-setup-clusters.ts' to vitest's globalSetup for this test file",
    );
  }
  return lab;
}

/** Names of the member clusters (`cluster-1`, `cluster-2`, ...). */
export function clusterNames(): string[] {
  return labClusters().clusters.map((c) => c.name);
}

/** Server URL and kubeconfig path of cluster `name`. */
export function labCluster(name: string): LabCluster {
  const found = labClusters().clusters.find((c) => c.name === name);
  if (!found)
    throw new Error(`no member cluster '${name}'; there are ${clusterNames().join(', ')}`);
  return found;
}

const kubeConfigs = new Map<string, KubeConfig>();
const objectApis = new Map<string, KubernetesObjectApi>();

/** A `KubeConfig` for cluster `name` alone (one context), loaded from its kubeconfig file. */
export function kubeConfig(name: string): KubeConfig {
  let kc = kubeConfigs.get(name);
  if (!kc) {
    kc = new KubeConfig();
    kc.loadFromFile(labCluster(name).kubeconfig);
    kubeConfigs.set(name, kc);
  }
  return kc;
}

/** The (cached, so discovery is cached too) `KubernetesObjectApi` of cluster `name`. */
export function objectApi(name: string): KubernetesObjectApi {
  let api = objectApis.get(name);
  if (!api) {
    api = KubernetesObjectApi.makeApiClient(kubeConfig(name));
    objectApis.set(name, api);
  }
  return api;
}

/** `CoreV1Api` of cluster `name`. */
export function coreApi(name: string): CoreV1Api {
  return kubeConfig(name).makeApiClient(CoreV1Api);
}

/** `CustomObjectsApi` of cluster `name`. */
export function customObjectsApi(name: string): CustomObjectsApi {
  return kubeConfig(name).makeApiClient(CustomObjectsApi);
}

/**
 * Creates a namespace with a unique name in cluster `name` and returns that name.
 * Namespaces are not deleted afterwards: with no controller-manager a deleted namespace
 * stays Terminating with its objects, and the whole lab is discarded after the run anyway.
 */
export async function newNamespace(name: string, prefix = 't'): Promise<string> {
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await coreApi(name).createNamespace({
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- client-node models are method-less classes; literals are how its API is used
    body: { metadata: { name: namespace, labels: { 'lifeboat.dev/test': 'true' } } },
  });
  return namespace;
}

/** Stops cluster `name` gracefully (SIGTERM); data kept. */
export function stop(name: string): Promise<boolean> {
  return stopCluster(labClusters().dir, name);
}

/** Kills cluster `name` (SIGKILL to its kube-apiserver and etcd); data kept. */
export function kill(name: string): Promise<boolean> {
  return killCluster(labClusters().dir, name);
}

/** Starts cluster `name` again with its data and waits until it is ready. */
export async function start(name: string): Promise<void> {
  await startCluster(labClusters().dir, name);
}

/**
 * Runs `during` while cluster `name` is down (killed by default), and always brings the
 * cluster back afterwards, even when `during` throws: later tests need every cluster.
 * Other test files running at the same time see the outage too.
 */
export async function withClusterDown<T>(
  name: string,
  during: () => Promise<T>,
  how: 'kill' | 'stop' = 'kill',
): Promise<T> {
  await (how === 'kill' ? kill(name) : stop(name));
  try {
    return await during();
  } finally {
    await start(name);
  }
}
