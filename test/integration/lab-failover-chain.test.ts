/**
 * The lab's whole failover chain except lifeboat itself, which this test plays: real
 * PostgreSQL pair (sync), FerretDB per cluster, HAProxy, Prometheus + Alertmanager, and
 * the cluster agents (stand-ins + /metrics) as real processes against the real member
 * clusters. A MongoDB client writes through HAProxy; cluster-1 (API server, PostgreSQL,
 * FerretDB, agent) is killed; Alertmanager's webhook reaches this test, which applies the
 * seed's failover plan (recovery-plans/psql-primary-failover-plan.yaml) to the member
 * clusters as lifeboat would; writes resume through cluster-2; cluster-1 comes back as a
 * standby. Asserts behaviour; timings are reported, not asserted.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node models are method-less classes; literals are how its API is used */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { drillUrl, formatDrillSummary, runDrill, writeRefused } from '../../src/lab/drill/index.js';
import type { DrillResult } from '../../src/lab/drill/index.js';
import { ensureFerretdb, startFerretdb } from '../../src/lab/ferretdb/index.js';
import { startHaproxy } from '../../src/lab/haproxy/index.js';
import { startMonitoring } from '../../src/lab/monitoring/index.js';
import { startPostgresPair } from '../../src/lab/postgres/index.js';
import { labPrerequisites, requirePrerequisites } from '../../src/lab/processes/index.js';
import { freePort } from '../../src/util/ports.js';
import { killCluster, reviveCluster } from '../../src/lab/services.js';
import { mergePatch, startAgent } from '../../src/lab/standins/index.js';
import type { LabTopology } from '../../src/lab/topology/index.js';
import { coreApi, customObjectsApi, labCluster, labClusters, start } from '../support/clusters.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

// LIFEBOAT_DRILL_REPLICATION=async runs the same drill asynchronously (loss is then reported, not asserted).
const mode = process.env.LIFEBOAT_DRILL_REPLICATION === 'async' ? 'async' : 'sync';
const pg = { group: 'pgv2.percona.com', version: 'v2', plural: 'perconapgclusters' };
let dir: string;
let topology: LabTopology;
let receiver: http.Server;
let ns: string;
let cluster1Down = false;
const plan = {
  alertReceivedAt: null as number | null,
  planDoneAt: null as number | null,
  runs: 0,
  errors: [] as string[],
};
const progress: string[] = [];

/** The haproxy.cfg the seed plan's last step writes, with its template. */
async function planHaproxyTemplate(): Promise<string> {
  const doc = parse(
    await readFile(
      path.join(import.meta.dirname, '../../recovery-plans/psql-primary-failover-plan.yaml'),
      'utf8',
    ),
  );
  return doc.spec.steps[3].patch.override.value.raw['haproxy.cfg'] as string;
}

/** What lifeboat does for PostgresPrimaryDown: the seed plan's steps, on the member clusters. */
async function runFailoverPlan(template: string): Promise<void> {
  plan.runs++;
  // Step 1 (cluster1 → standby) targets the dead cluster: lifeboat keeps it in desired
  // state and re-applies it on return; the revive hook below plays that part.
  await customObjectsApi('cluster-2').patchNamespacedCustomObject(
    { ...pg, namespace: ns, name: 'cluster2', body: { spec: { standby: { enabled: false } } } },
    mergePatch(),
  );
  const svc = await coreApi('cluster-2').readNamespacedService({
    name: 'ferretdb-service-2',
    namespace: ns,
  });
  const hostname = svc.status?.loadBalancer?.ingress?.[0]?.hostname;
  if (!hostname) throw new Error('ferretdb-service-2 has no LoadBalancer hostname');
  await coreApi('cluster-3').patchNamespacedConfigMap(
    {
      name: 'haproxy-config',
      namespace: ns,
      body: { data: { 'haproxy.cfg': template.replace('{{ .Values.Cluster2IP }}', hostname) } },
    },
    mergePatch(),
  );
  plan.planDoneAt = Date.now();
}

beforeAll(async () => {
  await requirePrerequisites(Object.values(labPrerequisites));
  await ensureFerretdb({ build: false });
  const template = await planHaproxyTemplate();
  dir = await labTestDir();
  await mkdir(path.join(dir, 'kubeconfigs'));
  for (const c of ['cluster-1', 'cluster-2', 'cluster-3'])
    await copyFile(labCluster(c).kubeconfig, path.join(dir, 'kubeconfigs', `${c}.yaml`));
  topology = await testTopology(dir, mode);
  const log = (line: string): void => void progress.push(line);

  // Lifeboat's stand-in for this test: the webhook receiver that runs the plan.
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      res.writeHead(202).end('{}');
      const alerts = (
        JSON.parse(body) as { alerts: { status: string; labels: Record<string, string> }[] }
      ).alerts;
      const match = alerts.some((a) => a.status === 'firing' && a.labels.app === 'example-app');
      if (!match || plan.alertReceivedAt !== null || !cluster1Down) return;
      plan.alertReceivedAt = Date.now();
      runFailoverPlan(template).catch((err: unknown) => plan.errors.push((err as Error).message));
    });
  });
  const port = await freePort('127.0.0.1');
  await new Promise<void>((r) => receiver.listen({ host: '127.0.0.1', port }, r));

  ns = `lab-e2e-${Date.now().toString(36)}`;
  for (const c of ['cluster-1', 'cluster-2', 'cluster-3'])
    await coreApi(c).createNamespace({ body: { metadata: { name: ns } } });
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
    const n = cluster.slice(-1);
    await coreApi(cluster).createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: `ferretdb-service-${n}`, namespace: ns },
        spec: {
          type: 'LoadBalancer',
          selector: { app: 'ferretdb' },
          ports: [{ name: 'mongodb', port: 27017, targetPort: 27017 }],
        },
      },
    });
  }
  const examples = parse(
    (
      await readFile(
        path.join(import.meta.dirname, '../../examples/ferretdb-percona/haproxy.yaml'),
        'utf8',
      )
    ).split('\n---')[0]!,
  );
  await coreApi('cluster-3').createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'haproxy-config', namespace: ns }, data: examples.data },
  });

  await startPostgresPair(topology, log);
  await startFerretdb(topology, 'cluster-1', { build: false, onProgress: log });
  await startFerretdb(topology, 'cluster-2', { build: false, onProgress: log });
  await startHaproxy(topology, log);
  await startMonitoring(
    topology,
    { url: `http://127.0.0.1:${String(port)}/webhooks/alertmanager`, token: 'e2e-token' },
    { onProgress: log },
  );
  for (const c of ['cluster-1', 'cluster-2', 'cluster-3'])
    await startAgent(topology, c, { namespace: ns, onProgress: log });
}, 300_000);

afterAll(async () => {
  if (cluster1Down) await start('cluster-1');
  receiver.close();
  if (dir) await cleanLab(dir);
});

describe('lab failover chain (lifeboat played by the test)', () => {
  let result: DrillResult;

  it('runs the drill: writes resume through cluster-2, nothing acknowledged is lost, cluster-1 returns as standby', async () => {
    const [db1] = topology.databases;
    result = await runDrill({
      dir,
      url: drillUrl(topology.haproxy.host, topology.haproxy.port),
      killedCluster: 'cluster-1',
      replicationMode: mode,
      warmupMs: 4_000,
      recoveryTimeoutMs: 60_000,
      onProgress: (line) => void progress.push(line),
      hooks: {
        kill: async () => {
          cluster1Down = true;
          await killCluster(dir, 'cluster-1', { clustersDir: labClusters().dir });
        },
        revive: () =>
          reviveCluster(topology, 'cluster-1', {
            namespace: ns,
            expectStandby: true,
            startApiServer: async () => {
              await start('cluster-1');
              cluster1Down = false;
              // lifeboat's propagation re-applying desired state: the fencing.
              await customObjectsApi('cluster-1').patchNamespacedCustomObject(
                {
                  ...pg,
                  namespace: ns,
                  name: 'cluster1',
                  body: { spec: { standby: { enabled: true } } },
                },
                mergePatch(),
              );
            },
          }),
        revivedIsStandby: async () =>
          (await writeRefused(drillUrl(db1.host, db1.ferretdb.port))).refused,
        planTimeline: () =>
          Promise.resolve({
            alertReceivedAt: plan.alertReceivedAt,
            planDoneAt: plan.planDoneAt,
            planRan: plan.runs > 0,
            planName: plan.runs > 0 ? 'psql-primary-failover-plan' : null,
          }),
      },
    });
    process.stderr.write(
      `[lab-failover-chain]\n${progress.filter((l) => l.startsWith('drill:')).join('\n')}\n${formatDrillSummary(result.report)}${JSON.stringify(result.report.pieces)}\n`,
    );
    expect(plan.errors).toStrictEqual([]);
    expect(result.report).toMatchObject({
      writesResumed: true,
      cluster1ReturnedAsStandby: true,
      planRan: true,
    });
    if (mode === 'sync') expect(result.report.lostAcknowledgedWrites).toBe(0);
    expect(result.report.acknowledgedWrites).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(result.reportPath, 'utf8'))).toStrictEqual(result.report);
  }, 240_000);
});
