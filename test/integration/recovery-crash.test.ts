/**
 * Crash safety: a worker process killed with SIGKILL in the middle of a run; another
 * process resumes the run at the first unfinished step, with the outputs the dead one
 * saved. And a run recorded but never enqueued (a crash between the two) is picked up
 * by the sweeper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { Intake } from '../../src/recovery/intake.js';
import { recoveryKeys } from '../../src/recovery/keys.js';
import { RunStore } from '../../src/recovery/run-store.js';
import {
  applyObjects,
  configMap,
  FAST_RECOVERY,
  patchCm,
  plan,
  postAlerts,
  readCm,
  startEngine,
  startRecoveryServer,
  waitCm,
  waitForRun,
  type RecoveryServer,
} from '../support/recovery-server.js';
import { redisUrl } from '../support/redis.js';
import { call } from '../support/server.js';

const WORKER = fileURLToPath(new URL('../support/recovery-worker-process.ts', import.meta.url));

const children: ChildProcess[] = [];

async function startWorker(prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl(),
      LIFEBOAT_PREFIX: prefix,
      LOCK_MS: '2000',
      STALLED_MS: '500',
      SWEEP_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${String(code)} before it was ready`)),
    );
  });
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

describe('a worker killed mid-run', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      configMap('target', { out: '' }),
      configMap('gate', { open: 'no' }),
      plan('crash-plan', {
        alertLabels: { app: 'crash' },
        steps: [
          readCm('source', 'value', 'V'),
          patchCm('target', 'out', '{{ .Values.V }}'),
          waitCm('gate', 'open', 'yes', 60),
          patchCm('target', 'done', 'yes-{{ .Values.V }}'),
        ],
      }),
    ]);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await kill(c, 'SIGKILL');
  });
  afterAll(() => s.close());

  it('resumes at the first unfinished step in a new process, keeping earlier outputs', async () => {
    const first = await startWorker(s.prefix);
    const res = await postAlerts(s, {
      alerts: [{ labels: { app: 'crash' }, startsAt: '2026-11-21T10:15:03Z' }],
    });
    const [name] = res.body.runsStarted as string[];
    const mid = await waitForRun(s, name!, {
      until: (r) => r.status.steps[2]?.state === 'Running',
    });
    expect(mid.status.steps.map((st) => st.state)).toStrictEqual([
      'Succeeded',
      'Succeeded',
      'Running',
      'Pending',
    ]);

    await kill(first, 'SIGKILL');
    // If step 1 ran again it would read v2; the resumed run must use the v1 it saved.
    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'source' },
      (cm) => ({ ...cm, data: { value: 'v2' } }),
    );
    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'gate' },
      (cm) => ({ ...cm, data: { open: 'yes' } }),
    );

    await startWorker(s.prefix);
    const done = await waitForRun(s, name!, { timeoutMs: 30_000 });
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.attempts).toBe(2);
    expect(done.status.steps.map((st) => st.attempts)).toStrictEqual([1, 1, 2, 1]);
    expect(done.status.steps[0]?.finishedAt).toBe(mid.status.steps[0]?.finishedAt);
    expect(done.status.steps[1]?.finishedAt).toBe(mid.status.steps[1]?.finishedAt);
    expect(done.status.outputs).toStrictEqual({ V: 'v1' });
    expect(
      (await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target')).body.data,
    ).toStrictEqual({ out: 'v1', done: 'yes-v1' });
  });
});

describe('a run recorded but never enqueued', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      plan('orphan-plan', { steps: [readCm('source', 'value', 'V')] }),
    ]);
  });
  afterAll(() => s.close());

  it('is enqueued by the sweeper and runs', async () => {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics({ defaults: false });
    const runs = new RunStore(s.redis, s.store, recoveryKeys(s.prefix));
    // As if the process died right after the start script: record and gate, no job.
    const intake = new Intake({
      runs,
      resources: s.resources,
      enqueue: () => Promise.resolve(),
      metrics,
      logger,
      defaultCooldownSeconds: 300,
    });
    const orphan = await intake.startManual('orphan-plan', 'test');
    expect((await runs.unfinished()).get(orphan.metadata.name)).toBe('orphan-plan');

    const engine = await startEngine(s, FAST_RECOVERY);
    try {
      const run = await waitForRun(s, orphan.metadata.name);
      expect(run.status.phase).toBe('Succeeded');
      for (let i = 0; i < 50 && (await runs.unfinished()).size > 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect((await runs.unfinished()).size).toBe(0);
      expect(await s.redis.exists(recoveryKeys(s.prefix).active('orphan-plan'))).toBe(0);
    } finally {
      await engine.stop();
    }
  });
});
