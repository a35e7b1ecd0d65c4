/**
 * The API around propagation: bad SchedulePolicies are refused with 422 naming the
 * field (YAML line included), `GET /placements` answers viewers with each object's
 * clusters, policy and state, and `lifeboat get placements` prints it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementRoutes } from '../../src/api/routes/placements.js';
import { createPropagation, type Propagation } from '../../src/propagation/propagator.js';
import { clusterNames, labCluster } from '../support/clusters.js';
import { testLogger } from '../support/hub.js';
import { call, startTestServer, TOKENS, type TestServer } from '../support/server.js';

const root = path.resolve(import.meta.dirname, '../..');

function policy(spec: string): string {
  return `apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata:
  name: bad
spec:
${spec}`;
}

let server: TestServer;
let propagation: Propagation;

beforeAll(async () => {
  server = await startTestServer({
    routers: (s) => {
      propagation = createPropagation({
        redis: s.redis,
        store: s.store,
        resources: s.resources,
        logger: testLogger,
        clusters: { timing: { intervalMs: 1000, minBackoffMs: 100, maxBackoffMs: 500 } },
      });
      return [placementRoutes(propagation)];
    },
  });
  await propagation.start();
});

afterAll(async () => {
  await propagation.stop();
  await server.close();
});

describe('bad SchedulePolicies are refused with 422 naming the field', () => {
  it.each([
    [
      'an invalid selector operator',
      `  clusterSelector:
    matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: Inn
        values: [cluster-1]
`,
      'spec.clusterSelector.matchExpressions[0].operator',
      /Inn/,
      9,
    ],
    [
      'an unparsable fieldPath',
      `  spreadConstraints:
    spreadMode: Duplicate
    overrides:
      - topologyValue: cluster-1
        resources:
          - kind: ConfigMap
            apiVersion: v1
            name: x
            override:
              - fieldPath: "data[x"
                value:
                  staticValue: y
`,
      'spec.spreadConstraints.overrides[0].resources[0].override[0].fieldPath',
      /data\[x/,
      15,
    ],
    [
      'percentages that do not add up to 100',
      `  spreadConstraints:
    spreadMode: Divide
    percentageSplit:
      - topologyValue: cluster-1
        percentage: 70
      - topologyValue: cluster-2
        percentage: 20
`,
      'spec.spreadConstraints.percentageSplit',
      /add up to 90; they must add up to 100/,
      8,
    ],
  ])('%s', async (_what, spec, field, message, line) => {
    const res = await call(server, 'POST', '/apply', {
      body: policy(spec),
      type: 'application/yaml',
    });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('Invalid');
    const cause = res.body.details.causes.find((c: { field: string }) => c.field === field);
    expect(cause).toBeDefined();
    expect(cause.message).toMatch(message);
    expect(cause.line).toBe(line);
    // Nothing was stored.
    expect(
      (await call(server, 'GET', '/apis/policy.elotl.co/v1alpha1/schedulepolicies/bad')).status,
    ).toBe(404);
  });
});

describe('GET /placements and lifeboat get placements', () => {
  beforeAll(async () => {
    const clusters = clusterNames()
      .map(
        (n) =>
          `apiVersion: cluster.elotl.co/v1alpha1\nkind: Cluster\nmetadata: {name: ${n}}\nspec: {kubeconfig: {path: ${labCluster(n).kubeconfig}}}\n`,
      )
      .join('---\n');
    const ns = `api-${Math.random().toString(16).slice(2, 8)}`;
    const body = `${clusters}---
apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata: {name: api-broad}
spec:
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}
  resourceSelectors: {labelSelectors: [{matchLabels: {app: web}}]}
  clusterSelector: {matchLabels: {kubernetes.io/metadata.name: cluster-3}}
---
apiVersion: policy.elotl.co/v1alpha1
kind: SchedulePolicy
metadata: {name: api-narrow}
spec:
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}
  resourceSelectors: {labelSelectors: [{matchLabels: {app: web, tier: front}}]}
  clusterSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [cluster-1, cluster-2]}]}
  spreadConstraints: {spreadMode: Duplicate}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: ${ns}, labels: {app: web, tier: front}}
data: {a: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: stray, namespace: ${ns}, labels: {app: other}}
data: {a: "1"}
`;
    const res = await call(server, 'POST', '/apply', { body, type: 'application/yaml' });
    if (res.status !== 200) throw new Error(`fixtures not applied: ${res.text}`);
  });

  /** Waits until the `web` ConfigMap is applied to both clusters. */
  async function placed(): Promise<void> {
    await expect
      .poll(
        async () =>
          (await call(server, 'GET', '/placements', { token: TOKENS.viewer })).body.items.find(
            (p: any) => p.object.name === 'web',
          )?.clusters,
        {
          timeout: 30_000,
          interval: 100,
        },
      )
      .toStrictEqual([
        { cluster: 'cluster-1', state: 'Applied' },
        { cluster: 'cluster-2', state: 'Applied' },
      ]);
  }

  it('shows each object with its clusters, winning policy, precedence and reason; unschedulable ones say why', async () => {
    await placed();
    const res = await call(server, 'GET', '/placements', { token: TOKENS.viewer });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('PlacementList');
    expect(res.body.clusters.map((c: any) => [c.cluster, c.phase])).toStrictEqual(
      clusterNames().map((n) => [n, 'ready']),
    );
    const web = res.body.items.find((p: any) => p.object.name === 'web');
    expect(web.policy).toBe('api-narrow');
    expect(web.matchedPolicies).toStrictEqual(['api-narrow', 'api-broad']);
    expect(web.reason).toContain('also selected by "api-broad" (loses: more specific');
    const stray = res.body.items.find((p: any) => p.object.name === 'stray');
    expect(stray.clusters).toStrictEqual([]);
    expect(stray.unschedulable).toMatch(
      /^no SchedulePolicy selects it \(in namespace "api-[0-9a-f]+"; its labels are app=other\)$/,
    );
  });

  it('needs a token', async () => {
    expect((await call(server, 'GET', '/placements', { token: null })).status).toBe(401);
  });

  it('prints a table and JSON from the CLI', async () => {
    await placed();
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'node',
          [path.join(root, 'bin/lifeboat.js'), ...args],
          {
            cwd: root,
            env: { ...process.env, LIFEBOAT_SERVER: server.url, LIFEBOAT_TOKEN: TOKENS.viewer },
          },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
        );
      });
    const table = await cli(['get', 'placements']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OBJECT\s+CLUSTERS\s+POLICY\s+STATE\/REASON$/);
    expect(lines.find((l) => l.includes('ConfigMap/api-') && l.includes('/web'))).toMatch(
      /ConfigMap\/api-[0-9a-f]+\/web\s+cluster-1,cluster-2\s+api-narrow\s+cluster-1=Applied, cluster-2=Applied; also selected by api-broad$/,
    );
    expect(lines.find((l) => l.includes('/stray'))).toMatch(
      /\s+-\s+-\s+Unschedulable: no SchedulePolicy selects it/,
    );

    const json = await cli(['get', 'placements', '-o', 'json']);
    expect(JSON.parse(json.stdout).items.find((p: any) => p.object.name === 'web').policy).toBe(
      'api-narrow',
    );
  });
});
