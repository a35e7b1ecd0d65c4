/**
 * vitest globalSetup: starts real member clusters (kube-apiserver + etcd) once per test
 * run and hands their kubeconfigs to the test workers through `provide`/`inject`.
 *
 * Set LIFEBOAT_TEST_CLUSTERS_DIR to a lab started with `lifeboat lab clusters up --dir <dir>`
 * to reuse it (seconds instead of a cold start); it is then left running afterwards.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { clustersDown, clustersUp } from '../../src/lab/clusters/index.js';
import type { LabCluster } from '../../src/lab/clusters/index.js';

/** What the global setup shares with tests: the lab directory and its clusters. */
export interface LabClustersContext {
  dir: string;
  clusters: LabCluster[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    lifeboatClusters: LabClustersContext;
  }
}

/** Number of member clusters every test run gets (`cluster-1..3`). */
export const testClusterCount = 3;

const tmpPrefix = 'lifeboat-test-clusters-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the clusters of earlier runs that died before their teardown (Ctrl-C, a crash),
 * so they do not pile up on a 2-core machine. Runs whose vitest is still alive are left alone.
 */
async function reapAbandonedRuns(): Promise<void> {
  const entries = await readdir(os.tmpdir()).catch(() => []);
  for (const entry of entries.filter((e) => e.startsWith(tmpPrefix))) {
    const dir = path.join(os.tmpdir(), entry);
    const owner = Number(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && !alive(owner)) await clustersDown({ dir, purge: true });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.LIFEBOAT_TEST_CLUSTERS_DIR;
  if (!reuse) await reapAbandonedRuns();
  const dir = reuse ? path.resolve(reuse) : await mkdtemp(path.join(os.tmpdir(), tmpPrefix));
  if (!reuse) await writeFile(path.join(dir, 'owner.pid'), String(process.pid));
  const log = (message: string): void => {
    process.stderr.write(`[clusters] ${message}\n`);
  };
  try {
    // build: false: a test run must not silently spend nine minutes compiling Kubernetes.
    const up = await clustersUp({
      count: testClusterCount,
      dir,
      build: false,
      onProgress: reuse ? undefined : log,
    });
    log(
      `${String(up.clusters.length)} member clusters ready in ${(up.readyMs / 1000).toFixed(1)}s (${dir})`,
    );
    project.provide('lifeboatClusters', { dir, clusters: up.clusters });
  } catch (err) {
    if (!reuse) await clustersDown({ dir, purge: true });
    throw err;
  }
  return async () => {
    if (!reuse) await clustersDown({ dir, purge: true });
  };
}
