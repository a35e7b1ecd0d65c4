/**
 * bench/webhook: Alertmanager webhook ingestion with dedup on this machine.
 * A private redis-server (append-only file on, as `lifeboat serve` runs it), `lifeboat
 * serve` on it in a child process (compiled, as the image runs it; `--source` runs src/
 * through tsx), and load over loopback keep-alive connections. The traffic is what Alertmanager sends during an incident: 20 plans,
 * 1,000 alert identities (fingerprint + startsAt) each delivered many times (group and
 * repeat intervals, HA pairs, retries), and a share of alerts no plan matches.
 * Every delivery must be recorded: the bench counts ReceivedAlert records afterwards,
 * and checks that each plan ran exactly once.
 *
 * Run: npx tsx bench/webhook.ts [--count 30000] [--concurrency 16] [--seconds 60] [--aof false]
 *                                [--processes 2] [--load wrk|node] [--source]
 * BENCH_PROFILE_DIR=dir writes CPU profiles of the serve processes; BENCH_REDIS_STATS=1
 * prints Redis' per-command statistics.
 * The load comes from wrk when it is installed (`apt-get install -y wrk`): a C load
 * generator leaves the two cores to lifeboat and Redis, as Alertmanager on another host
 * would. `--load node` uses a loop in this process instead (about 0.4 core of load).
 * Targets (issue 5): >= 3,000 notifications/s, p99 <= 25 ms, none lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { missingPrerequisites, type Prerequisite } from '../src/lab/processes/prerequisites.js';
import { startRedisServer } from '../src/store/redis-server.js';
import { fmt, printRows, summarize } from './support/stats.js';
import { alertmanagerNotification } from './support/alertmanager.js';
import { imageLikeEntry, serveChild } from './support/serve-child.js';

const PREFIX = 'bench:';
const OPERATOR = 'bench-operator-token-0123456789';
const ADMIN = 'bench-admin-token-0123456789abc';
const PLANS = 20;
const IDENTITIES = 1000;
/** One notification in this many carries an alert no plan matches. */
const UNMATCHED_EVERY = 5;

const { values } = parseArgs({
  options: {
    // Run src/ through tsx instead of the compiled image layout.
    source: { type: 'boolean', default: false },
    count: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '60' },
    // The append-only file is on by default, as `lifeboat serve` runs Redis; --aof false shows what the disk costs.
    aof: { type: 'string', default: 'true' },
    // Several lifeboat processes on one Redis, each connection pinned to one (a supported deployment).
    processes: { type: 'string', default: '1' },
    // The load generator: wrk (C, Debian package `wrk`) leaves the 2 cores to lifeboat and
    // Redis; node is the fallback (it costs ~0.4 core at these rates). Default: wrk if present.
    load: { type: 'string', default: '' },
  },
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(
  url: URL,
  path: string,
  token: string,
  body: string,
  type = 'application/json',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': type,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The i-th notification: Alertmanager's v4 shape, one alert. */
function notification(i: number): string {
  const unmatched = i % UNMATCHED_EVERY === 0;
  // Spread over every identity (and so every plan), each delivered many times.
  const identity = (i * 7919 + Math.floor(i / UNMATCHED_EVERY)) % IDENTITIES;
  const labels = unmatched
    ? { alertname: 'DiskFilling', app: 'other', instance: `node-${i % 97}` }
    : { alertname: 'PrimaryDown', app: `bench-${identity % PLANS}`, instance: `db-${identity}` };
  return JSON.stringify(
    alertmanagerNotification(labels, {
      startsAt: unmatched
        ? `2026-11-21T10:00:${String(i % 60).padStart(2, '0')}Z`
        : `2026-11-21T10:15:03.${String(identity % 1000).padStart(3, '0')}Z`,
      fingerprint: unmatched
        ? `ffff${String(i % 97).padStart(12, '0')}`
        : identity.toString(16).padStart(16, '0'),
    }),
  );
}

function plansYaml(): string {
  return Array.from(
    { length: PLANS },
    (_, p) => `apiVersion: recovery.elotl.co/v1alpha1
kind: RecoveryPlan
metadata: {name: bench-plan-${p}}
spec:
  alertLabels: {app: bench-${p}}
  steps:
    - type: readField
      readField: {apiVersion: v1, resource: configmaps, namespace: default, name: source, fieldPath: data.value, outputKey: V}
    - type: patch
      patch:
        apiVersion: v1
        resource: configmaps
        namespace: default
        name: target-${p}
        override: {fieldPath: data.value, value: {raw: "{{ .Values.V }}"}}
        patchType: application/merge-patch+json
`,
  ).join('---\n');
}

interface ApiProcess {
  url: URL;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts one `lifeboat serve` on the bench's Redis: compiled, as the image runs it
 * (`--source` runs src/ through tsx instead, which is slower).
 */
async function startApi(redisUrl: string, entry: string | undefined): Promise<ApiProcess> {
  const profile = process.env.BENCH_PROFILE_DIR;
  const server = await serveChild(
    // --alert-max-count 0: every record must still be there to be counted afterwards.
    ['--redis', redisUrl, '--key-prefix', PREFIX, '--no-gitops', '--alert-max-count', '0'],
    { LIFEBOAT_OPERATOR_TOKEN: OPERATOR, LIFEBOAT_ADMIN_TOKEN: ADMIN },
    entry,
    profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : [],
  );
  return { url: new URL(server.url), child: server.child, stop: () => server.stop() };
}

/** CPU seconds used so far by a process, from /proc. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const fields =
    (await readFile(`/proc/${String(pid)}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface LoadResult {
  elapsed: number;
  sent: number;
  acknowledged: number;
  failures: Map<string, number>;
  latency: { p50: number; p99: number; max: number };
  /** CPU seconds of an external load generator (the node loop is measured in-process). */
  loadCpuSeconds?: number;
}

/** bench/webhook's load generator, when installed (`scripts/setup.sh` installs it). */
const WRK: Prerequisite = { what: 'wrk', path: '/usr/bin/wrk', debianPackage: 'wrk' };

/** The load from this process: `concurrency` keep-alive connections, one request at a time each. */
async function nodeLoad(
  apis: ApiProcess[],
  bodies: string[],
  o: { concurrency: number; seconds: number; processes: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let next = 0;
  const deadline = performance.now() + o.seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, c) => {
      // Each connection talks to one process, as behind a Service with several replicas.
      const url = apis[c % o.processes]!.url;
      while (next < bodies.length && performance.now() < deadline) {
        const body = bodies[next++] ?? '';
        const start = performance.now();
        try {
          const res = await post(url, '/webhooks/alertmanager', OPERATOR, body);
          if (res.status === 202) latencies.push(performance.now() - start);
          else failures.set(String(res.status), (failures.get(String(res.status)) ?? 0) + 1);
        } catch (err) {
          const key = err instanceof Error ? err.message : String(err);
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  const s = summarize(latencies);
  return {
    elapsed: (performance.now() - t0) / 1000,
    sent: next,
    acknowledged: latencies.length,
    failures,
    latency: { p50: s.p50, p99: s.p99, max: s.max },
  };
}

interface WrkReport {
  sent: number;
  answered: number;
  non202: number;
  socketErrors: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/**
 * The same traffic from wrk (one thread per lifeboat process, through
 * bench/support/wrk-webhook.lua), the connections and notifications shared out evenly.
 * With several processes the percentiles shown are the worst process's.
 */
async function wrkLoad(
  urls: URL[],
  bodies: string[],
  o: { concurrency: number; seconds: number; dir: string; recorded: () => Promise<number> },
): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./support/wrk-webhook.lua', import.meta.url));
  const runs = await Promise.all(
    urls.map(async (url, k) => {
      const share = bodies.filter((_, i) => i % urls.length === k);
      const file = path.join(o.dir, `notifications-${k}.jsonl`);
      await writeFile(file, `${share.join('\n')}\n`);
      const child = spawn(
        'wrk',
        [
          '-t1',
          `-c${Math.max(1, Math.round(o.concurrency / urls.length))}`,
          `-d${o.seconds}s`,
          '--timeout',
          '10s',
          '-s',
          script,
          url.origin,
          '--',
          file,
          String(share.length),
          OPERATOR,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c: string) => (out += c));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, exited, out: () => out, cpu: 0 };
    }),
  );
  // wrk's CPU, sampled until it exits (its /proc entry goes with it).
  const sampler = setInterval(() => {
    for (const r of runs)
      void cpuSeconds(r.child.pid).then(
        (v) => (r.cpu = v),
        () => undefined,
      );
  }, 100);
  // wrk runs until -d even after its script stopped sending; SIGINT ends it at once, and it
  // then reports the time it really ran. Every answered notification is a record, so the
  // record count says when the last answers are in.
  let running = true;
  void Promise.all(runs.map((r) => r.exited)).then(() => (running = false));
  while (running) {
    await new Promise((r) => setTimeout(r, 20));
    if ((await o.recorded()) >= bodies.length) {
      for (const r of runs) r.child.kill('SIGINT');
      break;
    }
  }
  const reports: WrkReport[] = [];
  for (const r of runs) {
    const code = await r.exited;
    const line = r
      .out()
      .split('\n')
      .find((l) => l.startsWith('{"sent"'));
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${String(code)}): ${r.out()}`);
    reports.push(JSON.parse(line) as WrkReport);
  }
  clearInterval(sampler);
  const sum = (f: (r: WrkReport) => number) => reports.reduce((x, r) => x + f(r), 0);
  const worst = (f: (r: WrkReport) => number) => Math.max(...reports.map(f));
  const failures = new Map<string, number>();
  if (sum((r) => r.non202) > 0)
    failures.set(
      'not 202',
      sum((r) => r.non202),
    );
  if (sum((r) => r.socketErrors) > 0)
    failures.set(
      'socket errors',
      sum((r) => r.socketErrors),
    );
  return {
    elapsed: worst((r) => r.durationUs) / 1e6,
    sent: sum((r) => r.sent),
    acknowledged: sum((r) => r.answered - r.non202),
    failures,
    latency: {
      p50: worst((r) => r.p50Us) / 1000,
      p99: worst((r) => r.p99Us) / 1000,
      max: worst((r) => r.maxUs) / 1000,
    },
    loadCpuSeconds: runs.reduce((x, r) => x + r.cpu, 0),
  };
}

async function main(): Promise<void> {
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const processes = Number(values.processes);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-webhook-'));
  const redisServer = await startRedisServer({
    dir,
    appendOnly: values.aof !== 'false',
    logFile: path.join(dir, 'redis.log'),
  });
  const entry = values.source
    ? undefined
    : await imageLikeEntry('bench-app-webhook', (l) => process.stderr.write(`${l}\n`));
  const apis = await Promise.all(
    Array.from({ length: processes }, () => startApi(redisServer.url, entry)),
  );
  const first = apis[0]!;
  const redis = new Redis(redisServer.url);
  try {
    const objects = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: source, namespace: default}\ndata: {value: v1}\n',
      ...Array.from(
        { length: PLANS },
        (_, p) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: target-${p}, namespace: default}\ndata: {value: ""}\n`,
      ),
    ].join('---\n');
    const applied = await post(
      first.url,
      '/apply',
      ADMIN,
      `${objects}---\n${plansYaml()}`,
      'application/yaml',
    );
    if (applied.status !== 200) throw new Error(`apply failed: ${applied.status} ${applied.text}`);

    // Warm-up: JIT, connections, script cache. Not counted.
    for (let i = 0; i < 500 * processes; i += concurrency) {
      await Promise.all(
        Array.from({ length: concurrency }, (_, j) =>
          post(
            apis[j % processes]!.url,
            '/webhooks/alertmanager',
            OPERATOR,
            notification(count + i + j),
          ),
        ),
      );
    }
    const recordsKey = `${PREFIX}objects:recovery.elotl.co/ReceivedAlert`;
    const before = await redis.hlen(recordsKey);
    const cpu = async (): Promise<{ api: number; redis: number; load: number }> => {
      const info = await redis.info('cpu');
      const num = (k: string): number => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      const mine = process.cpuUsage();
      const api = (await Promise.all(apis.map((a) => cpuSeconds(a.child.pid)))).reduce(
        (x, y) => x + y,
        0,
      );
      return {
        api,
        redis: num('used_cpu_sys') + num('used_cpu_user'),
        load: (mine.user + mine.system) / 1e6,
      };
    };

    // Bodies are built before the clock starts: the load loop should cost the machine little.
    const bodies = Array.from({ length: count }, (_, i) => notification(i));
    const load = values.load || ((await missingPrerequisites([WRK])).length === 0 ? 'wrk' : 'node');
    const cpu0 = await cpu();
    const result =
      load === 'wrk'
        ? await wrkLoad(
            apis.map((a) => a.url),
            bodies,
            {
              concurrency,
              seconds,
              dir,
              recorded: async () => (await redis.hlen(recordsKey)) - before,
            },
          )
        : await nodeLoad(apis, bodies, { concurrency, seconds, processes });
    const { elapsed, sent, acknowledged, failures } = result;
    const cpu1 = await cpu();
    const used = {
      api: cpu1.api - cpu0.api,
      redis: cpu1.redis - cpu0.redis,
      load: result.loadCpuSeconds ?? cpu1.load - cpu0.load,
    };
    const stats = await redis.info('commandstats');
    const calls = (cmd: string): number =>
      Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    const usPerCall = (cmd: string): number =>
      Number(
        new RegExp(`cmdstat_${cmd}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`).exec(
          stats,
        )?.[1] ?? 0,
      );
    if (process.env.BENCH_REDIS_STATS) process.stdout.write(stats);
    const recorded = (await redis.hlen(recordsKey)) - before;

    // Each plan must have run exactly once, all the way.
    let runs: { phase: string; plan: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const all = await redis.hgetall(`${PREFIX}objects:recovery.elotl.co/RecoveryRun`);
      runs = Object.values(all).map((raw) => {
        const run = JSON.parse(raw.slice(raw.indexOf('|') + 1)) as {
          spec: { plan: string };
          status: { phase: string };
        };
        return { plan: run.spec.plan, phase: run.status.phase };
      });
      if (runs.every((r) => r.phase === 'Succeeded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const plansRun = new Set(runs.map((r) => r.plan));

    const s = result.latency;
    const rate = acknowledged / elapsed;
    // Every acknowledged notification must be recorded. With wrk, requests still in flight
    // when it stops may be recorded without an answer, so records can exceed answers.
    const lost = Math.max(0, acknowledged - recorded);
    const unanswered = sent - acknowledged - [...failures.values()].reduce((x, y) => x + y, 0);
    const pct = (cpuS: number): string => `${((cpuS / elapsed) * 100).toFixed(0)}%`;
    printRows(
      `webhook ingestion with dedup (${sent} notifications, ${concurrency} connections, ${processes} lifeboat process${processes > 1 ? 'es' : ''}, ${os.cpus().length} cores, AOF ${values.aof}, load from ${load}, ${elapsed.toFixed(1)} s)`,
      [
        {
          what: 'throughput',
          value: `${rate.toFixed(0)}/s`,
          target: '>= 3000/s',
          ok: rate >= 3000,
        },
        { what: 'latency p50', value: fmt(s.p50) },
        { what: 'latency p99', value: fmt(s.p99), target: '<= 25 ms', ok: s.p99 <= 25 },
        { what: 'latency max', value: fmt(s.max) },
        { what: 'answered 202', value: String(acknowledged) },
        {
          what: 'failed',
          value: String(failures.size === 0 ? 0 : [...failures.values()].reduce((x, y) => x + y)),
          target: '0',
          ok: failures.size === 0,
        },
        ...(unanswered > 0
          ? [{ what: 'in flight when the load stopped', value: String(unanswered) }]
          : []),
        {
          what: 'ReceivedAlert records',
          value: String(recorded),
          target: `>= ${acknowledged} answered (none lost)`,
          ok: lost === 0 && recorded <= sent,
        },
        {
          what: 'runs (one per plan)',
          value: `${runs.length} for ${plansRun.size} plans`,
          target: `${PLANS} for ${PLANS}`,
          ok: runs.length === PLANS && plansRun.size === PLANS,
        },
        // Less sensitive to a noisy machine than throughput: how much API CPU one notification costs.
        {
          what: 'per API CPU-second',
          value: `${(acknowledged / used.api).toFixed(0)} notifications`,
        },
      ],
    );
    process.stdout.write(
      `  cpu (of one core): api ${pct(used.api)}, redis ${pct(used.redis)}, load generator ${pct(used.load)}\n`,
    );
    process.stdout.write(
      `  redis: ${calls('evalsha')} start scripts (${usPerCall('evalsha').toFixed(0)} µs each inside Redis) for ${sent + 500 * processes} notifications (warm-up included)\n`,
    );
    const slowFsync = (await readFile(path.join(dir, 'redis.log'), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('fsync is taking too long')).length;
    if (slowFsync > 0)
      process.stdout.write(
        `  redis warned ${slowFsync} times that AOF fsync took too long: the disk stalled those seconds\n`,
      );
    if (failures.size > 0)
      process.stdout.write(`  failures: ${JSON.stringify(Object.fromEntries(failures))}\n`);
    if (lost !== 0 || runs.length !== PLANS) process.exitCode = 1;
  } finally {
    redis.disconnect();
    agent.destroy();
    await Promise.all(apis.map((a) => a.stop()));
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
