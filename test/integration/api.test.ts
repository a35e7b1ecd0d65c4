import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, TOKENS, type TestServer } from '../support/server.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

const configMap = (name: string, data: Record<string, string> = { k: 'v' }) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data,
  });

describe('HTTP API on real Redis', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('serves health, readiness and metrics without a token', async () => {
    expect((await call(s, 'GET', '/healthz', { token: null })).status).toBe(200);
    expect((await call(s, 'GET', '/readyz', { token: null })).text).toBe('ok');
    const metrics = await call(s, 'GET', '/metrics', { token: null });
    expect(metrics.text).toContain('lifeboat_http_requests_total');
  });

  it('creates, reads, lists with a label selector, replaces and deletes', async () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one', labels: { app: 'x' } },
      data: { a: '1' },
    });
    const created = await call(s, 'POST', '/api/v1/namespaces/default/configmaps', { body });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({
      name: 'one',
      namespace: 'default',
      generation: 1,
    });
    await call(s, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('two') });

    const got = await call(s, 'GET', '/api/v1/namespaces/default/configmaps/one', {
      token: TOKENS.viewer,
    });
    expect(got.body.data).toStrictEqual({ a: '1' });
    const listed = await call(
      s,
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx',
    );
    expect(listed.body.kind).toBe('ConfigMapList');
    expect(listed.body.items.map((o: any) => o.metadata.name)).toStrictEqual(['one']);

    const replaced = await call(s, 'PUT', '/api/v1/namespaces/default/configmaps/one', {
      body: JSON.stringify({ ...got.body, data: { a: '2' } }),
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.metadata.generation).toBe(2);

    const stale = await call(s, 'PUT', '/api/v1/namespaces/default/configmaps/one', {
      body: JSON.stringify({ ...got.body, data: { a: '3' } }),
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });

    expect(
      (await call(s, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('two') }))
        .status,
    ).toBe(409);
    expect((await call(s, 'DELETE', '/api/v1/namespaces/default/configmaps/one')).status).toBe(200);
    expect((await call(s, 'GET', '/api/v1/namespaces/default/configmaps/one')).status).toBe(404);
  });

  it('accepts YAML bodies and answers YAML when asked', async () => {
    const yaml =
      'apiVersion: policy.elotl.co/v1alpha1\nkind: SchedulePolicy\nmetadata:\n  name: p1\nspec:\n  clusterSelector:\n    matchLabels: {kubernetes.io/metadata.name: cluster-1}\n';
    const created = await call(s, 'POST', '/apis/policy.elotl.co/v1alpha1/schedulepolicies', {
      body: yaml,
      type: 'application/yaml',
    });
    expect(created.status).toBe(201);
    const asYaml = await call(s, 'GET', '/apis/policy.elotl.co/v1alpha1/schedulepolicies/p1', {
      accept: 'application/yaml',
    });
    expect(asYaml.text).toContain('kind: SchedulePolicy');
  });

  it('labels clusters with their own name', async () => {
    const res = await call(s, 'POST', '/apis/cluster.elotl.co/v1alpha1/clusters', {
      body: JSON.stringify({
        apiVersion: 'cluster.elotl.co/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'cluster-9', labels: { region: 'eu' } },
        spec: { kubeconfig: { path: '/tmp/kc.yaml' } },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.metadata.labels).toStrictEqual({
      region: 'eu',
      'kubernetes.io/metadata.name': 'cluster-9',
    });
  });

  it('applies a multi-document YAML of mixed kinds with a result per object', async () => {
    const docs = [
      fixture('seed-schedule-policies.yaml'),
      '---',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mixed, namespace: default}\ndata: {a: "1"}',
    ].join('\n');
    const first = await call(s, 'POST', '/apply', { body: docs, type: 'application/yaml' });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: any) => `${r.kind}/${r.name}:${r.action}`)).toStrictEqual([
      'SchedulePolicy/spread-ferretdb:created',
      'SchedulePolicy/psql-cluster-1-ferretdb:created',
      'SchedulePolicy/psql-cluster-2-ferretdb:created',
      'ConfigMap/mixed:created',
    ]);
    const again = await call(s, 'POST', '/apply', { body: docs, type: 'application/yaml' });
    expect(again.body.results.every((r: any) => r.action === 'unchanged')).toBe(true);
  });

  describe('bad input', () => {
    it('malformed JSON is a 400', async () => {
      const res = await call(s, 'POST', '/apply', { body: '{"apiVersion": "v1",' });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('not valid JSON');
    });

    it('malformed YAML is a 400 with the line', async () => {
      const res = await call(s, 'POST', '/apply', {
        body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n',
        type: 'application/yaml',
      });
      expect(res.status).toBe(400);
      expect(res.body.details.causes[0].line).toBeGreaterThanOrEqual(4);
    });

    it.each([
      ['missing apiVersion', { kind: 'ConfigMap', metadata: { name: 'x' } }, 'apiVersion'],
      ['missing kind', { apiVersion: 'v1', metadata: { name: 'x' } }, 'kind'],
      ['missing name', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 'metadata.name'],
      [
        'unknown kind in our group',
        {
          apiVersion: 'policy.elotl.co/v1alpha1',
          kind: 'SchedulePolicee',
          metadata: { name: 'x' },
        },
        'kind',
      ],
      [
        'unknown kind in apps',
        { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } },
        'kind',
      ],
      [
        'bad selector operator',
        {
          apiVersion: 'policy.elotl.co/v1alpha1',
          kind: 'SchedulePolicy',
          metadata: { name: 'x' },
          spec: {
            clusterSelector: {
              matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }],
            },
          },
        },
        'spec.clusterSelector.matchExpressions[0].operator',
      ],
    ])('%s is a 422 naming the field', async (_label, obj, field) => {
      const res = await call(s, 'POST', '/apply', { body: JSON.stringify(obj) });
      expect(res.status).toBe(422);
      expect(res.body.details.causes.map((c: any) => c.field)).toContain(field);
    });

    it('rejects the seed RecoveryPlan as printed, with its line', async () => {
      const res = await call(s, 'POST', '/apply', {
        body: fixture('seed-recovery-plan-as-printed.yaml'),
        type: 'application/yaml',
      });
      expect(res.status).toBe(400);
      // Line 39 of the fixture is the fieldPath line with outputKey stuck on it.
      expect(res.body.details.causes[0]).toMatchObject({ line: 39 });
    });

    it('rejects a billion-laughs YAML fast', async () => {
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [prev, cur] of [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'd'],
        ['d', 'e'],
        ['e', 'f'],
        ['f', 'g'],
        ['g', 'h'],
        ['h', 'i'],
      ]) {
        lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const res = await call(s, 'POST', '/apply', {
        body: lines.join('\n'),
        type: 'application/yaml',
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('resource exhaustion');
    });

    it('a body over 1 MiB is a 413', async () => {
      const res = await call(s, 'POST', '/apply', {
        body: configMap('big', { k: 'x'.repeat(1024 * 1024 + 10) }),
      });
      expect(res.status).toBe(413);
    });

    it.each(['__proto__', 'constructor'])('a key named %s anywhere is a 422', async (key) => {
      const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p","namespace":"default"},"data":{"${key}":"x"}}`;
      const res = await call(s, 'POST', '/apply', { body });
      expect(res.status).toBe(422);
      expect(res.body.details.causes[0].field).toBe(`data.${key}`);
      const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p, namespace: default}\nspec:\n  nested:\n    ${key}: {polluted: true}\n`;
      const res2 = await call(s, 'POST', '/apply', { body: yaml, type: 'application/yaml' });
      expect(res2.status).toBe(422);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a failed /apply writes nothing', async () => {
      const body = JSON.stringify([
        JSON.parse(configMap('batch-ok')),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } },
      ]);
      const res = await call(s, 'POST', '/apply', { body });
      expect(res.status).toBe(422);
      expect(res.body.details.causes[0].field).toBe('metadata.name');
      expect((await call(s, 'GET', '/api/v1/namespaces/default/configmaps/batch-ok')).status).toBe(
        404,
      );
    });

    it('a conflicting object in a batch writes nothing', async () => {
      await call(s, 'POST', '/apply', { body: configMap('cf') });
      const body = JSON.stringify([
        JSON.parse(configMap('cf-new')),
        {
          ...JSON.parse(configMap('cf', { k: 'changed' })),
          metadata: { name: 'cf', namespace: 'default', resourceVersion: '1' },
        },
      ]);
      expect((await call(s, 'POST', '/apply', { body })).status).toBe(409);
      expect((await call(s, 'GET', '/api/v1/namespaces/default/configmaps/cf-new')).status).toBe(
        404,
      );
    });

    it('missing or wrong token is a 401, a weak role is a 403', async () => {
      expect(
        (await call(s, 'GET', '/api/v1/namespaces/default/configmaps', { token: null })).status,
      ).toBe(401);
      expect(
        (
          await call(s, 'GET', '/api/v1/namespaces/default/configmaps', {
            token: 'wrong-token-0123456789',
          })
        ).status,
      ).toBe(401);
      const viewerWrite = await call(s, 'POST', '/apply', {
        body: configMap('v'),
        token: TOKENS.viewer,
      });
      expect(viewerWrite.status).toBe(403);
      expect(viewerWrite.body.message).toContain('admin');
      expect(
        (await call(s, 'POST', '/apply', { body: configMap('v'), token: TOKENS.operator })).status,
      ).toBe(403);
    });

    it('unknown paths and resources are 404 with a hint', async () => {
      expect((await call(s, 'GET', '/apis/example.com/v1/widgets')).status).toBe(404);
      expect((await call(s, 'GET', '/nope')).status).toBe(404);
    });
  });
});
