/**
 * Helpers for the lab-service integration tests: a lab directory PostgreSQL may live in,
 * a topology on random loopback addresses and free ports (so a developer's own lab, or
 * another run, is never disturbed), and a teardown that stops everything started.
 */
import { randomInt } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stopServices } from '../../src/lab/processes/index.js';
import { freePort } from '../../src/util/ports.js';
import { planTopology } from '../../src/lab/topology/index.js';
import type { LabTopology, ReplicationMode } from '../../src/lab/topology/index.js';

/** A fresh lab directory; o+x so the `postgres` user can reach its data directories. */
export async function labTestDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-lab-test-'));
  await chmod(dir, 0o755);
  return dir;
}

/**
 * A topology in `dir` whose clusters live on a random `127.<a>.<b>.N` block and whose
 * 127.0.0.1 services (HAProxy, Prometheus, Alertmanager) take free ports.
 */
export async function testTopology(
  dir: string,
  replication: ReplicationMode = 'sync',
): Promise<LabTopology> {
  const prefix = `127.${String(randomInt(100, 250))}.${String(randomInt(1, 250))}.`;
  const [haproxy, prometheus, alertmanager] = [
    await freePort('127.0.0.1'),
    await freePort('127.0.0.1'),
    await freePort('127.0.0.1'),
  ];
  return planTopology({
    dir,
    replication,
    clusterHostPrefix: prefix,
    ports: { haproxy, prometheus, alertmanager },
  });
}

/** Stops every service recorded in `dir` and deletes it. */
export async function cleanLab(dir: string): Promise<void> {
  await stopServices(dir);
  await rm(dir, { recursive: true, force: true });
}
