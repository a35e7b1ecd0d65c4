/**
 * The lab's stand-ins against real member clusters (kube-apiservers from the global
 * setup) and real services: the Percona stand-in turns `spec.standby.enabled` into
 * promote / pg_rewind on the lab's PostgreSQL pair (failover and failback), the
 * LoadBalancer stand-in fills Service status, the HAProxy stand-in follows the ConfigMap,
 * and a cluster agent process serves /metrics and dies when killed. Each test uses its own
 * namespace; the stand-ins run in this process so they can be pointed at it.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node models are method-less classes; literals are how its API is used */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabEvents } from '../../src/lab/events.js';
import { startHaproxy } from '../../src/lab/haproxy/index.js';
import { probePostgres, startPostgresPair } from '../../src/lab/postgres/index.js';
import type { PostgresPair } from '../../src/lab/postgres/index.js';
import {
  killAgent,
  mergePatch,
  runHaproxyStandin,
  runLoadBalancerStandin,
  runPerconaStandin,
  startAgent,
} from '../../src/lab/standins/index.js';
import type { LabTopology } from '../../src/lab/topology/index.js';
import { coreApi, customObjectsApi, labCluster, newNamespace } from '../support/clusters.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

let dir: string;
let topology: LabTopology;
let pair: PostgresPair;
const stop = new AbortController();
const running: Promise<void>[] = [];
const logs: string[] = [];
const log = (line: string): void => {
  logs.push(line);
};
const timings: Record<string, number> = {};
const pg = { group: 'pgv2.percona.com', version: 'v2', plural: 'perconapgclusters' };

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${String(timeoutMs / 1000)} s waiting for ${what}; stand-in log:\n${logs.slice(-15).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = await labTestDir();
  // The stand-ins read kubeconfigs from <lab>/kubeconfigs/, as in a real lab.
  await mkdir(path.join(dir, 'kubeconfigs'));
  for (const c of ['cluster-1', 'cluster-2', 'cluster-3'])
    await copyFile(labCluster(c).kubeconfig, path.join(dir, 'kubeconfigs', `${c}.yaml`));
  topology = await testTopology(dir, 'sync');
  pair = await startPostgresPair(topology);
});

afterAll(async () => {
  stop.abort();
  await Promise.allSettled(running);
  if (dir) await cleanLab(dir);
  process.stderr.write(
    `[lab-standins] timings (reported, not asserted): ${JSON.stringify(timings)}\n`,
  );
});

describe('percona stand-in', () => {
  let ns: string;
  const status = async (cluster: string, name: string) =>
    (
      (await customObjectsApi(cluster).getNamespacedCustomObject({
        ...pg,
        namespace: ns,
        name,
      })) as { status?: Record<string, any> }
    ).status;
  const setStandby = (cluster: string, name: string, enabled: boolean) =>
    customObjectsApi(cluster).patchNamespacedCustomObject(
      { ...pg, namespace: ns, name, body: { spec: { standby: { enabled } } } },
      mergePatch(),
    );

  beforeAll(async () => {
    ns = await newNamespace('cluster-1', 'lab');
    await coreApi('cluster-2').createNamespace({ body: { metadata: { name: ns } } });
    for (const [cluster, name, standby] of [
      ['cluster-1', 'cluster1', false],
      ['cluster-2', 'cluster2', true],
    ] as const) {
      await customObjectsApi(cluster).createNamespacedCustomObject({
        ...pg,
        namespace: ns,
        body: {
          apiVersion: 'pgv2.percona.com/v2',
          kind: 'PerconaPGCluster',
          metadata: { name, namespace: ns },
          spec: { standby: { enabled: standby } },
        },
      });
      running.push(
        runPerconaStandin({
          topology,
          cluster,
          namespace: ns,
          signal: stop.signal,
          log,
          resyncMs: 500,
        }),
      );
    }
  });

  it('reports the roles it finds in .status', async () => {
    await until('cluster1 ready as primary', async () => {
      const s = await status('cluster-1', 'cluster1');
      return s?.state === 'ready' && s.role === 'primary' ? s : undefined;
    });
    const s2 = await until('cluster2 ready as standby', async () => {
      const s = await status('cluster-2', 'cluster2');
      return s?.state === 'ready' && s.role === 'standby' ? s : undefined;
    });
    expect(s2).toMatchObject({
      following: 'cluster-1',
      host: `${pair.standby.host}:${String(pair.standby.port)}`,
      postgres: { ready: 1 },
    });
    expect(s2.standIn).toContain('stand-in');
  });

  it('fails over when the plan flips spec.standby.enabled: cluster-2 promoted, cluster-1 rewound into its standby', async () => {
    const t0 = Date.now();
    await setStandby('cluster-1', 'cluster1', true);
    await setStandby('cluster-2', 'cluster2', false);
    await until('cluster-2 primary', async () =>
      (await probePostgres(pair.standby)).inRecovery ? undefined : true,
    );
    timings.patchToPromotedMs = Date.now() - t0;
    const probe = await until(
      'cluster-1 streaming from cluster-2',
      async () => {
        const p = await probePostgres(pair.primary);
        return p.inRecovery && p.sender === `${pair.standby.host}:${String(pair.standby.port)}`
          ? p
          : undefined;
      },
      60_000,
    );
    timings.patchToOldPrimaryStreamingMs = Date.now() - t0;
    expect(probe.inRecovery).toBe(true);
    await until('statuses', async () => {
      const [a, b] = [await status('cluster-1', 'cluster1'), await status('cluster-2', 'cluster2')];
      return a?.role === 'standby' && a.following === 'cluster-2' && b?.role === 'primary'
        ? true
        : undefined;
    });
    const events = await readLabEvents(dir);
    const demoted = events.find((e) => e.event === 'demoted' && e.cluster === 'cluster-1');
    expect(demoted).toMatchObject({ method: 'rewind', following: 'cluster-2' });
    expect(events.some((e) => e.event === 'promoted' && e.cluster === 'cluster-2')).toBe(true);
    // Sync mode: once cluster-1 streams again the new primary waits for it.
    await until('cluster-2 synchronous again', async () =>
      (await probePostgres(pair.standby)).synchronousStandbyNames === '*' ? true : undefined,
    );
  });

  it('fails back the other way round (the failback plan: cluster-2 to standby first)', async () => {
    const t0 = Date.now();
    await setStandby('cluster-2', 'cluster2', true);
    await setStandby('cluster-1', 'cluster1', false);
    await until(
      'cluster-1 primary',
      async () => ((await probePostgres(pair.primary)).inRecovery ? undefined : true),
      60_000,
    );
    await until(
      'cluster-2 streaming from cluster-1',
      async () => {
        const p = await probePostgres(pair.standby);
        return p.inRecovery && p.sender === `${pair.primary.host}:${String(pair.primary.port)}`
          ? true
          : undefined;
      },
      60_000,
    );
    timings.failbackMs = Date.now() - t0;
  });
});

describe('loadbalancer stand-in', () => {
  it('gives LoadBalancer Services on the FerretDB port the lab hostname of their cluster', async () => {
    const ns = await newNamespace('cluster-2', 'lab');
    running.push(
      runLoadBalancerStandin({
        topology,
        cluster: 'cluster-2',
        signal: stop.signal,
        log,
        resyncMs: 500,
      }),
    );
    const svc = (name: string, type: string, port: number) => ({
      metadata: { name, namespace: ns },
      spec: { type, selector: { app: 'ferretdb' }, ports: [{ name: 'p', port, targetPort: port }] },
    });
    await coreApi('cluster-2').createNamespacedService({
      namespace: ns,
      body: svc('ferretdb-service-2', 'LoadBalancer', 27017),
    });
    await coreApi('cluster-2').createNamespacedService({
      namespace: ns,
      body: svc('web', 'LoadBalancer', 80),
    });
    await coreApi('cluster-2').createNamespacedService({
      namespace: ns,
      body: svc('internal', 'ClusterIP', 27017),
    });
    const ingress = await until('ingress', async () => {
      const s = await coreApi('cluster-2').readNamespacedService({
        name: 'ferretdb-service-2',
        namespace: ns,
      });
      return s.status?.loadBalancer?.ingress?.[0];
    });
    expect(ingress).toMatchObject({
      hostname: 'ferretdb-2.lab.lifeboat',
      ip: topology.databases[1].host,
    });
    for (const name of ['web', 'internal']) {
      const s = await coreApi('cluster-2').readNamespacedService({ name, namespace: ns });
      expect(s.status?.loadBalancer?.ingress ?? []).toStrictEqual([]);
    }
  });
});

describe('haproxy stand-in', () => {
  const backends: net.Server[] = [];
  const ask = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: topology.haproxy.port });
      let said = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (said += d));
      socket.on('end', () => resolve(said.trim()));
      socket.on('error', reject);
    });
  const config = (server: string) =>
    `defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db\n\nbackend be_db\n    server db ${server}:27017 check`;

  afterAll(() => {
    for (const b of backends) b.close();
  });

  it('renders the ConfigMap for the local HAProxy and follows its changes', async () => {
    for (const [i, db] of topology.databases.entries()) {
      const server = net.createServer((s) => s.end(`ferretdb-${String(i + 1)}\n`));
      await new Promise<void>((r) => server.listen({ host: db.host, port: db.ferretdb.port }, r));
      backends.push(server);
    }
    await startHaproxy(topology);
    const ns = await newNamespace('cluster-3', 'lab');
    running.push(
      runHaproxyStandin({ topology, namespace: ns, signal: stop.signal, log, resyncMs: 500 }),
    );
    const cm = (text: string): KubernetesObject & { data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'haproxy-config', namespace: ns },
      data: { 'haproxy.cfg': text },
    });
    await coreApi('cluster-3').createNamespacedConfigMap({
      namespace: ns,
      body: cm(config('ferretdb-service-1.default.svc')),
    });
    await until('HAProxy on ferretdb-1', async () =>
      (await ask()) === 'ferretdb-1' ? true : undefined,
    );

    const t0 = Date.now();
    await coreApi('cluster-3').patchNamespacedConfigMap(
      {
        name: 'haproxy-config',
        namespace: ns,
        body: { data: { 'haproxy.cfg': config('ferretdb-2.lab.lifeboat') } },
      },
      mergePatch(),
    );
    await until('HAProxy on ferretdb-2', async () =>
      (await ask()) === 'ferretdb-2' ? true : undefined,
    );
    timings.configMapPatchToServingMs = Date.now() - t0;
    // applied.json is written right after the reload that already serves.
    const applied = await until('applied.json', async () => {
      const a = JSON.parse(await readFile(path.join(topology.haproxy.dir, 'applied.json'), 'utf8'));
      return a.servers[0]?.cluster === 'cluster-2' ? a : undefined;
    });
    expect(applied.servers).toStrictEqual([
      {
        backend: 'be_db',
        name: 'db',
        from: 'ferretdb-2.lab.lifeboat:27017',
        to: `${topology.databases[1].host}:${String(topology.databases[1].ferretdb.port)}`,
        cluster: 'cluster-2',
      },
    ]);

    // A hostname the lab cannot resolve is refused; HAProxy keeps serving the last good config.
    await coreApi('cluster-3').patchNamespacedConfigMap(
      {
        name: 'haproxy-config',
        namespace: ns,
        body: { data: { 'haproxy.cfg': config('db.example.com') } },
      },
      mergePatch(),
    );
    await until('the refusal', async () =>
      (await readLabEvents(dir)).some((e) => e.event === 'haproxy-render-failed')
        ? true
        : undefined,
    );
    expect(await ask()).toBe('ferretdb-2');
  });
});

describe('cluster agent process', () => {
  it('serves the cluster /metrics and takes it down when killed', async () => {
    await startHaproxy(topology); // already running when the stand-in test ran first
    await startAgent(topology, 'cluster-3', { only: ['metrics'] });
    const m = topology.metrics.find((x) => x.cluster === 'cluster-3')!;
    const url = `http://${m.host}:${String(m.port)}/metrics`;
    const text = await (await fetch(url)).text();
    expect(text).toContain('lifeboat_lab_haproxy_up{cluster="cluster-3"} 1');
    await killAgent(topology, 'cluster-3');
    await expect(fetch(url, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
  });
});
