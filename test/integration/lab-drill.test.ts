/**
 * The DR lab end to end with lifeboat itself: `lab up` in a temp dir (its own member
 * clusters, Redis, lifeboat serve, PostgreSQL pair, FerretDB, HAProxy, Prometheus,
 * Alertmanager, stand-ins), then two drills: killing cluster-2 (the standby) must start
 * no plan; killing cluster-1 must fail over through Prometheus → Alertmanager → lifeboat
 * → the seed's plan, lose no acknowledged write (sync mode), and bring cluster-1 back as
 * a standby. Timings are printed, not asserted.
 */
import { randomInt } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDrillSummary, labApi, labDown, labDrill, labUp } from '../../src/lab/lab.js';
import { labServicesStatus } from '../../src/lab/services.js';
import { freePort } from '../../src/util/ports.js';

const mode = process.env.LIFEBOAT_DRILL_REPLICATION === 'async' ? 'async' : 'sync';
let dir: string;
const log: string[] = [];
const progress = (line: string): void => void log.push(line);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-lab-drill-'));
  await chmod(dir, 0o755); // the postgres user must reach its data directories
  const port = () => freePort('127.0.0.1');
  await labUp({
    dir,
    replication: mode,
    lifeboatPort: await port(),
    redisPort: await port(),
    clusterHostPrefix: `127.${String(randomInt(100, 250))}.${String(randomInt(1, 250))}.`,
    ports: { haproxy: await port(), prometheus: await port(), alertmanager: await port() },
    onProgress: progress,
  }).catch(async (err: unknown) => {
    // The temp dir goes away afterwards: show what the lab said and logged.
    process.stderr.write(`${log.join('\n')}\n`);
    for (const f of [
      'logs/haproxy.log',
      'logs/agent-cluster-3.log',
      'logs/ferretdb-cluster-1.log',
      'logs/lifeboat.log',
      'events.jsonl',
    ]) {
      const text = await readFile(path.join(dir, f), 'utf8').catch(() => '');
      process.stderr.write(`--- ${f}\n${text.split('\n').slice(-25).join('\n')}\n`);
    }
    throw err;
  });
}, 600_000);

afterAll(async () => {
  if (dir) {
    await labDown(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

/** `spec.standby.enabled` of each PerconaPGCluster, as the control plane holds it. */
async function roles(): Promise<Record<string, boolean | undefined>> {
  const api = await labApi(dir);
  const list = await api.request<{
    items: { metadata: { name: string }; spec: { standby?: { enabled?: boolean } } }[];
  }>('GET', '/apis/pgv2.percona.com/v2/namespaces/psql-operator/perconapgclusters');
  return Object.fromEntries(list.items.map((o) => [o.metadata.name, o.spec.standby?.enabled]));
}

describe('the DR lab with lifeboat', () => {
  it('lab up twice says it is already up', async () => {
    await expect(labUp({ dir, onProgress: progress })).rejects.toThrow('already up');
  });

  it('lab up runs no recovery: cluster1 is the primary, cluster2 the standby', async () => {
    // Monitoring that started before the agents once saw cluster-1 "down" and failed over.
    const api = await labApi(dir);
    const runs = await api.request<{ items: { metadata: { name: string } }[] }>(
      'GET',
      '/apis/recovery.elotl.co/v1alpha1/recoveryruns',
    );
    expect(runs.items.map((r) => r.metadata.name)).toStrictEqual([]);
    expect(await roles()).toStrictEqual({ cluster1: false, cluster2: true });
  });

  it('killing cluster-2 (the standby) starts no plan; writes go on; it returns as standby', async () => {
    const { report } = await labDrill(dir, { cluster: 'cluster-2', onProgress: progress });
    process.stderr.write(`[lab-drill cluster-2]\n${formatDrillSummary(report)}\n`);
    expect(report.planRan).toBe(false);
    expect(report.writesResumed).toBe(true);
    expect(report.lostAcknowledgedWrites).toBe(0);
    expect(report.cluster1ReturnedAsStandby).toBe(true);
  }, 300_000);

  it('killing cluster-1 fails over to cluster-2 through the seed plan and fences cluster-1', async () => {
    const { report, reportPath } = await labDrill(dir, { onProgress: progress });
    process.stderr.write(
      `[lab-drill cluster-1]\n${formatDrillSummary(report)}\nreport: ${reportPath}\n`,
    );
    expect(report).toMatchObject({
      planRan: true,
      planName: 'psql-primary-failover-plan',
      writesResumed: true,
      cluster1ReturnedAsStandby: true,
    });
    expect(report.acknowledgedWrites).toBeGreaterThan(0);
    if (mode === 'sync') expect(report.lostAcknowledgedWrites).toBe(0);
    // The control plane holds the new roles: cluster1 standby, cluster2 primary.
    expect(await roles()).toStrictEqual({ cluster1: true, cluster2: false });
  }, 300_000);

  it('lab down leaves no process behind', async () => {
    await labDown(dir, { keep: true });
    expect((await labServicesStatus(dir)).filter((s) => s.running)).toStrictEqual([]);
  }, 120_000);
});
