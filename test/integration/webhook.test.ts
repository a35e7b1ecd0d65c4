/**
 * The Alertmanager webhook end to end on real Redis and BullMQ (no member clusters):
 * alerts recorded before the answer, runs started exactly once per (plan, fingerprint,
 * startsAt), suppression while active and during the cooldown, resolved alerts,
 * authentication, bad input, and Redis being away.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { TokenBook } from '../../src/api/auth.js';
import { recoveryRoutes } from '../../src/api/routes/runs.js';
import { listen } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createRecoveryEngine } from '../../src/recovery/engine.js';
import { PLAN_SNAPSHOT_MAX_AGE_MS } from '../../src/recovery/plan-cache.js';
import type { ReceivedAlert, RecoveryRun } from '../../src/resources/records.js';
import { KindRegistry } from '../../src/store/kind-registry.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { startRedisServer } from '../../src/store/redis-server.js';
import { ResourceService } from '../../src/store/resource-service.js';
import {
  applyObjects,
  configMap,
  listRecords,
  metric,
  notification,
  patchCm,
  plan,
  postAlerts,
  readCm,
  repoDocs,
  startRecoveryServer,
  waitCm,
  waitForRun,
  type RecoveryServer,
} from '../support/recovery-server.js';
import { call, TOKENS } from '../support/server.js';

const HAPROXY_CFG =
  'defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db_2\n\nbackend be_db_2\n    server db2 ferretdb-2.elb.example.com:27017 check';

describe('the seed failover plan, triggered by curl, on the control plane', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      ...repoDocs('examples/ferretdb-percona/percona.yaml'),
      ...repoDocs('examples/ferretdb-percona/haproxy.yaml'),
      ...repoDocs('examples/ferretdb-percona/ferretdb.yaml'),
      ...repoDocs('recovery-plans/psql-primary-failover-plan.yaml'),
    ]);
    // What propagation's status sync would write once cluster-2's LoadBalancer is up.
    await s.resources.update(
      { kind: 'core/Service', namespace: 'default', name: 'ferretdb-service-2' },
      (svc) => ({
        ...svc,
        status: { loadBalancer: { ingress: [{ hostname: 'ferretdb-2.elb.example.com' }] } },
      }),
    );
  });
  afterAll(() => s.close());

  it('records the alert, runs every step and rewrites the desired state', async () => {
    const res = await postAlerts(s, {
      alerts: [{ labels: { app: 'example-app', alertname: 'PostgresPrimaryDown' } }],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      kind: 'AlertReceipt',
      received: 1,
      duplicates: [],
      suppressed: [],
    });
    const [runName] = res.body.runsStarted as string[];
    expect(runName).toMatch(/^psql-primary-failover-plan-[0-9a-f]{12}$/);

    const run = await waitForRun(s, runName!);
    expect(run.status.phase).toBe('Succeeded');
    expect(run.status.steps.map((st) => [st.type, st.state, st.attempts])).toStrictEqual([
      ['patch', 'Succeeded', 1],
      ['patch', 'Succeeded', 1],
      ['readField', 'Succeeded', 1],
      ['patch', 'Succeeded', 1],
    ]);
    expect(run.status.outputs).toStrictEqual({ Cluster2IP: 'ferretdb-2.elb.example.com' });
    expect(run.status.steps[3]?.action).toStrictEqual({
      target: {
        apiVersion: 'v1',
        resource: 'configmaps',
        namespace: 'psql-operator',
        name: 'haproxy-config',
      },
      fieldPath: 'data',
      value: { 'haproxy.cfg': HAPROXY_CFG },
      patchType: 'application/merge-patch+json',
    });
    expect(run.spec).toMatchObject({
      plan: 'psql-primary-failover-plan',
      dryRun: false,
      trigger: { type: 'alert', caller: 'operator', alertStatus: 'firing' },
    });
    expect(run.metadata.labels).toStrictEqual({
      'recovery.elotl.co/plan': 'psql-primary-failover-plan',
    });
    for (const st of run.status.steps)
      expect(Date.parse(st.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(st.startedAt!));

    const cluster1 = await call(
      s,
      'GET',
      '/apis/pgv2.percona.com/v2/namespaces/psql-operator/perconapgclusters/cluster1',
    );
    const cluster2 = await call(
      s,
      'GET',
      '/apis/pgv2.percona.com/v2/namespaces/psql-operator/perconapgclusters/cluster2',
    );
    expect(cluster1.body.spec.standby).toStrictEqual({ enabled: true, repoName: 'repo1' });
    expect(cluster2.body.spec.standby).toStrictEqual({ enabled: false, repoName: 'repo1' });
    expect(cluster1.body.metadata.generation).toBe(2);
    const haproxy = await call(
      s,
      'GET',
      '/api/v1/namespaces/psql-operator/configmaps/haproxy-config',
    );
    expect(haproxy.body.data).toStrictEqual({ 'haproxy.cfg': HAPROXY_CFG });

    const [alert] = await listRecords<ReceivedAlert>(s, 'receivedalerts');
    expect(alert?.metadata.name).toBe(run.spec.trigger.alert);
    expect(alert?.spec).toMatchObject({
      labels: { app: 'example-app', alertname: 'PostgresPrimaryDown' },
      fingerprintComputed: true,
      startsAtGiven: false,
      sender: 'operator',
    });
    expect(alert?.status).toStrictEqual({
      processed: true,
      outcome: 'RunStarted',
      runs: [runName],
      matches: [{ plan: 'psql-primary-failover-plan', outcome: 'RunStarted', run: runName }],
      receivedAt: alert?.metadata.creationTimestamp,
    });
    expect(
      await metric(
        s,
        'lifeboat_recovery_runs_total{plan="psql-primary-failover-plan",phase="Succeeded"}',
      ),
    ).toBe(1);
    expect(await metric(s, 'lifeboat_alerts_received_total{outcome="run_started"}')).toBe(1);
  });

  it('suppresses the next occurrence during the cooldown, saying why', async () => {
    const res = await postAlerts(
      s,
      notification({ app: 'example-app', alertname: 'PostgresPrimaryDown' }),
    );
    expect(res.status).toBe(202);
    expect(res.body.runsStarted).toStrictEqual([]);
    const [sup] = res.body.suppressed as { plan: string; run: string; reason: string }[];
    expect(sup?.plan).toBe('psql-primary-failover-plan');
    expect(sup?.reason).toMatch(
      /^plan psql-primary-failover-plan succeeded in run psql-primary-failover-plan-[0-9a-f]{12}; cooling down until \d{4}-/,
    );
    expect(await metric(s, 'lifeboat_alerts_received_total{outcome="suppressed"}')).toBe(1);
  });
});

describe('exactly one run per (plan, fingerprint, startsAt)', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      configMap('target', { out: '' }),
      configMap('gate', { open: 'no' }),
      plan('copy-plan', {
        alertLabels: { service: 'copy' },
        cooldownSeconds: 0,
        steps: [readCm('source', 'value', 'V'), patchCm('target', 'out', 'got {{ .Values.V }}')],
      }),
      plan('slow-plan', {
        alertLabels: { service: 'slow' },
        cooldownSeconds: 0,
        steps: [waitCm('gate', 'open', 'yes')],
      }),
      plan('cool-plan', {
        alertLabels: { service: 'cool' },
        cooldownSeconds: 2,
        steps: [readCm('source', 'value', 'V')],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('answers 50 concurrent copies of one Alertmanager alert with one run and 49 duplicates', async () => {
    const body = notification(
      { service: 'copy', alertname: 'Copy' },
      { fingerprint: 'aaaabbbbccccdddd' },
    );
    const answers = await Promise.all(Array.from({ length: 50 }, () => postAlerts(s, body)));
    expect(answers.map((a) => a.status)).toStrictEqual(Array(50).fill(202));
    const started = answers.flatMap((a) => a.body.runsStarted as string[]);
    expect(started).toHaveLength(1);
    const duplicates = answers.flatMap((a) => a.body.duplicates as { run: string }[]);
    expect(duplicates).toHaveLength(49);
    expect(new Set(duplicates.map((d) => d.run))).toStrictEqual(new Set(started));

    const run = await waitForRun(s, started[0]!);
    expect(run.status.phase).toBe('Succeeded');
    expect(run.spec.trigger.idempotencyKey).toBe(
      'copy-plan|aaaabbbbccccdddd|2026-11-21T10:15:03.123Z',
    );
    expect(
      (await listRecords<RecoveryRun>(s, 'recoveryruns')).map((r) => r.metadata.name),
    ).toStrictEqual(started);
    const alerts = await listRecords<ReceivedAlert>(s, 'receivedalerts');
    expect(alerts).toHaveLength(50);
    expect(alerts.filter((a) => a.status.outcome === 'Duplicate')).toHaveLength(49);
    expect(await metric(s, 'lifeboat_alerts_received_total{outcome="duplicate"}')).toBe(49);
    const target = await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target');
    expect(target.body.data).toStrictEqual({ out: 'got v1' });

    // A retry after the run finished is still the same occurrence.
    const later = await postAlerts(s, body);
    expect(later.body.duplicates).toStrictEqual([
      {
        alert: later.body.alerts[0].name,
        fingerprint: 'aaaabbbbccccdddd',
        plan: 'copy-plan',
        run: started[0],
      },
    ]);
  });

  it('treats a new startsAt as a new occurrence', async () => {
    const res = await postAlerts(
      s,
      notification(
        { service: 'copy' },
        { fingerprint: 'aaaabbbbccccdddd', startsAt: '2026-11-22T08:00:00Z' },
      ),
    );
    expect(res.body.runsStarted).toHaveLength(1);
    expect((await waitForRun(s, res.body.runsStarted[0])).status.phase).toBe('Succeeded');
  });

  it('suppresses other occurrences while the plan has a run in progress', async () => {
    const first = await postAlerts(
      s,
      notification({ service: 'slow' }, { startsAt: '2026-11-21T10:00:00Z' }),
    );
    const [active] = first.body.runsStarted as string[];
    await waitForRun(s, active!, { until: (r) => r.status.steps[0]?.state === 'Running' });

    const second = await postAlerts(
      s,
      notification({ service: 'slow' }, { startsAt: '2026-11-21T10:05:00Z' }),
    );
    expect(second.body.runsStarted).toStrictEqual([]);
    expect(second.body.suppressed).toMatchObject([
      {
        plan: 'slow-plan',
        run: active,
        reason: `run ${active} of plan slow-plan is still in progress`,
      },
    ]);
    const [record] = (await listRecords<ReceivedAlert>(s, 'receivedalerts')).filter(
      (a) => a.metadata.name === second.body.alerts[0].name,
    );
    expect(record?.status.matches).toStrictEqual([
      {
        plan: 'slow-plan',
        outcome: 'Suppressed',
        run: active,
        reason: `run ${active} of plan slow-plan is still in progress`,
      },
    ]);

    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'gate' },
      (cm) => ({ ...cm, data: { open: 'yes' } }),
    );
    expect((await waitForRun(s, active!)).status.phase).toBe('Succeeded');
    // cooldownSeconds: 0 — the next occurrence runs at once.
    const third = await postAlerts(
      s,
      notification({ service: 'slow' }, { startsAt: '2026-11-21T10:10:00Z' }),
    );
    expect(third.body.runsStarted).toHaveLength(1);
    expect((await waitForRun(s, third.body.runsStarted[0])).status.phase).toBe('Succeeded');
  });

  it('starts one run from 50 concurrent hand-sent alerts; the rest start nothing', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        postAlerts(s, { alerts: [{ labels: { service: 'cool' } }] }),
      ),
    );
    const started = answers.flatMap((a) => a.body.runsStarted as string[]);
    expect(started).toHaveLength(1);
    // Without startsAt, an alert is keyed by the millisecond it arrived: copies that
    // arrive in the same millisecond as the one that started the run are its duplicates,
    // later ones are new occurrences held back by the active run (or the cooldown).
    const outcomes = answers.map((a) => a.body.alerts[0].outcome as string);
    expect(outcomes.filter((o) => o === 'RunStarted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'Duplicate' || o === 'Suppressed')).toHaveLength(49);
    for (const a of answers.filter((x) => x.body.alerts[0].outcome === 'Duplicate')) {
      expect(a.body.duplicates[0].run).toBe(started[0]);
    }
    expect((await waitForRun(s, started[0]!)).status.phase).toBe('Succeeded');
  });

  it('lets the next occurrence run once the cooldown has passed', async () => {
    const during = await postAlerts(
      s,
      notification({ service: 'cool' }, { startsAt: '2026-11-23T00:00:00Z' }),
    );
    expect(during.body.suppressed[0].reason).toContain('cooling down until');
    await sleep(2100);
    const after = await postAlerts(
      s,
      notification({ service: 'cool' }, { startsAt: '2026-11-23T00:00:00Z' }),
    );
    expect(after.body.runsStarted).toHaveLength(1);
  });
});

describe('resolved alerts, plan matching and several alerts per notification', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      plan('failover', {
        alertLabels: { app: 'db' },
        cooldownSeconds: 0,
        steps: [readCm('source', 'value', 'V')],
      }),
      plan('failback', {
        alertLabels: { app: 'db', env: 'prod' },
        runOnResolved: true,
        cooldownSeconds: 0,
        steps: [readCm('source', 'value', 'V')],
      }),
      plan('manual-only', { steps: [readCm('source', 'value', 'V')] }),
    ]);
  });
  afterAll(() => s.close());

  it('runs every matching plan on firing; on resolve only the plan that opted in', async () => {
    const firing = await postAlerts(
      s,
      notification({ app: 'db', env: 'prod' }, { fingerprint: 'f1' }),
    );
    expect(
      firing.body.alerts[0].matches.map(
        (m: { plan: string; outcome: string }) => `${m.plan}:${m.outcome}`,
      ),
    ).toStrictEqual(['failback:RunStarted', 'failover:RunStarted']);
    for (const r of firing.body.runsStarted as string[]) await waitForRun(s, r);

    const resolved = await postAlerts(
      s,
      notification({ app: 'db', env: 'prod' }, { fingerprint: 'f1', status: 'resolved' }),
    );
    expect(
      resolved.body.alerts[0].matches.map(
        (m: { plan: string; outcome: string }) => `${m.plan}:${m.outcome}`,
      ),
    ).toStrictEqual(['failback:RunStarted', 'failover:Recorded']);
    const [resolveRun] = resolved.body.runsStarted as string[];
    expect(firing.body.runsStarted).not.toContain(resolveRun);
    const run = await waitForRun(s, resolveRun!);
    expect(run.spec.trigger).toMatchObject({
      alertStatus: 'resolved',
      idempotencyKey: 'failback|f1|2026-11-21T10:15:03.123Z|resolved',
    });
  });

  it('records alerts no plan matches, and a plan without alertLabels never matches', async () => {
    const res = await postAlerts(s, {
      alerts: [{ labels: { app: 'unrelated' } }, { labels: { app: 'db', env: 'dev' } }],
    });
    expect(res.status).toBe(202);
    expect(res.body.alerts.map((a: { outcome: string }) => a.outcome)).toStrictEqual([
      'NoMatchingPlan',
      'RunStarted',
    ]);
    const names = res.body.alerts.map((a: { name: string }) => a.name) as string[];
    const records = (await listRecords<ReceivedAlert>(s, 'receivedalerts')).filter((a) =>
      names.includes(a.metadata.name),
    );
    expect(records.map((r) => r.status.outcome).sort()).toStrictEqual([
      'NoMatchingPlan',
      'RunStarted',
    ]);
    await waitForRun(s, res.body.runsStarted[0]);
  });
});

describe('plans applied, changed or deleted between alerts', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [configMap('source', { value: 'v1' })]);
  });
  afterAll(() => s.close());

  const outcomes = async (labels: Record<string, string>, fingerprint: string) => {
    const res = await postAlerts(s, notification(labels, { fingerprint }));
    expect(res.status).toBe(202);
    for (const r of res.body.runsStarted as string[]) await waitForRun(s, r);
    return (res.body.alerts[0].matches as { plan: string; outcome: string }[]).map(
      (m) => `${m.plan}:${m.outcome}`,
    );
  };

  it('matches every alert against the plans as stored now, not as last read', async () => {
    // The engine's cached plans are read here (none yet).
    expect(await outcomes({ app: 'cache' }, 'c1')).toStrictEqual([]);
    await applyObjects(s, [
      plan('cache-plan', {
        alertLabels: { app: 'cache' },
        cooldownSeconds: 0,
        steps: [readCm('source', 'value', 'V')],
      }),
    ]);
    expect(await outcomes({ app: 'cache' }, 'c2')).toStrictEqual(['cache-plan:RunStarted']);
    // Changed so that it no longer matches.
    await applyObjects(s, [
      plan('cache-plan', {
        alertLabels: { app: 'cache', env: 'prod' },
        cooldownSeconds: 0,
        steps: [readCm('source', 'value', 'V')],
      }),
    ]);
    expect(await outcomes({ app: 'cache' }, 'c3')).toStrictEqual([]);
    expect(await outcomes({ app: 'cache', env: 'prod' }, 'c4')).toStrictEqual([
      'cache-plan:RunStarted',
    ]);
    const del = await call(
      s,
      'DELETE',
      '/apis/recovery.elotl.co/v1alpha1/recoveryplans/cache-plan',
      {
        token: TOKENS.admin,
      },
    );
    expect(del.status).toBe(200);
    expect(await outcomes({ app: 'cache', env: 'prod' }, 'c5')).toStrictEqual([]);
  });

  it('picks up a plan written without a generation bump (an older lifeboat) within seconds', async () => {
    expect(await outcomes({ app: 'legacy' }, 'l1')).toStrictEqual([]);
    // As a lifeboat from before kind generations writes it: the value only.
    const legacy = plan('legacy-plan', {
      alertLabels: { app: 'legacy' },
      cooldownSeconds: 0,
      steps: [readCm('source', 'value', 'V')],
    }) as { metadata: Record<string, unknown> };
    legacy.metadata = { ...legacy.metadata, uid: 'legacy-uid', generation: 1 };
    const rv = await s.redis.incr(`${s.prefix}rv`);
    await s.redis.hset(
      `${s.prefix}objects:recovery.elotl.co/RecoveryPlan`,
      '/legacy-plan',
      `${rv}|${JSON.stringify(legacy)}`,
    );
    await sleep(PLAN_SNAPSHOT_MAX_AGE_MS + 200);
    expect(await outcomes({ app: 'legacy' }, 'l2')).toStrictEqual(['legacy-plan:RunStarted']);
  });
});

describe('webhook authentication and bad input', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
  });
  afterAll(() => s.close());

  const body = JSON.stringify({ alerts: [{ labels: { app: 'nothing' } }] });
  const post = (headers: Record<string, string>, text = body) =>
    fetch(`${s.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: text,
    });

  it('accepts Bearer and Basic (token as password), as Alertmanager http_config sends them', async () => {
    expect((await post({ authorization: `Bearer ${TOKENS.operator}` })).status).toBe(202);
    const basic = Buffer.from(`alertmanager:${TOKENS.operator}`).toString('base64');
    expect((await post({ authorization: `Basic ${basic}` })).status).toBe(202);
  });

  it.each([
    ['no token', {}, 401],
    ['a wrong token', { authorization: 'Bearer not-a-token-at-all-0000' }, 401],
    [
      'a wrong Basic password',
      { authorization: `Basic ${Buffer.from('am:wrong').toString('base64')}` },
      401,
    ],
    ['a viewer token', { authorization: `Bearer ${TOKENS.viewer}` }, 403],
  ])('answers %s with %s', async (_label, headers, code) => {
    const res = await post(headers);
    expect(res.status).toBe(code);
  });

  it.each([
    ['not JSON', '{"alerts": [', 'not valid JSON'],
    ['no alerts', '{"receiver": "lifeboat"}', 'alerts: is required'],
    ['an empty alert list', '{"alerts": []}', 'alerts is empty'],
    ['an alert without labels', '{"alerts": [{"status": "firing"}]}', 'alerts[0].labels'],
    ['a JSON array', '[]', 'JSON object'],
    ['an empty body', '', 'no body'],
  ])('answers %s with 400 and nothing recorded', async (_label, text, message) => {
    const res = await post({ authorization: `Bearer ${TOKENS.operator}` }, text);
    expect(res.status).toBe(400);
    const status = (await res.json()) as { message: string; reason: string };
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toContain(message);
  });
});

describe('one contract on both routes: node:http for plain JSON, express for the rest', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
  });
  afterAll(() => s.close());

  const auth = { authorization: `Bearer ${TOKENS.operator}` };
  const alertsNamed = async (name: string) =>
    (await listRecords<ReceivedAlert>(s, 'receivedalerts')).filter(
      (a) => a.spec.labels.alertname === name,
    );
  const requestsMetric = (code: string) =>
    metric(
      s,
      `lifeboat_http_requests_total{method="POST",route="/webhooks/alertmanager",code="${code}"}`,
    );

  it('answers plain JSON (what Alertmanager sends), counted in the request metrics', async () => {
    const before = await requestsMetric('202');
    const res = await fetch(`${s.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ alerts: [{ labels: { alertname: 'FastJson' } }] }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { kind: string }).kind).toBe('AlertReceipt');
    expect(await requestsMetric('202')).toBe(before + 1);
    expect(await alertsNamed('FastJson')).toHaveLength(1);
  });

  it('answers YAML when asked, through express', async () => {
    const yamlAnswer = await fetch(`${s.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/yaml', ...auth },
      body: JSON.stringify({ alerts: [{ labels: { alertname: 'SlowYaml' } }] }),
    });
    expect(yamlAnswer.status).toBe(202);
    expect(await yamlAnswer.text()).toContain('kind: AlertReceipt');
    expect(await alertsNamed('SlowYaml')).toHaveLength(1);
  });

  it('refuses bodies over 1 MiB with 413, declared or streamed, and records nothing', async () => {
    const huge = JSON.stringify({
      alerts: [
        { labels: { alertname: 'TooLarge' }, annotations: { pad: 'x'.repeat(1100 * 1024) } },
      ],
    });
    const declared = await fetch(`${s.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: huge,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { reason: string }).reason).toBe('RequestEntityTooLarge');
    // No Content-Length: the limit has to hold while the body streams in.
    const bytes = new TextEncoder().encode(huge);
    const streamed = await fetch(`${s.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024)
            controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect(await alertsNamed('TooLarge')).toHaveLength(0);
  });
});

describe('Redis unavailable', () => {
  it('answers 503 so Alertmanager retries, and records the retry once Redis is back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-webhook-redis-'));
    let redisServer = await startRedisServer({ dir, appendOnly: true });
    const port = redisServer.port;
    const redis = new Redis(redisServer.url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    redis.on('error', () => undefined);
    const store = new RedisStore(redis, 'lbtest:down:');
    const resources = new ResourceService(store);
    const kinds = new KindRegistry(store);
    const metrics = createMetrics({ defaults: false });
    const logger = createLogger({ level: 'silent' });
    const engine = createRecoveryEngine({
      resources,
      kinds,
      metrics,
      logger,
      worker: false,
      intakeTimeoutMs: 1000,
    });
    const app = createApp({
      redis,
      resources,
      kinds,
      metrics,
      logger,
      tokens: new TokenBook([{ name: 'am', role: 'operator', token: TOKENS.operator }]),
      routers: recoveryRoutes(engine),
    });
    const http = await listen(app, '127.0.0.1', 0);
    const ready = async (): Promise<void> => {
      for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await sleep(50);
    };
    try {
      await ready();
      const body = {
        alerts: [{ labels: { app: 'x' }, startsAt: '2026-11-21T10:15:03Z', fingerprint: 'ab' }],
      };
      expect((await postAlerts(http, body)).status).toBe(202);
      await redisServer.stop();
      const down = await postAlerts(http, body);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ reason: 'ServiceUnavailable' });
      expect(down.body.message).toContain('could not record the alerts');

      redisServer = await startRedisServer({ dir, appendOnly: true, port });
      await ready();
      expect((await postAlerts(http, body)).status).toBe(202);
      // Both accepted deliveries are on disk; the refused one is not.
      expect(
        Object.keys(await redis.hgetall('lbtest:down:objects:recovery.elotl.co/ReceivedAlert')),
      ).toHaveLength(2);
    } finally {
      await http.close();
      await engine.stop();
      redis.disconnect();
      await redisServer.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
