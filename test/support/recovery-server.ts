/**
 * A real lifeboat API with the recovery engine (real Redis, real BullMQ), for recovery
 * tests, and what those tests share: more engines on the same installation (as other
 * lifeboat processes would run them), applying objects, posting Alertmanager
 * notifications, waiting for runs, reading records and metrics, and plan-step builders.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { recoveryRoutes } from '../../src/api/routes/runs.js';
import type { MemberClusters } from '../../src/clusters/member-clusters.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import {
  createRecoveryEngine,
  type RecoveryEngine,
  type RecoveryEngineOptions,
} from '../../src/recovery/engine.js';
import type { RecoveryRun } from '../../src/resources/records.js';
import { KindRegistry } from '../../src/store/kind-registry.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { ResourceService } from '../../src/store/resource-service.js';
import { newRedis } from './redis.js';
import { call, startTestServer, TOKENS, type TestServer } from './server.js';

export interface RecoveryServer extends TestServer {
  engine: RecoveryEngine;
  kinds: KindRegistry;
}

export type EngineTuning = Partial<
  Omit<RecoveryEngineOptions, 'resources' | 'kinds' | 'metrics' | 'logger'>
> & {
  members?: MemberClusters;
  /** Builds the member access from the server's own store (e.g. a real ClusterRegistry). */
  membersFrom?: (base: Omit<TestServer, 'url' | 'close'>) => MemberClusters;
  /** Runs on close after the engine stopped, before the server's Redis prefix is dropped. */
  beforeClose?: () => Promise<void>;
};

/** Fast lock/stall settings so tests of crashes and several workers finish in seconds. */
export const FAST_RECOVERY = {
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  sweepIntervalMs: 1000,
} as const;

export async function startRecoveryServer(tuning: EngineTuning = {}): Promise<RecoveryServer> {
  let engine: RecoveryEngine | undefined;
  let kinds: KindRegistry | undefined;
  const server = await startTestServer({
    routers: (base) => {
      kinds = new KindRegistry(base.store);
      const { membersFrom, beforeClose: _b, ...rest } = tuning;
      const members = membersFrom ? membersFrom(base) : rest.members;
      engine = createRecoveryEngine({
        resources: base.resources,
        kinds,
        metrics: base.metrics,
        logger: createLogger({ level: 'silent' }),
        ...rest,
        ...(members ? { members } : {}),
      });
      return recoveryRoutes(engine);
    },
  });
  if (!engine || !kinds) throw new Error('the test server did not build its routers');
  const e = engine;
  await e.start();
  return {
    ...server,
    engine: e,
    kinds,
    close: async () => {
      await e.stop();
      await tuning.beforeClose?.();
      await server.close();
    },
  };
}

/**
 * Another recovery engine (worker and sweeper) on the installation of `s`, on its own
 * Redis connection, as a second lifeboat process would run it.
 */
export async function startEngine(
  s: { prefix: string },
  tuning: Omit<EngineTuning, 'membersFrom' | 'beforeClose'> = {},
): Promise<{ engine: RecoveryEngine; metrics: Metrics; stop(): Promise<void> }> {
  const redis = newRedis();
  const store = new RedisStore(redis, s.prefix);
  const metrics = createMetrics({ defaults: false });
  const engine = createRecoveryEngine({
    resources: new ResourceService(store),
    kinds: new KindRegistry(store),
    metrics,
    logger: createLogger({ level: 'silent' }),
    ...tuning,
  });
  await engine.start();
  return {
    engine,
    metrics,
    stop: async () => {
      await engine.stop();
      redis.disconnect();
    },
  };
}

/** Applies objects (as a list) through /apply with the admin token; throws with the server's answer. */
export async function applyObjects(s: { url: string }, objects: readonly object[]): Promise<void> {
  const res = await call(s, 'POST', '/apply', {
    body: objects.map((o) => stringify(o)).join('---\n'),
    type: 'application/yaml',
  });
  if (res.status !== 200) throw new Error(`apply failed: ${res.status} ${res.text}`);
}

export async function postAlerts(
  s: { url: string },
  body: unknown,
  token: string | null = TOKENS.operator,
) {
  return call(s, 'POST', '/webhooks/alertmanager', { body: JSON.stringify(body), token });
}

/** An Alertmanager notification (payload version 4) with one alert, as Alertmanager sends it. */
export function notification(
  labels: Record<string, string>,
  opts: { startsAt?: string; fingerprint?: string; status?: 'firing' | 'resolved' } = {},
) {
  const status = opts.status ?? 'firing';
  return {
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname ?? 'X'}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'lifeboat',
    groupLabels: { alertname: labels.alertname ?? 'X' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    notification_reason: 'new_alerts',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'test' },
        startsAt: opts.startsAt ?? '2026-11-21T10:15:03.123Z',
        endsAt: status === 'resolved' ? '2026-11-21T10:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
      },
    ],
  };
}

/** The documents of a YAML file of the repository (e.g. `recovery-plans/…`), as objects. */
export function repoDocs(file: string): object[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON() as object);
}

/** Every record of a recovery kind (`recoveryruns`, `receivedalerts`), read as a viewer. */
export async function listRecords<T>(s: { url: string }, plural: string): Promise<T[]> {
  const res = await call(s, 'GET', `/apis/recovery.elotl.co/v1alpha1/${plural}`, {
    token: TOKENS.viewer,
  });
  if (res.status !== 200) throw new Error(`listing ${plural}: ${res.status} ${res.text}`);
  return res.body.items as T[];
}

/** The value of one sample of /metrics (the line's name and labels), 0 when absent. */
export async function metric(s: { url: string }, line: string): Promise<number> {
  const text = (await call(s, 'GET', '/metrics', { token: null })).text;
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length).trim()) : 0;
}

export const runPath = (name: string): string =>
  `/apis/recovery.elotl.co/v1alpha1/recoveryruns/${name}`;

/** Polls a run until it is Succeeded or Failed (or `until` holds), failing after `timeoutMs`. */
export async function waitForRun(
  s: { url: string },
  name: string,
  opts: { timeoutMs?: number; until?: (r: RecoveryRun) => boolean } = {},
): Promise<RecoveryRun> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const until =
    opts.until ??
    ((r: RecoveryRun) => r.status.phase === 'Succeeded' || r.status.phase === 'Failed');
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await call(s, 'GET', runPath(name), { token: TOKENS.viewer });
    last = res.body;
    if (res.status === 200 && until(res.body as RecoveryRun)) return res.body as RecoveryRun;
    await sleep(25);
  }
  throw new Error(`run ${name} did not get there in time; last seen: ${JSON.stringify(last)}`);
}

/**
 * Polls until `check` returns something other than undefined/false (usable in hooks,
 * where expect.poll is not), failing after `timeoutMs` with the last value seen.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    last = v;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${String(last)})`);
}

/** A plan object with these steps. */
export function plan(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'recovery.elotl.co/v1alpha1',
    kind: 'RecoveryPlan',
    metadata: { name },
    spec,
  };
}

export function configMap(
  name: string,
  data: Record<string, string>,
  namespace = 'default',
): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** A step reading a ConfigMap key into an output. */
export function readCm(
  name: string,
  key: string,
  outputKey: string,
  extra: Record<string, unknown> = {},
): object {
  return {
    type: 'readField',
    readField: {
      apiVersion: 'v1',
      resource: 'configmaps',
      namespace: 'default',
      name,
      fieldPath: `data['${key}']`,
      outputKey,
      ...extra,
    },
  };
}

/** A step merge-patching a ConfigMap key. */
export function patchCm(
  name: string,
  key: string,
  raw: unknown,
  extra: Record<string, unknown> = {},
): object {
  return {
    type: 'patch',
    patch: {
      apiVersion: 'v1',
      resource: 'configmaps',
      namespace: 'default',
      name,
      override: { fieldPath: `data['${key}']`, value: { raw } },
      patchType: 'application/merge-patch+json',
      ...extra,
    },
  };
}

/** A step waiting until a ConfigMap key equals a value. */
export function waitCm(name: string, key: string, equals: string, timeoutSeconds = 30): object {
  return {
    type: 'wait',
    wait: {
      apiVersion: 'v1',
      resource: 'configmaps',
      namespace: 'default',
      name,
      fieldPath: `data['${key}']`,
      equals,
      timeoutSeconds,
      intervalMilliseconds: 20,
    },
  };
}
