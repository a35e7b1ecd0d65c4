/**
 * ReceivedAlert retention on real Redis: the sweeper keeps the newest N and drops those
 * past the maximum age, never the alert an unfinished run refers to; records written
 * before the index existed are indexed and pruned like the rest; 0 turns a limit off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_KIND, recoveryKeys } from '../../src/recovery/keys.js';
import { pruneAlerts } from '../../src/recovery/retention.js';
import { RunStore } from '../../src/recovery/run-store.js';
import type { ReceivedAlert } from '../../src/resources/records.js';
import { testLogger } from '../support/hub.js';
import {
  applyObjects,
  configMap,
  listRecords,
  plan,
  postAlerts,
  startRecoveryServer,
  waitCm,
  waitForRun,
  type RecoveryServer,
} from '../support/recovery-server.js';

describe('ReceivedAlert retention', () => {
  let s: RecoveryServer;
  let runs: RunStore;
  const names = async (): Promise<string[]> =>
    (await listRecords<ReceivedAlert>(s, 'receivedalerts')).map((a) => a.metadata.name);
  /** One delivery of an alert no plan matches; returns the record's name. */
  const noise = async (i: number): Promise<string> => {
    // Records are ordered by the millisecond they arrived: keep each in its own.
    await sleep(2);
    const res = await postAlerts(s, { alerts: [{ labels: { app: 'noise', i: String(i) } }] });
    expect(res.status).toBe(202);
    return res.body.alerts[0].name as string;
  };

  beforeAll(async () => {
    // The sweeper is driven by hand below (engine.sweep()), so the interval is long.
    s = await startRecoveryServer({
      sweepIntervalMs: 3_600_000,
      alertRetention: { maxAgeSeconds: 3600, maxCount: 5 },
    });
    runs = new RunStore(s.redis, s.store, recoveryKeys(s.prefix));
    await applyObjects(s, [
      configMap('gate', { open: 'no' }),
      plan('slow-plan', {
        alertLabels: { app: 'slow' },
        cooldownSeconds: 0,
        steps: [waitCm('gate', 'open', 'yes', 60)],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('keeps the newest N and the alert of a run in progress, deletes the rest', async () => {
    // The oldest alert starts a run that stays in progress (its gate is closed).
    const started = await postAlerts(s, { alerts: [{ labels: { app: 'slow' } }] });
    const [run] = started.body.runsStarted as string[];
    const activeAlert = started.body.alerts[0].name as string;
    await waitForRun(s, run!, { until: (r) => r.status.phase === 'Running' });
    const noisy: string[] = [];
    for (let i = 0; i < 12; i++) noisy.push(await noise(i));
    expect(await names()).toHaveLength(13);

    await s.engine.sweep();
    expect((await names()).sort()).toStrictEqual([activeAlert, ...noisy.slice(-5)].sort());
    expect(await s.redis.zcard(recoveryKeys(s.prefix).alertIndex)).toBe(6);

    // Once the run is over its alert is an ordinary old one, and goes.
    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'gate' },
      (cm) => ({ ...cm, data: { open: 'yes' } }),
    );
    expect((await waitForRun(s, run!)).status.phase).toBe('Succeeded');
    await expect.poll(async () => (await runs.unfinished()).size).toBe(0);
    await s.engine.sweep();
    expect((await names()).sort()).toStrictEqual(noisy.slice(-5).sort());
  });

  it('drops alerts past the maximum age, however few there are', async () => {
    const before = await names();
    expect(before).toHaveLength(5);
    // Nothing is an hour old yet.
    expect(await pruneAlerts(runs, { maxAgeSeconds: 3600, maxCount: 0 }, testLogger)).toBe(0);
    // Seen from two hours later, every one is.
    const later = Date.now() + 2 * 3600 * 1000;
    expect(await pruneAlerts(runs, { maxAgeSeconds: 3600, maxCount: 0 }, testLogger, later)).toBe(
      5,
    );
    expect(await names()).toStrictEqual([]);
  });

  it('indexes records written before the index existed, then prunes them', async () => {
    const written: string[] = [];
    for (let i = 0; i < 8; i++) written.push(await noise(100 + i));
    // As if these were written by a lifeboat that had no index yet.
    await s.redis.del(recoveryKeys(s.prefix).alertIndex);
    await s.engine.sweep();
    expect((await names()).sort()).toStrictEqual(written.slice(-5).sort());
    expect(await s.redis.hlen(recoveryKeys(s.prefix).objects(ALERT_KIND))).toBe(5);
  });

  it('works through a backlog of many batches in one pass', async () => {
    const before = await names();
    expect(before).toHaveLength(5);
    // 1,200 older records (50 to 30 minutes ago), as a lifeboat without the index left them.
    const keys = recoveryKeys(s.prefix);
    const base = Date.now() - 3_000_000;
    const pipe = s.redis.pipeline();
    for (let i = 0; i < 1200; i++) {
      const name = `backlog-${String(i).padStart(4, '0')}`;
      const record = {
        apiVersion: 'recovery.elotl.co/v1alpha1',
        kind: 'ReceivedAlert',
        metadata: { name, creationTimestamp: new Date(base + i * 1000).toISOString() },
        spec: { labels: { app: 'backlog' } },
      };
      pipe.hset(keys.objects(ALERT_KIND), `/${name}`, `${String(i + 1)}|${JSON.stringify(record)}`);
    }
    await pipe.exec();
    await s.engine.sweep();
    // Under the age limit, but beyond the newest 5: every one goes, in one pass.
    expect((await names()).sort()).toStrictEqual(before.sort());
    expect(await s.redis.zcard(keys.alertIndex)).toBe(5);
  });

  it('deletes nothing when both limits are off', async () => {
    for (let i = 0; i < 3; i++) await noise(200 + i);
    const later = Date.now() + 365 * 86_400 * 1000;
    expect(await pruneAlerts(runs, { maxAgeSeconds: 0, maxCount: 0 }, testLogger, later)).toBe(0);
    expect(await names()).toHaveLength(8);
  });
});
