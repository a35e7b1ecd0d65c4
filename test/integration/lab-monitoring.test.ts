/**
 * Prometheus + Alertmanager (Debian packages) as the lab runs them: 1 s scrapes of each
 * cluster's /metrics, the lab's rules, and a webhook with a bearer token. A tiny HTTP
 * receiver stands where lifeboat will. Losing cluster-2 (the standby) must deliver nothing
 * the failover plan matches; losing cluster-1 must deliver PostgresPrimaryDown.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/lab/metrics/index.js';
import type { MetricsServer } from '../../src/lab/metrics/index.js';
import { startMonitoring } from '../../src/lab/monitoring/index.js';
import { labPrerequisites, requirePrerequisites } from '../../src/lab/processes/index.js';
import { freePort } from '../../src/util/ports.js';
import type { LabTopology } from '../../src/lab/topology/index.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

interface Delivery {
  at: number;
  authorization: string | undefined;
  body: { status: string; alerts: { status: string; labels: Record<string, string> }[] };
}

let dir: string;
let topology: LabTopology;
let receiver: http.Server;
const deliveries: Delivery[] = [];
const metrics = new Map<string, MetricsServer>();
const token = 'lab-test-token-0123456789';

async function serveMetrics(cluster: string): Promise<void> {
  const m = topology.metrics.find((x) => x.cluster === cluster)!;
  metrics.set(
    cluster,
    await startMetricsServer({
      host: m.host,
      port: m.port,
      collect: () =>
        Promise.resolve([
          { name: 'lifeboat_lab_postgres_up', help: 'up', labels: { cluster }, value: 1 },
        ]),
    }),
  );
}

async function waitFor(
  what: string,
  ok: (d: Delivery) => boolean,
  timeoutMs: number,
): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = deliveries.find(ok);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no webhook delivery ${what} within ${String(timeoutMs / 1000)} s; got ${JSON.stringify(deliveries)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

const firing = (alertname: string) => (d: Delivery) =>
  d.body.alerts.some((a) => a.status === 'firing' && a.labels.alertname === alertname);

beforeAll(async () => {
  await requirePrerequisites([labPrerequisites.prometheus, labPrerequisites.alertmanager]);
  dir = await labTestDir();
  topology = await testTopology(dir);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      deliveries.push({
        at: Date.now(),
        authorization: req.headers.authorization,
        body: JSON.parse(body),
      });
      res.writeHead(202).end('{}');
    });
  });
  const port = await freePort('127.0.0.1');
  await new Promise<void>((r) => receiver.listen({ host: '127.0.0.1', port }, r));
  for (const m of topology.metrics) await serveMetrics(m.cluster);
  await startMonitoring(topology, {
    url: `http://127.0.0.1:${String(port)}/webhooks/alertmanager`,
    token,
  });
  // Let Prometheus see every target up before anything dies.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(
      `http://127.0.0.1:${String(topology.prometheus.port)}/api/v1/query?query=sum(up)`,
    );
    const value = ((await res.json()) as any).data.result[0]?.value[1];
    if (value === '3') break;
    if (Date.now() > deadline) throw new Error('Prometheus did not see the 3 targets up in 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  for (const m of metrics.values()) await m.close();
  receiver.close();
  if (dir) await cleanLab(dir);
});

describe('lab monitoring', () => {
  it('losing the standby site alerts without the label the failover plan matches', async () => {
    await metrics.get('cluster-2')!.close();
    const d = await waitFor('for PostgresStandbyDown', firing('PostgresStandbyDown'), 30_000);
    expect(d.body.alerts.every((a) => a.labels.app === undefined)).toBe(true);
    await serveMetrics('cluster-2');
  });

  it('losing the primary site delivers PostgresPrimaryDown {app: example-app} with the bearer token', async () => {
    const killedAt = Date.now();
    await metrics.get('cluster-1')!.close();
    const d = await waitFor('for PostgresPrimaryDown', firing('PostgresPrimaryDown'), 30_000);
    process.stderr.write(
      `[lab-monitoring] metrics endpoint gone -> webhook delivered in ${String(d.at - killedAt)} ms (reported, not asserted)\n`,
    );
    expect(d.authorization).toBe(`Bearer ${token}`);
    const alert = d.body.alerts.find((a) => a.labels.alertname === 'PostgresPrimaryDown')!;
    expect(alert.labels).toMatchObject({
      app: 'example-app',
      cluster: 'cluster-1',
      severity: 'critical',
    });
    // No standby alert is mixed into the primary's: they are grouped by cluster.
    expect(d.body.alerts.every((a) => a.labels.cluster === 'cluster-1')).toBe(true);
  });

  it('sends the resolution when the primary site is back', async () => {
    await serveMetrics('cluster-1');
    await waitFor(
      'resolving PostgresPrimaryDown',
      (d) =>
        d.body.status === 'resolved' &&
        d.body.alerts.some((a) => a.labels.alertname === 'PostgresPrimaryDown'),
      60_000,
    );
  });
});
