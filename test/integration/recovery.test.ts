/**
 * Recovery runs on real Redis and BullMQ: plan admission errors, manual and dry runs,
 * failures and skipped steps, waits, secret redaction, steps addressed to member
 * clusters, several workers sharing one Redis, and the `run`/`runs` CLI commands.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, CliError } from '../../src/cli/client.js';
import { registerRun } from '../../src/cli/commands/run.js';
import type { RecoveryRun } from '../../src/resources/records.js';
import { InMemoryMembers } from '../support/recovery-members.js';
import {
  applyObjects,
  configMap,
  FAST_RECOVERY,
  listRecords,
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
import { call, TOKENS } from '../support/server.js';

const runUrl = (p: string, dry = false): string =>
  `/apis/recovery.elotl.co/v1alpha1/recoveryplans/${p}/run${dry ? '?dryRun=true' : ''}`;

async function startRun(s: { url: string }, p: string): Promise<RecoveryRun> {
  const res = await call(s, 'POST', runUrl(p), { token: TOKENS.operator });
  expect(res.status, res.text).toBe(201);
  return res.body as RecoveryRun;
}

async function runOf(s: { url: string }, p: string): Promise<RecoveryRun> {
  return waitForRun(s, (await startRun(s, p)).metadata.name);
}

const listRuns = (s: { url: string }): Promise<RecoveryRun[]> =>
  listRecords<RecoveryRun>(s, 'recoveryruns');

describe('RecoveryPlan admission', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
  });
  afterAll(() => s.close());

  const target = { apiVersion: 'v1', resource: 'configmaps', namespace: 'default', name: 'x' };
  it.each([
    [
      'an unknown step type',
      [{ type: 'delete', delete: target }],
      'spec.steps[0].type',
      'unknown step type; use one of patch, readField, wait',
    ],
    ['a step without its body', [{ type: 'patch' }], 'spec.steps[0].patch', 'is required'],
    [
      'a patch without name',
      [
        {
          type: 'patch',
          patch: {
            ...target,
            name: undefined,
            override: { fieldPath: 'data.a', value: { raw: 'b' } },
          },
        },
      ],
      'spec.steps[0].patch.name',
      'is required',
    ],
    [
      'a name of the wrong type (said as such, not as missing)',
      [
        {
          type: 'patch',
          patch: { ...target, name: 7, override: { fieldPath: 'data.a', value: { raw: 'b' } } },
        },
      ],
      'spec.steps[0].patch.name',
      'expected string, received number',
    ],
    [
      'a readField without outputKey',
      [{ type: 'readField', readField: { ...target, fieldPath: 'data.a' } }],
      'spec.steps[0].readField.outputKey',
      'is required',
    ],
    [
      'a fieldPath that does not parse',
      [{ type: 'readField', readField: { ...target, fieldPath: 'data..a', outputKey: 'A' } }],
      'spec.steps[0].readField.fieldPath',
      'does not parse',
    ],
    [
      'a fieldPath naming __proto__',
      [
        {
          type: 'patch',
          patch: {
            ...target,
            override: { fieldPath: 'metadata.__proto__.polluted', value: { raw: 'x' } },
          },
        },
      ],
      'spec.steps[0].patch.override.fieldPath',
      '"__proto__" is not allowed',
    ],
    [
      'a template syntax error',
      [
        {
          type: 'patch',
          patch: {
            ...target,
            override: { fieldPath: 'data.a', value: { raw: 'x {{ .Values.A ' } },
          },
        },
      ],
      'spec.steps[0].patch.override.value.raw',
      'does not parse',
    ],
    [
      'an outputKey no earlier step produces',
      [patchCm('x', 'a', '{{ .Values.Later }}'), readCm('y', 'b', 'Later')],
      'spec.steps[0].patch.override.value.raw',
      'no earlier readField step has outputKey "Later"',
    ],
    [
      'a wait with neither equals nor exists',
      [{ type: 'wait', wait: { ...target, fieldPath: 'data.a' } }],
      'spec.steps[0].wait',
      'exactly one of equals or exists',
    ],
    [
      'an unknown patchType',
      [
        {
          type: 'patch',
          patch: {
            ...target,
            override: { fieldPath: 'data.a', value: { raw: 'b' } },
            patchType: 'text/plain',
          },
        },
      ],
      'spec.steps[0].patch.patchType',
      'is not one of',
    ],
  ])('rejects %s with 422 naming the field', async (_label, steps, field, message) => {
    const res = await call(s, 'POST', '/apply', {
      body: JSON.stringify(plan('bad', { alertLabels: { a: 'b' }, steps })),
    });
    expect(res.status, res.text).toBe(422);
    const cause = (res.body.details.causes as { field: string; message: string }[]).find(
      (c) => c.field === field,
    );
    expect(cause, JSON.stringify(res.body.details.causes)).toBeDefined();
    expect(cause?.message).toContain(message);
    expect(
      (await call(s, 'GET', '/apis/recovery.elotl.co/v1alpha1/recoveryplans/bad')).status,
    ).toBe(404);
  });
});

describe('manual runs, dry runs and failures', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      configMap('target', { out: 'old', keep: 'me' }),
      configMap('gate', { open: 'no' }),
      plan('copy-plan', {
        steps: [
          readCm('source', 'value', 'V'),
          patchCm('target', 'out', 'got {{ .Values.V }} & <more>'),
          readCm('target', 'out', 'Out'),
        ],
      }),
      plan('slow-plan', { steps: [waitCm('gate', 'open', 'yes')] }),
      plan('broken-plan', {
        steps: [
          patchCm('target', 'broken', 'set'),
          readCm('missing', 'value', 'V'),
          patchCm('target', 'never', '{{ .Values.V }}'),
        ],
      }),
      plan('timeout-plan', { steps: [waitCm('gate', 'open', 'never', 0.3)] }),
      plan('invalid-patch-plan', {
        steps: [
          {
            type: 'patch',
            patch: {
              apiVersion: 'recovery.elotl.co/v1alpha1',
              resource: 'recoveryplans',
              name: 'copy-plan',
              override: { fieldPath: 'spec.steps', value: { raw: [] } },
            },
          },
        ],
      }),
      plan('unknown-kind-plan', {
        steps: [
          {
            type: 'readField',
            readField: {
              apiVersion: 'example.com/v1',
              resource: 'widgets',
              name: 'w',
              fieldPath: 'spec.a',
              outputKey: 'A',
            },
          },
        ],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('starts a run by hand and records the caller', async () => {
    const started = await startRun(s, 'copy-plan');
    expect(started.metadata.name).toMatch(/^copy-plan-manual-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(started.spec).toStrictEqual({
      plan: 'copy-plan',
      planGeneration: 1,
      planResourceVersion: expect.any(String),
      dryRun: false,
      trigger: { type: 'manual', caller: 'operator' },
    });
    expect(started.status.phase).toBe('Pending');
    const run = await waitForRun(s, started.metadata.name);
    expect(run.status).toMatchObject({
      phase: 'Succeeded',
      attempts: 1,
      outputs: { V: 'v1', Out: 'got v1 & <more>' },
      message: 'all 3 steps succeeded',
    });
    expect(run.status.steps[1]).toMatchObject({
      type: 'patch',
      summary: "configmaps default/target data['out']",
      state: 'Succeeded',
      attempts: 1,
      action: {
        fieldPath: "data['out']",
        value: 'got v1 & <more>',
        patchType: 'application/merge-patch+json',
      },
    });
    expect(
      (await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target')).body.data,
    ).toStrictEqual({ out: 'got v1 & <more>', keep: 'me' });
  });

  it('answers 404 for an unknown plan and 403 for a viewer', async () => {
    const missing = await call(s, 'POST', runUrl('no-such-plan'), { token: TOKENS.operator });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('RecoveryPlan "no-such-plan" not found');
    expect((await call(s, 'POST', runUrl('copy-plan'), { token: TOKENS.viewer })).status).toBe(403);
    expect(
      (await call(s, 'POST', runUrl('copy-plan', true), { token: TOKENS.viewer })).status,
    ).toBe(403);
  });

  it('refuses a second run of a plan while one is in progress (409)', async () => {
    const first = await startRun(s, 'slow-plan');
    await waitForRun(s, first.metadata.name, { until: (r) => r.status.phase === 'Running' });
    const second = await call(s, 'POST', runUrl('slow-plan'), { token: TOKENS.operator });
    expect(second.status).toBe(409);
    expect(second.body.message).toBe(
      `run ${first.metadata.name} of plan slow-plan is still in progress; wait for it to finish (lifeboat runs --plan slow-plan) before starting another`,
    );
    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'gate' },
      (cm) => ({ ...cm, data: { open: 'yes' } }),
    );
    const done = await waitForRun(s, first.metadata.name);
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.steps[0]?.output).toBe('yes');
  });

  it('dry-runs: renders, reads, shows before/after through an overlay, changes nothing', async () => {
    await applyObjects(s, [configMap('target', { out: 'old', keep: 'me' })]);
    const before = await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target');
    const runsBefore = (await listRuns(s)).length;
    const res = await call(s, 'POST', runUrl('copy-plan', true), { token: TOKENS.operator });
    expect(res.status).toBe(200);
    const run = res.body as RecoveryRun;
    expect(run.metadata.name).toMatch(/^copy-plan-dryrun-/);
    expect(run.spec.dryRun).toBe(true);
    expect(run.status.phase).toBe('Succeeded');
    expect(
      run.status.steps.map((st) => ({
        state: st.state,
        before: st.before,
        after: st.after,
        output: st.output,
      })),
    ).toStrictEqual([
      { state: 'Succeeded', before: undefined, after: undefined, output: 'v1' },
      { state: 'Succeeded', before: 'old', after: 'got v1 & <more>', output: undefined },
      // The read after the patch sees the patched value: the dry run's overlay.
      { state: 'Succeeded', before: undefined, after: undefined, output: 'got v1 & <more>' },
    ]);
    const after = await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target');
    expect(after.body).toStrictEqual(before.body);
    expect(await listRuns(s)).toHaveLength(runsBefore);
  });

  it('dry-runs a failing plan: 200, the failing step and the rest skipped', async () => {
    const res = await call(s, 'POST', runUrl('broken-plan', true), { token: TOKENS.operator });
    expect(res.status).toBe(200);
    expect(res.body.status.steps.map((st: { state: string }) => st.state)).toStrictEqual([
      'Succeeded',
      'Failed',
      'Skipped',
    ]);
    expect(
      (await call(s, 'GET', '/api/v1/namespaces/default/configmaps/target')).body.data.broken,
    ).toBeUndefined();
  });

  it('stops at a failed step, marks the rest skipped and says why', async () => {
    const run = await runOf(s, 'broken-plan');
    expect(run.status.phase).toBe('Failed');
    expect(run.status.steps.map((st) => st.state)).toStrictEqual([
      'Succeeded',
      'Failed',
      'Skipped',
    ]);
    expect(run.status.steps[1]?.error).toBe(
      "configmaps default/missing on the control plane not found; cannot read data['value']",
    );
    expect(run.status.message).toBe(
      `step 2 (readField configmaps default/missing data['value'] → V) failed: ${run.status.steps[1]?.error ?? ''}`,
    );
    const metrics = (await call(s, 'GET', '/metrics', { token: null })).text;
    expect(metrics).toContain('lifeboat_recovery_runs_total{plan="broken-plan",phase="Failed"} 1');
    expect(metrics).toMatch(
      /lifeboat_recovery_step_duration_seconds_count\{type="readField",result="failed"\} [1-9]/,
    );
  });

  it('fails a wait that times out, showing the last value seen', async () => {
    await s.resources.update(
      { kind: 'core/ConfigMap', namespace: 'default', name: 'gate' },
      (cm) => ({ ...cm, data: { open: 'no' } }),
    );
    const run = await runOf(s, 'timeout-plan');
    expect(run.status.phase).toBe('Failed');
    expect(run.status.steps[0]?.error).toBe(
      `timed out after 0.3s waiting until data['open'] of configmaps default/gate on the control plane equals "never"; last seen: "no"`,
    );
  });

  it('refuses a patch that would make the hub object invalid', async () => {
    const run = await runOf(s, 'invalid-patch-plan');
    expect(run.status.phase).toBe('Failed');
    expect(run.status.steps[0]?.error).toContain(
      'the patched recoveryplans copy-plan on the control plane would be invalid: spec.steps: a plan needs at least one step',
    );
    expect(
      (await call(s, 'GET', '/apis/recovery.elotl.co/v1alpha1/recoveryplans/copy-plan')).body.spec
        .steps,
    ).toHaveLength(3);
  });

  it('fails a step on a kind the control plane does not know, saying so', async () => {
    const run = await runOf(s, 'unknown-kind-plan');
    expect(run.status.steps[0]?.error).toContain(
      'the server has no resource "widgets" in group "example.com"',
    );
  });
});

describe('secrets in run records', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        data: { password: 'c3VwZXItc2VjcmV0LXB3' },
      },
      configMap('app', { url: '' }),
      plan('secret-plan', {
        steps: [
          {
            type: 'readField',
            readField: {
              apiVersion: 'v1',
              resource: 'secrets',
              namespace: 'default',
              name: 'db',
              fieldPath: 'data.password',
              outputKey: 'DbPassword',
            },
          },
          patchCm('app', 'url', 'postgres://app:{{ .Values.DbPassword }}@db:5432/zoo'),
          patchCm('app', 'admin-password', 'literal-admin-pass'),
          patchCm('app', 'settings', { user: 'app', apiToken: 'tok-123456' }),
        ],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('uses the real values but records none of them', async () => {
    const run = await runOf(s, 'secret-plan');
    expect(run.status.phase).toBe('Succeeded');
    expect(
      (await call(s, 'GET', '/api/v1/namespaces/default/configmaps/app')).body.data,
    ).toStrictEqual({
      url: 'postgres://app:c3VwZXItc2VjcmV0LXB3@db:5432/zoo',
      'admin-password': 'literal-admin-pass',
      settings: { user: 'app', apiToken: 'tok-123456' },
    });
    expect(run.status.outputs).toStrictEqual({ DbPassword: '[redacted]' });
    expect(
      run.status.steps.map((st) => (st.action as { value?: unknown }).value ?? st.output),
    ).toStrictEqual([
      '[redacted]',
      'postgres://app:[redacted]@db:5432/zoo',
      '[redacted]',
      { user: 'app', apiToken: '[redacted]' },
    ]);
    const text = JSON.stringify(run);
    for (const secret of ['c3VwZXItc2VjcmV0LXB3', 'literal-admin-pass', 'tok-123456'])
      expect(text).not.toContain(secret);
    const dry = JSON.stringify(
      (await call(s, 'POST', runUrl('secret-plan', true), { token: TOKENS.operator })).body,
    );
    for (const secret of ['c3VwZXItc2VjcmV0LXB3', 'literal-admin-pass', 'tok-123456'])
      expect(dry).not.toContain(secret);
  });
});

describe('steps addressed to a member cluster', () => {
  const pgc = {
    apiVersion: 'pgv2.percona.com/v2',
    resource: 'perconapgclusters',
    namespace: 'psql-operator',
    name: 'cluster2',
  };
  const svc = {
    apiVersion: 'v1',
    resource: 'services',
    namespace: 'default',
    name: 'ferretdb-service-2',
  };
  const members = new InMemoryMembers();
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ members, memberRetryDelayMs: 10 });
    members.put('cluster-2', pgc, {
      apiVersion: 'pgv2.percona.com/v2',
      kind: 'PerconaPGCluster',
      metadata: { name: 'cluster2', namespace: 'psql-operator' },
      spec: { standby: { enabled: true } },
    });
    members.put('cluster-2', svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ferretdb-service-2', namespace: 'default' },
      spec: { ports: [{ name: 'mongodb', port: 27017 }] },
      status: { loadBalancer: { ingress: [{ hostname: 'lb-2.example' }] } },
    });
    const promote = {
      type: 'patch',
      patch: {
        ...pgc,
        cluster: 'cluster-2',
        override: { fieldPath: 'spec.standby.enabled', value: { raw: false } },
        patchType: 'application/merge-patch+json',
      },
    };
    await applyObjects(s, [
      plan('member-plan', {
        steps: [
          promote,
          {
            type: 'readField',
            readField: {
              ...svc,
              cluster: 'cluster-2',
              fieldPath: 'status.loadBalancer.ingress[0].hostname',
              outputKey: 'Host',
            },
          },
          {
            type: 'patch',
            patch: {
              ...svc,
              cluster: 'cluster-2',
              override: {
                fieldPath: 'spec.ports[0].name',
                value: { raw: 'mongo-{{ .Values.Host }}' },
              },
            },
          },
        ],
      }),
      plan('flaky-plan', { steps: [promote] }),
      plan('missing-plan', {
        steps: [
          {
            type: 'patch',
            patch: {
              ...pgc,
              name: 'nope',
              cluster: 'cluster-2',
              override: { fieldPath: 'spec.a', value: { raw: 1 } },
            },
          },
        ],
      }),
    ]);
  });
  afterAll(() => s.close());

  it('patches and reads live objects in the named cluster', async () => {
    const run = await runOf(s, 'member-plan');
    expect(run.status.phase, run.status.message).toBe('Succeeded');
    expect(run.status.outputs).toStrictEqual({ Host: 'lb-2.example' });
    expect(members.patches).toStrictEqual([
      {
        cluster: 'cluster-2',
        target: pgc,
        patch: { spec: { standby: { enabled: false } } },
        patchType: 'application/merge-patch+json',
      },
      // A path through a list index cannot be a merge patch: the whole list goes, changed.
      {
        cluster: 'cluster-2',
        target: svc,
        patch: { spec: { ports: [{ name: 'mongo-lb-2.example', port: 27017 }] } },
        patchType: 'application/merge-patch+json',
      },
    ]);
    expect(members.object('cluster-2', pgc)?.spec).toStrictEqual({ standby: { enabled: false } });
    expect(run.status.steps[0]?.action).toStrictEqual({
      target: { ...pgc, cluster: 'cluster-2' },
      fieldPath: 'spec.standby.enabled',
      value: false,
      patchType: 'application/merge-patch+json',
    });
  });

  it('retries a member that fails transiently, then fails the step if it stays down', async () => {
    members.fail('cluster-2', 503, 2);
    expect((await runOf(s, 'flaky-plan')).status.phase).toBe('Succeeded');
    members.fail('cluster-2', 0, 3);
    const down = await runOf(s, 'flaky-plan');
    expect(down.status.phase).toBe('Failed');
    expect(down.status.steps[0]?.error).toBe(
      'patching perconapgclusters psql-operator/cluster2 in cluster cluster-2 failed after 3 attempts: cluster cluster-2: connect ECONNREFUSED',
    );
  });

  it('fails at once on a 4xx answer', async () => {
    const run = await runOf(s, 'missing-plan');
    expect(run.status.steps[0]?.error).toBe(
      'patching perconapgclusters psql-operator/nope in cluster cluster-2 failed: cluster cluster-2: perconapgclusters "nope" not found',
    );
  });

  it('without member access, says how to fix the plan', async () => {
    const bare = await startRecoveryServer();
    try {
      await applyObjects(bare, [
        plan('flaky-plan', {
          steps: [
            {
              type: 'readField',
              readField: { ...svc, cluster: 'cluster-2', fieldPath: 'spec', outputKey: 'S' },
            },
          ],
        }),
      ]);
      const run = await runOf(bare, 'flaky-plan');
      expect(run.status.steps[0]?.error).toBe(
        'the step names cluster "cluster-2", but this lifeboat has no member-cluster access; register clusters or drop "cluster:" to act on the control plane',
      );
    } finally {
      await bare.close();
    }
  });
});

describe('several lifeboat workers on one Redis', () => {
  const engines: Awaited<ReturnType<typeof startEngine>>[] = [];
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer({ worker: false });
    for (let i = 0; i < 3; i++)
      engines.push(await startEngine(s, { concurrency: 4, ...FAST_RECOVERY }));
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      ...Array.from({ length: 12 }, (_, i) => configMap(`t${i}`, { out: '' })),
      ...Array.from({ length: 12 }, (_, i) =>
        plan(`plan-${i}`, {
          alertLabels: { shard: String(i) },
          steps: [
            readCm('source', 'value', 'V'),
            patchCm(`t${i}`, 'out', '{{ .Values.V }}-{{ .Alert.labels.shard }}'),
          ],
        }),
      ),
    ]);
  });
  afterAll(async () => {
    for (const e of engines) await e.stop();
    await s.close();
  });

  it('runs each run exactly once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        postAlerts(s, { alerts: [{ labels: { shard: String(i) } }] }),
      ),
    );
    const names = answers.flatMap((a) => a.body.runsStarted as string[]);
    expect(names).toHaveLength(12);
    const runs = await Promise.all(names.map((n) => waitForRun(s, n)));
    for (const r of runs) {
      expect(r.status.phase).toBe('Succeeded');
      expect(r.status.attempts).toBe(1);
      expect(r.status.steps.map((st) => st.attempts)).toStrictEqual([1, 1]);
    }
    for (let i = 0; i < 12; i++)
      expect(
        (await call(s, 'GET', `/api/v1/namespaces/default/configmaps/t${i}`)).body.data,
      ).toStrictEqual({ out: `v1-${i}` });
    let finished = 0;
    for (const e of engines)
      for (const v of (await e.metrics.runs.get()).values) finished += v.value;
    expect(finished).toBe(12);
  });
});

describe('lifeboat run / runs', () => {
  let s: RecoveryServer;
  beforeAll(async () => {
    s = await startRecoveryServer();
    await applyObjects(s, [
      configMap('source', { value: 'v1' }),
      configMap('target', { out: 'old' }),
      plan('copy-plan', {
        steps: [readCm('source', 'value', 'V'), patchCm('target', 'out', 'got {{ .Values.V }}')],
      }),
      plan('broken-plan', { steps: [readCm('missing', 'value', 'V')] }),
    ]);
  });
  afterAll(() => s.close());

  async function cli(...args: string[]): Promise<{ out: string; error?: CliError }> {
    let out = '';
    const program = new Command('lifeboat').exitOverride();
    registerRun(program, () => new ApiClient({ server: s.url, token: TOKENS.operator }), {
      out: (t) => (out += t),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    try {
      await program.parseAsync(['node', 'lifeboat', ...args]);
      return { out };
    } catch (err) {
      if (err instanceof CliError) return { out, error: err };
      throw err;
    }
  }

  it('previews a plan with --dry-run', async () => {
    const { out, error } = await cli('run', 'copy-plan', '--dry-run');
    expect(error).toBeUndefined();
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('dry run of copy-plan: Succeeded (all 2 steps succeeded)');
    expect(lines[1]).toMatch(/^#\s+TYPE\s+STEP\s+STATE\s+TIME\s+RESULT$/);
    expect(lines[2]).toMatch(
      /^1\s+readField\s+configmaps default\/source data\['value'\] → V\s+Succeeded\s+\d+ms\s+v1$/,
    );
    expect(lines[3]).toMatch(
      /^2\s+patch\s+configmaps default\/target data\['out'\]\s+Succeeded\s+\d+ms\s+old → got v1$/,
    );
  });

  it('follows a run with --watch and lists it with runs', async () => {
    const { out, error } = await cli('run', 'copy-plan', '--watch');
    expect(error).toBeUndefined();
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run copy-plan-manual-\S+ started$/);
    expect(lines.filter((l) => /^\[\d\/2\] .*: Succeeded \(\d+ms\)/.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^run copy-plan-manual-\S+ Succeeded in \d+ms$/);

    const runs = await cli('runs', '--plan', 'copy-plan');
    const rows = runs.out.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+PLAN\s+PHASE\s+TRIGGER\s+STEPS\s+DURATION\s+AGE$/);
    expect(rows[1]).toMatch(
      /^copy-plan-manual-\S+\s+copy-plan\s+Succeeded\s+manual \(operator\)\s+2\/2\s+\d+ms\s+\d+s$/,
    );
    expect(rows).toHaveLength(2);
    const json = JSON.parse((await cli('runs', '-o', 'json')).out) as { items: RecoveryRun[] };
    expect(json.items.map((r) => r.spec.plan)).toStrictEqual(['copy-plan']);
  });

  it('exits non-zero when the run fails', async () => {
    const { out, error } = await cli('run', 'broken-plan', '--watch');
    expect(out).toMatch(
      /\[1\/1\] readField .*: Failed \(\d+ms\) — configmaps default\/missing on the control plane not found/,
    );
    expect(error?.message).toMatch(/^run broken-plan-manual-\S+ failed: step 1 \(readField/);
    expect(error?.exitCode).toBe(1);
  });
});
