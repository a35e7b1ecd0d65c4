/**
 * bench/propagation: the propagation loop against three real kube-apiservers.
 *   (1) scheduling decisions for 10,000 objects × 200 policies (runs bench/scheduling.ts);
 *   (2) propagating 10,000 ConfigMaps, Duplicate to 3 clusters (30,000 server-side
 *       applies), from `start()` until every copy is applied — side by side with a naive
 *       sequential loop of @kubernetes/client-node `KubernetesObjectApi.patch` (SSA)
 *       doing the same applies on a sample;
 *   (3) RSS of the `lifeboat serve` process with 10,000 objects propagated;
 *   (4) its CPU while nothing changes (probes, watches, timers only).
 * Propagation runs where it runs in production: in a `lifeboat serve` child process fed
 * through its HTTP API, started exactly as the container image starts it — `node
 * bin/lifeboat.js serve` in a folder holding bin/, the compiled dist/, package.json and
 * node_modules (as the Dockerfile lays out /app), so bin/lifeboat.js picks the compiled
 * code and whatever flags it gives `serve` count here too. `--source` runs the
 * TypeScript of this checkout through tsx instead (as `npm run serve` does), which adds
 * ~75 MiB of RSS. The RSS figures are those of that one process (from /proc).
 * Targets (issue 4): decisions ≤ 200 ms; ≥ 3× the naive loop; RSS ≤ 256 MiB.
 * Starts its own redis-server and clusters in a temp dir (binaries: tools/k8s/build.sh).
 * Run: npx tsx bench/propagation.ts [--objects 10000] [--naive 1000] [--idle 20] [--source]
 *      [--node-options=--max-old-space-size=192]   (NODE_OPTIONS for the serve process)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { clustersDown, clustersUp } from '../src/lab/clusters/index.js';
import type { KubeObject } from '../src/resources/meta.js';
import { startRedisServer } from '../src/store/redis-server.js';
import { printRows } from './support/stats.js';
import { imageLikeEntry, serveChild } from './support/serve-child.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '10000' },
    naive: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '20' },
    source: { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
  },
});
const OBJECTS = Number(values.objects);
const NAIVE = Number(values.naive);
const IDLE_S = Number(values.idle);
const CLUSTERS = 3;
const TARGET_RATIO = 3;
const TARGET_RSS_MIB = 256;

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, '..');
const log = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`);
};

// (1) Scheduling: the existing bench, in its own process so its memory is not counted below.
log('scheduling bench (bench/scheduling.ts) ...');
const sched = await promisify(execFile)(
  process.execPath,
  ['--import', 'tsx', path.join(here, 'scheduling.ts')],
  {
    cwd: root,
  },
);
process.stdout.write(sched.stdout);

const configMap = (ns: string, i: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: `cm-${String(i)}`,
    namespace: ns,
    labels: { bench: 'propagation', shard: String(i % 10) },
  },
  data: { 'app.properties': `name=cm-${String(i)}\nreplicas=3\n`, payload: 'x'.repeat(200) },
});

/** Resident memory (now and peak) and CPU seconds of a process, from /proc. */
async function procStats(pid: number): Promise<{ rssMiB: number; peakMiB: number; cpuS: number }> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  const peak = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  const stat =
    (await readFile(`/proc/${String(pid)}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11] ?? 0) + Number(stat[12] ?? 0); // utime + stime
  return { rssMiB: rss / 1024, peakMiB: peak / 1024, cpuS: ticks / 100 };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-propagation-'));
const labDir = path.join(dir, 'lab');
const redisServer = await startRedisServer({ dir: path.join(dir, 'redis') });
let server: Awaited<ReturnType<typeof serveChild>> | undefined;
try {
  log('starting 3 member clusters ...');
  const lab = await clustersUp({ count: CLUSTERS, dir: labDir, build: false });
  const entry = values.source ? undefined : await imageLikeEntry('bench-app', log);
  const nodeOptions = values['node-options'];
  server = await serveChild(
    ['--redis', redisServer.url, '--no-gitops', '--key-prefix', 'bench:'],
    nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
    entry,
  );
  const pid = server.child.pid ?? 0;
  log(
    `lifeboat serve is pid ${String(pid)}: ${(await readFile(`/proc/${String(pid)}/cmdline`, 'utf8')).split('\0').join(' ').trim()}${nodeOptions ? ` (NODE_OPTIONS=${nodeOptions})` : ''}`,
  );
  const base = server.url;
  const apply = async (docs: unknown[]): Promise<void> => {
    const res = await fetch(`${base}/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(docs),
    });
    if (!res.ok) throw new Error(`apply failed: ${String(res.status)} ${await res.text()}`);
  };

  // The hub: one Duplicate policy and 10,000 ConfigMaps, written before the clock starts.
  await apply([
    {
      apiVersion: 'policy.elotl.co/v1alpha1',
      kind: 'SchedulePolicy',
      metadata: { name: 'bench-duplicate' },
      spec: {
        resourceSelectors: { labelSelectors: [{ matchLabels: { bench: 'propagation' } }] },
        spreadConstraints: { spreadMode: 'Duplicate' },
      },
    },
  ]);
  for (let i = 0; i < OBJECTS; i += 1000) {
    await apply(
      Array.from({ length: Math.min(1000, OBJECTS - i) }, (_, k) => configMap('bench', i + k)),
    );
  }
  log(`hub holds ${String(OBJECTS)} ConfigMaps; registering the clusters starts propagation ...`);

  // (2) lifeboat's propagation: the clock runs from registering the clusters until every copy is applied.
  const before = await procStats(pid);
  const t0 = performance.now();
  await apply(
    lab.clusters.map((c) => ({
      apiVersion: 'cluster.elotl.co/v1alpha1',
      kind: 'Cluster',
      metadata: { name: c.name },
      spec: { kubeconfig: { path: c.kubeconfig } },
    })),
  );
  let lastLog = 0;
  let peakWhile = before.rssMiB;
  for (;;) {
    peakWhile = Math.max(peakWhile, (await procStats(pid)).rssMiB);
    const res = await fetch(`${base}/placements?summary=true`);
    const stats = (
      (await res.json()) as { clusters: { phase: string; desired: number; applied: number }[] }
    ).clusters;
    if (
      stats.length === CLUSTERS &&
      stats.every((st) => st.phase === 'ready' && st.desired === OBJECTS && st.applied === OBJECTS)
    )
      break;
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(
        `  ${String(stats.reduce((n, st) => n + st.applied, 0))} / ${String(OBJECTS * CLUSTERS)} applied`,
      );
    }
    await sleep(250);
  }
  const propagateS = (performance.now() - t0) / 1000;
  const during = await procStats(pid);
  const ours = (OBJECTS * CLUSTERS) / propagateS;

  // (3) RSS right after, and (4) CPU and RSS over a quiet window (probes, watches, timers only).
  const rssAfter = during.rssMiB;
  await sleep(2000);
  const idle0 = await procStats(pid);
  await sleep(IDLE_S * 1000);
  const idle1 = await procStats(pid);
  const idlePct = ((idle1.cpuS - idle0.cpuS) / IDLE_S) * 100;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string): number =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 1024 / 1024;
  const heapUsed = gauge('lifeboat_process_nodejs_heap_size_used_bytes');
  const heapTotal = gauge('lifeboat_process_nodejs_heap_size_total_bytes');
  await server.stop();
  server = undefined;

  // The naive loop: one KubernetesObjectApi per cluster, SSA one object at a time.
  log(`naive sequential client-node loop on ${String(NAIVE)} objects × 3 clusters ...`);
  const apis = lab.clusters.map((c) => {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    return KubernetesObjectApi.makeApiClient(kc);
  });
  for (const api of apis)
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-naive' } });
  const t1 = performance.now();
  for (let i = 0; i < NAIVE; i++) {
    for (const api of apis) {
      // What lifeboat sends for the same object: its labels plus the managed-by label.
      const { data, metadata } = configMap('bench-naive', i);
      const m = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: metadata.name,
          namespace: metadata.namespace,
          labels: { ...metadata.labels, 'app.kubernetes.io/managed-by': 'lifeboat' },
        },
        data,
      };
      await api.patch(m, undefined, undefined, 'lifeboat', true, PatchStrategy.ServerSideApply);
    }
  }
  const naiveS = (performance.now() - t1) / 1000;
  const naive = (NAIVE * CLUSTERS) / naiveS;

  printRows(
    `bench/propagation — ${String(OBJECTS)} ConfigMaps Duplicate to ${String(CLUSTERS)} clusters; lifeboat serve (${values.source ? 'sources via tsx' : 'compiled, started as the image starts it'}${nodeOptions ? `, NODE_OPTIONS=${nodeOptions}` : ''}), 3 kube-apiservers + etcd and redis on ${String(os.cpus().length)} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    [
      {
        what: 'propagation: clusters registered → every copy applied',
        value: `${propagateS.toFixed(1)} s`,
      },
      {
        what: `propagation: applies/s (${String(OBJECTS * CLUSTERS)} SSA)`,
        value: `${Math.round(ours)}/s`,
      },
      {
        what: 'propagation: objects/s (all 3 copies)',
        value: `${Math.round(OBJECTS / propagateS)}/s`,
      },
      {
        what: `naive client-node loop: applies/s (${String(NAIVE * CLUSTERS)} SSA)`,
        value: `${Math.round(naive)}/s`,
      },
      {
        what: 'speed-up over the naive loop',
        value: `${(ours / naive).toFixed(1)}×`,
        target: `≥ ${String(TARGET_RATIO)}×`,
        ok: ours / naive >= TARGET_RATIO,
      },
      {
        what: 'lifeboat serve CPU while propagating (of one core)',
        value: `${(((during.cpuS - before.cpuS) / propagateS) * 100).toFixed(0)} %`,
      },
      {
        what: `lifeboat serve RSS at ${String(OBJECTS)} objects, just propagated`,
        value: `${rssAfter.toFixed(0)} MiB`,
        target: `≤ ${String(TARGET_RSS_MIB)} MiB`,
        ok: rssAfter <= TARGET_RSS_MIB,
      },
      {
        what: `lifeboat serve RSS with ${String(OBJECTS)} objects loaded through the API, before propagating`,
        value: `${before.rssMiB.toFixed(0)} MiB (peak ${before.peakMiB.toFixed(0)})`,
      },
      {
        what: 'lifeboat serve RSS while propagating, highest sample (every 250 ms)',
        value: `${peakWhile.toFixed(0)} MiB`,
      },
      {
        what: `lifeboat serve RSS after ${String(IDLE_S)} s quiet`,
        value: `${idle1.rssMiB.toFixed(0)} MiB`,
        target: `≤ ${String(TARGET_RSS_MIB)} MiB`,
        ok: idle1.rssMiB <= TARGET_RSS_MIB,
      },
      {
        what: 'lifeboat serve V8 heap used / total after the quiet window',
        value: `${heapUsed.toFixed(0)} / ${heapTotal.toFixed(0)} MiB`,
      },
      {
        what: `lifeboat serve CPU when nothing changes (${String(IDLE_S)} s)`,
        value: `${idlePct.toFixed(2)} % of one core`,
      },
    ],
  );
} finally {
  await server?.stop();
  await clustersDown({ dir: labDir, purge: true }).catch(() => undefined);
  await redisServer.stop();
  await rm(dir, { recursive: true, force: true });
}
