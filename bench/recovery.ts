/**
 * bench/recovery: alert → failover with the seed's plan on three real kube-apiservers.
 *
 * `lifeboat serve` (a child process, compiled to JavaScript first as the container image
 * runs it; `--source` runs the TypeScript through tsx) on a private redis-server, with
 * the three clusters registered and `policies/`, `examples/ferretdb-percona/` and
 * `recovery-plans/` applied, propagation running. cluster-1's and cluster-2's FerretDB
 * Services get a LoadBalancer hostname the way the lab's stand-in writes it.
 *
 * Each measured run is one Alertmanager notification (payload v4) POSTed to
 * /webhooks/alertmanager. Two figures per run, both from the moment the POST is sent:
 *   - alert → run Succeeded (the run record's finishedAt): every step done. The seed's
 *     steps act on the control plane, so Succeeded means the *desired state* changed
 *     (committed in Redis), not yet that the members hold it.
 *   - alert → converged: cluster-1's cluster1, cluster-2's cluster2 and cluster-3's
 *     haproxy-config all hold what the run set (seen through watches on the members),
 *     i.e. propagation carried it there. This is what a client of HAProxy waits for.
 * The floor is the same work done directly with @kubernetes/client-node, one call after
 * the other as the plan orders them (demote before promote; the HAProxy patch needs the
 * hostname the read returns): merge-patch cluster1 in cluster-1, merge-patch
 * cluster2 in cluster-2, read ferretdb-service-2 from cluster-2, merge-patch haproxy-config
 * in cluster-3. It acts on copies in a `bench-floor` namespace lifeboat does not manage,
 * interleaved with lifeboat's runs so both see the same machine load. client-node 1.x
 * builds a new https.Agent for every request (a TLS handshake per call), so a second,
 * lower floor makes the same four calls over kept-alive connections (node's https with
 * the kubeconfig's TLS settings): what no client can beat. Both are printed.
 *
 * Every run really changes state: runs alternate between the seed's failover plan and
 * its failback plan (the failback is applied with `alertLabels: {app: bench-failback}`
 * so an alert can start it; the repo's has none on purpose). Both plans are applied with
 * `cooldownSeconds: 0`, and every alert has its own fingerprint and startsAt, so no run
 * is suppressed or deduplicated (the bench checks each notification started a run).
 * Each run waits for the previous one to converge, so runs never overlap.
 *
 * Run: npx tsx bench/recovery.ts [--runs 200] [--warmup 10] [--source] [--profile DIR]
 * Targets (issue 5): p99 ≤ 250 ms (checked for both figures); lifeboat ≤ 2× the
 * client-node floor at p50 (checked for both; the ratios to the lower floor are printed).
 * Also printed: alert → 202, → picked up by a worker, and the run's time in the worker,
 * to see where the time goes. The machine's load average is printed with the figures.
 * Starts its own redis-server and clusters in a temp dir (binaries: tools/k8s/build.sh).
 */
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { clustersDown, clustersUp } from '../src/lab/clusters/index.js';
import { startRedisServer } from '../src/store/redis-server.js';
import { imageLikeEntry, serveChild } from './support/serve-child.js';
import { fmt, printRows, summarize } from './support/stats.js';
import { alertmanagerNotification } from './support/alertmanager.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    source: { type: 'boolean', default: false },
    // Write a V8 CPU profile of the lifeboat serve process into this directory.
    profile: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const TARGET_P99_MS = 250;
const TARGET_RATIO = 2;
const PG = 'pgv2.percona.com/v2';
const HOST = { 1: 'ferretdb-1.lab.lifeboat', 2: 'ferretdb-2.lab.lifeboat' } as const;
const FLOOR_NS = 'bench-floor';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, '..');
const log = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`);
};
const docsOf = async (file: string): Promise<Record<string, any>[]> =>
  parseAllDocuments(await readFile(path.join(root, file), 'utf8')).map(
    (d) => d.toJSON() as Record<string, any>,
  );
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** What the plans render into haproxy.cfg (the plans' own template, filled in). */
function haproxyCfg(db: 1 | 2, host: string): string {
  return `defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db_${db}\n\nbackend be_db_${db}\n    server db${db} ${host}:27017 check`;
}

/**
 * One member object followed through a watch: its current value (as the extractor sees
 * it) and when that value was first seen. `until` resolves with that time once it holds.
 */
class Followed {
  private value: string | undefined;
  private at = 0;
  private waiters: { want: string; resolve: (at: number) => void }[] = [];
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly listPath: string,
    private readonly name: string,
    private readonly extract: (obj: any) => string | undefined,
  ) {}

  async start(): Promise<void> {
    const seen = new Promise<void>((resolve) => {
      this.waiters.push({ want: '\0any', resolve: () => resolve() });
    });
    await this.connect();
    await seen;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.abort = await new Watch(this.kc).watch(
      this.listPath,
      { fieldSelector: `metadata.name=${this.name}` },
      (_phase, obj) => this.observe(this.extract(obj)),
      () => {
        // Watches end (server timeouts); follow again.
        if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), 50);
      },
    );
  }

  private observe(value: string | undefined): void {
    const now = performance.now();
    if (value !== this.value) {
      this.value = value;
      this.at = now;
    }
    this.waiters = this.waiters.filter((w) => {
      if (w.want === '\0any' || w.want === this.value) {
        w.resolve(this.at);
        return false;
      }
      return true;
    });
  }

  /** The time (performance.now) the object first held `want`. */
  until(want: string): Promise<number> {
    if (this.value === want) return Promise.resolve(this.at);
    return new Promise((resolve) => this.waiters.push({ want, resolve }));
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    sleep(ms).then(() => {
      throw new Error(`${what} did not happen within ${String(ms)} ms`);
    }),
  ]);
}

/** Requests to one API server over kept-alive TLS connections (the lower floor). */
async function keptAlive(
  kc: KubeConfig,
): Promise<(method: string, p: string, body?: unknown) => Promise<any>> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const tls: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agent = new https.Agent({
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    keepAlive: true,
    maxSockets: 4,
  });
  return (method, p, body) =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        {
          agent,
          host: server.hostname,
          port: server.port,
          method,
          path: p,
          headers: {
            // The kubeconfig's credentials (a bearer token in the lab's).
            ...(tls.headers as Record<string, string> | undefined),
            ...(text
              ? {
                  'content-type': 'application/merge-patch+json',
                  'content-length': Buffer.byteLength(text),
                }
              : {}),
          },
        },
        (res) => {
          let out = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (out += c));
          res.on('end', () =>
            (res.statusCode ?? 0) < 300
              ? resolve(JSON.parse(out))
              : reject(new Error(`${method} ${p}: ${String(res.statusCode)} ${out}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(text);
    });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-recovery-'));
const labDir = path.join(dir, 'lab');
const redisServer = await startRedisServer({ dir: path.join(dir, 'redis') });
let server: Awaited<ReturnType<typeof serveChild>> | undefined;
const followed: Followed[] = [];
const load0 = os.loadavg();
try {
  log('starting 3 member clusters ...');
  const lab = await clustersUp({ count: 3, dir: labDir, build: false });
  const kcs = new Map(
    lab.clusters.map((c) => {
      const kc = new KubeConfig();
      kc.loadFromFile(c.kubeconfig);
      return [c.name, kc] as const;
    }),
  );
  const kc = (name: string): KubeConfig => {
    const k = kcs.get(name);
    if (!k) throw new Error(`no cluster ${name}`);
    return k;
  };
  const objects = (name: string): KubernetesObjectApi =>
    KubernetesObjectApi.makeApiClient(kc(name));
  const core = (name: string): CoreV1Api => kc(name).makeApiClient(CoreV1Api);

  const entry = values.source ? undefined : await imageLikeEntry('bench-app-recovery', log);
  // --alert-max-count 0: the bench's 400+ alerts are history, not something to prune mid-run.
  server = await serveChild(
    ['--redis', redisServer.url, '--no-gitops', '--key-prefix', 'bench:', '--alert-max-count', '0'],
    {},
    entry,
    values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [],
  );
  const base = server.url;
  const request = async (method: string, p: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${String(res.status)} ${text}`);
    return JSON.parse(text);
  };

  // The seed, as `lab up` loads it, with the two plan changes the header explains.
  const [failover] = await docsOf('recovery-plans/psql-primary-failover-plan.yaml');
  const [failback] = await docsOf('recovery-plans/psql-primary-failback-plan.yaml');
  if (!failover || !failback) throw new Error('the seed plans are missing');
  failover.spec.cooldownSeconds = 0;
  failback.spec.cooldownSeconds = 0;
  failback.spec.alertLabels = { app: 'bench-failback' };
  const examples = [
    ...(await docsOf('examples/ferretdb-percona/ferretdb.yaml')),
    ...(await docsOf('examples/ferretdb-percona/percona.yaml')),
    ...(await docsOf('examples/ferretdb-percona/haproxy.yaml')),
  ];
  await request('POST', '/apply', [
    ...lab.clusters.map((c) => ({
      apiVersion: 'cluster.elotl.co/v1alpha1',
      kind: 'Cluster',
      metadata: { name: c.name },
      spec: { kubeconfig: { path: c.kubeconfig } },
    })),
    ...(await docsOf('policies/seed-ferretdb.yaml')),
    ...(await docsOf('policies/percona-and-haproxy.yaml')),
    ...examples,
    failover,
    failback,
  ]);
  log('waiting for propagation to place the seed ...');
  for (;;) {
    const stats = (await request('GET', '/placements?summary=true')).clusters as {
      phase: string;
      desired: number;
      applied: number;
    }[];
    if (
      stats.length === 3 &&
      stats.every((st) => st.phase === 'ready' && st.desired > 0 && st.applied === st.desired)
    )
      break;
    await sleep(250);
  }

  // The floor's copies, in a namespace lifeboat does not manage.
  const copy = (kind: string, name: string): Record<string, any> => {
    const found = examples.find((d) => d.kind === kind && d.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the examples`);
    const { labels: _labels, ...metadata } = found.metadata as Record<string, unknown>;
    return { ...structuredClone(found), metadata: { ...metadata, namespace: FLOOR_NS } };
  };
  for (const c of lab.clusters)
    await objects(c.name).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: FLOOR_NS },
    });
  await objects('cluster-1').create(copy('PerconaPGCluster', 'cluster1'));
  await objects('cluster-2').create(copy('PerconaPGCluster', 'cluster2'));
  await objects('cluster-1').create(copy('Service', 'ferretdb-service-1'));
  await objects('cluster-2').create(copy('Service', 'ferretdb-service-2'));
  await objects('cluster-3').create(copy('ConfigMap', 'haproxy-config'));

  // What each cluster's load-balancer controller would write (the lab's stand-in does).
  for (const n of [1, 2] as const)
    for (const namespace of ['default', FLOOR_NS])
      await core(`cluster-${String(n)}`).patchNamespacedServiceStatus(
        {
          namespace,
          name: `ferretdb-service-${String(n)}`,
          body: {
            status: { loadBalancer: { ingress: [{ hostname: HOST[n], ip: `127.0.0.1${n}` }] } },
          },
        },
        mergePatch,
      );
  log('waiting for the LoadBalancer hostnames to reach the hub (status sync) ...');
  for (const n of [1, 2] as const)
    for (;;) {
      const svc = await request(
        'GET',
        `/api/v1/namespaces/default/services/ferretdb-service-${String(n)}`,
      );
      if (svc.status?.loadBalancer?.ingress?.[0]?.hostname === HOST[n]) break;
      await sleep(100);
    }

  // Watches on what the plans change in the members.
  const standby = (obj: any): string | undefined => String(obj?.spec?.standby?.enabled);
  const pgPath = `/apis/${PG}/namespaces/psql-operator/perconapgclusters`;
  const pg1 = new Followed(kc('cluster-1'), pgPath, 'cluster1', standby);
  const pg2 = new Followed(kc('cluster-2'), pgPath, 'cluster2', standby);
  const cfg = new Followed(
    kc('cluster-3'),
    '/api/v1/namespaces/psql-operator/configmaps',
    'haproxy-config',
    (obj: any) => obj?.data?.['haproxy.cfg'] as string | undefined,
  );
  followed.push(pg1, pg2, cfg);
  await Promise.all(followed.map((f) => f.start()));

  const api1 = objects('cluster-1');
  const api2 = objects('cluster-2');
  const api3 = objects('cluster-3');
  const core1 = core('cluster-1');
  const core2 = core('cluster-2');
  const pgPatch = (name: string, enabled: boolean) => ({
    apiVersion: PG,
    kind: 'PerconaPGCluster',
    metadata: { name, namespace: FLOOR_NS },
    spec: { standby: { enabled } },
  });
  const cmPatch = (text: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'haproxy-config', namespace: FLOOR_NS },
    data: { 'haproxy.cfg': text },
  });
  const patch = (api: KubernetesObjectApi, body: object): Promise<unknown> =>
    api.patch(body, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);

  /** The floor: the plan's four calls, one after the other, straight to the members. */
  async function floorRun(toCluster2: boolean): Promise<number> {
    const [from, to] = toCluster2 ? ([1, 2] as const) : ([2, 1] as const);
    const apis = { 1: api1, 2: api2 };
    const cores = { 1: core1, 2: core2 };
    const t = performance.now();
    await patch(apis[from], pgPatch(`cluster${from}`, true));
    await patch(apis[to], pgPatch(`cluster${to}`, false));
    const svc = await cores[to].readNamespacedService({
      name: `ferretdb-service-${to}`,
      namespace: FLOOR_NS,
    });
    const host = svc.status?.loadBalancer?.ingress?.[0]?.hostname ?? '';
    await patch(api3, cmPatch(haproxyCfg(to, host)));
    return performance.now() - t;
  }

  const raw1 = await keptAlive(kc('cluster-1'));
  const raw2 = await keptAlive(kc('cluster-2'));
  const raw3 = await keptAlive(kc('cluster-3'));
  const pgUrl = (name: string): string =>
    `/apis/${PG}/namespaces/${FLOOR_NS}/perconapgclusters/${name}`;
  const cmUrl = `/api/v1/namespaces/${FLOOR_NS}/configmaps/haproxy-config`;
  const svcUrl = (n: number): string =>
    `/api/v1/namespaces/${FLOOR_NS}/services/ferretdb-service-${String(n)}`;

  /** The lower floor: the same four calls over kept-alive connections. */
  async function keptAliveRun(toCluster2: boolean): Promise<number> {
    const t = performance.now();
    const [first, second] = toCluster2 ? [raw1, raw2] : [raw2, raw1];
    await first('PATCH', pgUrl(toCluster2 ? 'cluster1' : 'cluster2'), {
      spec: { standby: { enabled: true } },
    });
    await second('PATCH', pgUrl(toCluster2 ? 'cluster2' : 'cluster1'), {
      spec: { standby: { enabled: false } },
    });
    const svc = await (toCluster2 ? raw2 : raw1)('GET', svcUrl(toCluster2 ? 2 : 1));
    const host = String(svc.status?.loadBalancer?.ingress?.[0]?.hostname ?? '');
    await raw3('PATCH', cmUrl, { data: { 'haproxy.cfg': haproxyCfg(toCluster2 ? 2 : 1, host) } });
    return performance.now() - t;
  }

  const startsAtBase = Date.parse('2026-12-01T00:00:00Z');
  interface Sample {
    accepted: number;
    pickedUp: number;
    /** In the worker: the record's startedAt → finishedAt. */
    inWorker: number;
    succeeded: number;
    converged: number;
  }
  /** One lifeboat run: alert → Succeeded, and → every member holds the result. */
  async function lifeboatRun(i: number, toCluster2: boolean): Promise<Sample> {
    const labels: Record<string, string> = toCluster2
      ? {
          alertname: 'PostgresPrimaryDown',
          app: 'example-app',
          cluster: 'cluster-1',
          severity: 'critical',
        }
      : { alertname: 'PostgresPrimaryBack', app: 'bench-failback', cluster: 'cluster-1' };
    const body = alertmanagerNotification(labels, {
      // Each run its own occurrence: never a duplicate of an earlier one.
      startsAt: new Date(startsAtBase + i * 1000).toISOString(),
      fingerprint: (i + 1).toString(16).padStart(16, '0'),
    });
    // Registered before the alert is sent: each resolves when its object first holds the new value.
    const converged = Promise.all([
      pg1.until(String(toCluster2)),
      pg2.until(String(!toCluster2)),
      cfg.until(toCluster2 ? haproxyCfg(2, HOST[2]) : haproxyCfg(1, HOST[1])),
    ]);
    const wall0 = Date.now();
    const t0 = performance.now();
    const receipt = await request('POST', '/webhooks/alertmanager', body);
    const accepted = performance.now() - t0;
    const [run] = receipt.runsStarted as string[];
    if (receipt.runsStarted.length !== 1 || !run)
      throw new Error(`run ${String(i)} did not start one run: ${JSON.stringify(receipt)}`);
    const at = await withTimeout(converged, 30_000, `run ${String(i)} converging`);
    let record: any;
    for (;;) {
      record = await request('GET', `/apis/recovery.elotl.co/v1alpha1/recoveryruns/${run}`);
      if (record.status.phase === 'Succeeded' || record.status.phase === 'Failed') break;
      await sleep(5);
    }
    if (record.status.phase !== 'Succeeded')
      throw new Error(`run ${run} failed: ${String(record.status.message)}`);
    return {
      accepted,
      pickedUp: Date.parse(record.status.startedAt) - wall0,
      inWorker: Number(record.status.durationMs),
      succeeded: Date.parse(record.status.finishedAt) - wall0,
      converged: Math.max(...at) - t0,
    };
  }

  log(`${String(WARMUP)} warm-up runs, then ${String(RUNS)} measured (each with a floor run) ...`);
  const samples: Sample[] = [];
  const floor: number[] = [];
  const floorKept: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const toCluster2 = i % 2 === 0;
    const s = await lifeboatRun(i, toCluster2);
    const f = await floorRun(toCluster2);
    const k = await keptAliveRun(toCluster2);
    if (i >= WARMUP) {
      samples.push(s);
      floor.push(f);
      floorKept.push(k);
    }
    if ((i + 1) % 50 === 0) log(`  ${String(i + 1)} / ${String(WARMUP + RUNS)}`);
  }

  const acc = summarize(samples.map((s) => s.accepted));
  const pick = summarize(samples.map((s) => s.pickedUp));
  const work = summarize(samples.map((s) => s.inWorker));
  const succ = summarize(samples.map((s) => s.succeeded));
  const conv = summarize(samples.map((s) => s.converged));
  const fl = summarize(floor);
  const fk = summarize(floorKept);
  const load1 = os.loadavg();
  printRows(
    `bench/recovery — the seed's failover/failback plans, alert → done, ${String(RUNS)} runs each side; lifeboat serve (${values.source ? 'sources via tsx' : 'compiled'}), 3 kube-apiservers + etcd and redis on ${String(os.cpus().length)} cores; load average ${load0[0]?.toFixed(1) ?? '?'} → ${load1[0]?.toFixed(1) ?? '?'}`,
    [
      {
        what: 'alert → 202 (recorded, run queued)  p50 / p99',
        value: `${fmt(acc.p50)} / ${fmt(acc.p99)}`,
      },
      {
        what: 'alert → run picked up by the worker p50 / p99',
        value: `${fmt(pick.p50)} / ${fmt(pick.p99)}`,
      },
      {
        what: 'run in the worker (4 steps, startedAt → finishedAt) p50 / p99',
        value: `${fmt(work.p50)} / ${fmt(work.p99)}`,
      },
      {
        what: 'alert → run Succeeded (desired state changed) p50',
        value: fmt(succ.p50),
      },
      {
        what: 'alert → run Succeeded                         p99',
        value: fmt(succ.p99),
        target: `≤ ${String(TARGET_P99_MS)} ms`,
        ok: succ.p99 <= TARGET_P99_MS,
      },
      {
        what: 'alert → converged (all 3 members hold it)     p50',
        value: fmt(conv.p50),
      },
      {
        what: 'alert → converged                             p99',
        value: fmt(conv.p99),
        target: `≤ ${String(TARGET_P99_MS)} ms`,
        ok: conv.p99 <= TARGET_P99_MS,
      },
      { what: 'floor: the 4 calls via client-node        p50', value: fmt(fl.p50) },
      { what: 'floor: the 4 calls via client-node        p99', value: fmt(fl.p99) },
      {
        what: 'Succeeded / floor, p50 (p99)',
        value: `${(succ.p50 / fl.p50).toFixed(2)}× (${(succ.p99 / fl.p99).toFixed(2)}×)`,
        target: `≤ ${String(TARGET_RATIO)}× at p50`,
        ok: succ.p50 / fl.p50 <= TARGET_RATIO,
      },
      {
        what: 'converged / floor, p50 (p99)',
        value: `${(conv.p50 / fl.p50).toFixed(2)}× (${(conv.p99 / fl.p99).toFixed(2)}×)`,
        target: `≤ ${String(TARGET_RATIO)}× at p50`,
        ok: conv.p50 / fl.p50 <= TARGET_RATIO,
      },
      {
        what: 'lower floor: the 4 calls, kept-alive TLS    p50 / p99',
        value: `${fmt(fk.p50)} / ${fmt(fk.p99)}`,
      },
      {
        what: 'Succeeded / lower floor, p50 (p99)',
        value: `${(succ.p50 / fk.p50).toFixed(2)}× (${(succ.p99 / fk.p99).toFixed(2)}×)`,
      },
      {
        what: 'converged / lower floor, p50 (p99)',
        value: `${(conv.p50 / fk.p50).toFixed(2)}× (${(conv.p99 / fk.p99).toFixed(2)}×)`,
      },
      {
        what: 'max: Succeeded / converged / floor',
        value: `${fmt(succ.max)} / ${fmt(conv.max)} / ${fmt(fl.max)}`,
      },
    ],
  );
} finally {
  for (const f of followed) f.stop();
  await server?.stop();
  await clustersDown({ dir: labDir, purge: true }).catch(() => undefined);
  await redisServer.stop();
  await rm(dir, { recursive: true, force: true });
}
