import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { LabClustersError } from './errors.js';

/** Field manager of everything the lab applies, so re-applying on `up` is a no-op. */
export const labFieldManager = 'lifeboat-lab';

/** Reads every `*.yaml` manifest in `dir` (typed by client-node, as `KubernetesObjectApi` expects). */
export async function readManifests(dir: string): Promise<KubernetesObject[]> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const docs = await Promise.all(
    files.map(
      async (f) => loadAllYaml(await readFile(path.join(dir, f), 'utf8')) as KubernetesObject[],
    ),
  );
  return docs.flat().filter((doc) => Boolean(doc.kind));
}

function established(crd: V1CustomResourceDefinition): boolean {
  return (
    crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false
  );
}

/**
 * Server-side applies the manifests in `dir` to the cluster of `kubeconfigPath` and waits
 * until each CustomResourceDefinition among them is Established (its kind is served).
 */
export async function installManifests(
  kubeconfigPath: string,
  dir: string,
  timeoutMs = 60_000,
): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const crdApi = kc.makeApiClient(ApiextensionsV1Api);
  const manifests = await readManifests(dir);
  for (const manifest of manifests) {
    await objects.patch(
      structuredClone(manifest),
      undefined,
      undefined,
      labFieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  const crdNames = manifests
    .filter((m) => m.kind === 'CustomResourceDefinition')
    .map((m) => m.metadata?.name ?? '');
  const deadline = Date.now() + timeoutMs;
  for (const name of crdNames) {
    while (!established(await crdApi.readCustomResourceDefinition({ name }))) {
      if (Date.now() > deadline)
        throw new LabClustersError(
          `CustomResourceDefinition ${name} not Established after ${String(timeoutMs / 1000)}s on ${kc.getCurrentCluster()?.server ?? kubeconfigPath}`,
        );
      await sleep(100);
    }
  }
  return manifests.map((m) => `${m.kind ?? ''}/${m.metadata?.name ?? ''}`);
}
