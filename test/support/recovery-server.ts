/** A real lifeboat API with the recovery engine (real Redis, real BullMQ), for recovery tests. */
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { recoveryRoutes } from '../../src/api/routes/runs.js';
import type { MemberClusters } from '../../src/clusters/member-clusters.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  createRecoveryEngine,
  type RecoveryEngine,
  type RecoveryEngineOptions,
} from '../../src/recovery/engine.js';
import type { RecoveryRun } from '../../src/resources/records.js';
import { KindRegistry } from '../../src/store/kind-registry.js';
import type { RedisStore } from '../../src/store/redis-store.js';
import type { ResourceService } from '../../src/store/resource-service.js';
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
  membersFrom?: (base: { store: RedisStore; resources: ResourceService }) => MemberClusters;
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
      const { membersFrom, ...rest } = tuning;
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
      await server.close();
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
