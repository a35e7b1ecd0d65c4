/**
 * bench/store: the control plane's store through its real HTTP API.
 *   (1) one POST /apply of 1,000 ConfigMaps (created, then unchanged, then changed);
 *   (2) 10,000 GETs by name, one at a time (latency; node:http keep-alive, and fetch beside
 *       it) and 16 at a time (throughput).
 * Targets (issue 2): 1,000-object apply ≤ 1 s; GET by name p99 ≤ 5 ms.
 * Starts its own redis-server and `lifeboat serve`; run: npx tsx bench/store.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startRedisServer } from '../src/store/redis-server.js';
import { fmt, printRows, summarize } from './support/stats.js';
import { serveChild } from './support/serve-child.js';

/** The upper bound of the histogram bucket holding quantile q (what Prometheus would report, conservatively). */
function histogramQuantile(text: string, name: string, labelFilter: string, q: number): number {
  const buckets: [number, number][] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labelFilter)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le) buckets.push([le === '+Inf' ? Infinity : Number(le), count]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  return buckets.find(([, c]) => c >= q * total)?.[0] ?? NaN;
}

const OBJECTS = 1000;
const READS = 10_000;

const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-store-'));
const redis = await startRedisServer({ dir, appendOnly: true });
const server = await serveChild(['--redis', redis.url, '--no-gitops', '--key-prefix', 'bench:']);

const batch = (round: number) =>
  JSON.stringify(
    Array.from({ length: OBJECTS }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `cm-${i}`,
        namespace: 'bench',
        labels: { app: 'bench', shard: String(i % 10) },
      },
      data: { round: String(round), payload: 'x'.repeat(200) },
    })),
  );

async function apply(body: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`apply failed: ${res.status}`);
  return performance.now() - t0;
}

try {
  const created = await apply(batch(1));
  const unchanged = await apply(batch(1));
  const changed: number[] = [];
  for (let r = 2; r < 7; r++) changed.push(await apply(batch(r)));
  const changedS = summarize(changed);

  // Warm up the connection and JIT, then time single GETs by name, one at a time, over
  // one keep-alive connection with node:http (what kubectl-like clients do). The same
  // loop through fetch (undici) is shown beside it: that client adds its own tail.
  const target = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const httpGet = (p: string): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: target.hostname, port: target.port, path: p, agent }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`GET failed: ${res.statusCode}`));
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const fetchGet = async (p: string): Promise<void> => {
    const res = await fetch(`${server.url}${p}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET failed: ${res.status}`);
  };
  const timeGets = async (get: (p: string) => Promise<void>) => {
    for (let i = 0; i < 500; i++)
      await get(`/api/v1/namespaces/bench/configmaps/cm-${i % OBJECTS}`);
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < READS; i++) {
      const s = performance.now();
      await get(`/api/v1/namespaces/bench/configmaps/cm-${i % OBJECTS}`);
      lat.push(performance.now() - s);
    }
    return { ...summarize(lat), perSecond: READS / ((performance.now() - t0) / 1000) };
  };
  const getS = await timeGets(httpGet);
  const fetchS = await timeGets(fetchGet);
  agent.destroy();

  // The server's own view of the one-at-a-time GETs (its latency histogram, read before
  // the 16-client phase), to tell server time from client and scheduler noise.
  const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const serverP99 = histogramQuantile(
    metrics,
    'lifeboat_http_request_duration_seconds',
    'route="api"',
    0.99,
  );

  let next = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < READS) {
        const i = next++;
        await fetch(`${server.url}/api/v1/namespaces/bench/configmaps/cm-${i % OBJECTS}`).then(
          (r) => r.arrayBuffer(),
        );
      }
    }),
  );
  const parS = (performance.now() - t1) / 1000;

  printRows(
    `bench/store — ${OBJECTS} objects per /apply, ${READS} GETs by name (lifeboat serve + redis-server ${os.cpus().length} cores)`,
    [
      {
        what: `/apply ${OBJECTS} created`,
        value: fmt(created),
        target: '≤ 1000 ms',
        ok: created <= 1000,
      },
      {
        what: `/apply ${OBJECTS} unchanged`,
        value: fmt(unchanged),
        target: '≤ 1000 ms',
        ok: unchanged <= 1000,
      },
      {
        what: `/apply ${OBJECTS} changed p50 (5 runs)`,
        value: fmt(changedS.p50),
        target: '≤ 1000 ms',
        ok: changedS.p50 <= 1000,
      },
      { what: 'apply objects/s (created)', value: `${Math.round(OBJECTS / (created / 1000))}/s` },
      { what: 'GET by name p50', value: fmt(getS.p50) },
      { what: 'GET by name p99', value: fmt(getS.p99), target: '≤ 5 ms', ok: getS.p99 <= 5 },
      { what: 'GET by name max', value: fmt(getS.max) },
      {
        what: 'same GETs through fetch: p50 / p99',
        value: `${fmt(fetchS.p50)} / ${fmt(fetchS.p99)}`,
      },
      { what: 'server-side p99 (histogram bucket)', value: `≤ ${fmt(serverP99 * 1000)}` },
      { what: 'GETs/s, 1 client', value: `${Math.round(getS.perSecond)}/s` },
      { what: 'GETs/s, 16 clients', value: `${Math.round(READS / parS)}/s` },
    ],
  );
} finally {
  await server.stop();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
}
