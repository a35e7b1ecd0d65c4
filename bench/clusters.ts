/**
 * bench/clusters: how long `lab clusters up` takes from start to every cluster ready
 * (kube-apiserver /readyz and CRDs Established; binaries already cached), and how much
 * memory the etcd + kube-apiserver processes hold together. Run: npx tsx bench/clusters.ts
 * [--count 3] [--settle 10]. Targets (3 clusters): ready <= 20 s, RSS <= 1.5 GiB.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { clustersDown, clustersUp, ensureBinaries, labPids } from '../src/lab/clusters/index.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '3' }, settle: { type: 'string', default: '10' } },
});
const count = Number(values.count);
const settleSeconds = Number(values.settle);
const targetReadyS = 20;
const targetRssGiB = 1.5;

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] ? Number(match[1]) : 0;
}

async function totalRssGiB(dir: string): Promise<{ gib: number; processes: number }> {
  const pids = await labPids(dir);
  const kib = (await Promise.all(pids.map(rssKiB))).reduce((a, b) => a + b, 0);
  return { gib: kib / 1024 / 1024, processes: pids.length };
}

const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

await ensureBinaries({ build: false });
const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-clusters-'));
try {
  const t0 = performance.now();
  const up = await clustersUp({ count, dir, build: false });
  const readyS = (performance.now() - t0) / 1000;
  const atReady = await totalRssGiB(dir);
  await sleep(settleSeconds * 1000);
  const settled = await totalRssGiB(dir);
  const rows = [
    [
      `${String(count)} clusters up -> ready`,
      `${readyS.toFixed(1)} s`,
      `<= ${String(targetReadyS)} s`,
      verdict(count !== 3 || readyS <= targetReadyS),
    ],
    [
      `RSS at ready (${String(atReady.processes)} processes)`,
      `${atReady.gib.toFixed(2)} GiB`,
      `<= ${String(targetRssGiB)} GiB`,
      verdict(count !== 3 || atReady.gib <= targetRssGiB),
    ],
    [
      `RSS after ${String(settleSeconds)} s idle`,
      `${settled.gib.toFixed(2)} GiB`,
      `<= ${String(targetRssGiB)} GiB`,
      verdict(count !== 3 || settled.gib <= targetRssGiB),
    ],
  ];
  process.stdout.write(
    `bench/clusters (${String(up.clusters.length)} clusters, ${String(os.cpus().length)} cores)\n`,
  );
  for (const [what, value, target, ok] of rows)
    process.stdout.write(
      `  ${(what ?? '').padEnd(34)} ${(value ?? '').padStart(9)}   target ${(target ?? '').padEnd(11)} ${ok ?? ''}\n`,
    );
} finally {
  await clustersDown({ dir, purge: true });
}
