import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../resources/meta.js';
import { schedulePolicy } from '../resources/schedule-policy.js';
import type { SchedulePolicy, SchedulePolicySpec } from '../resources/schedule-policy.js';
import type { ClusterView } from './cluster-select.js';
import { schedule } from './placement.js';
import type { Placement, ScheduleInput } from './placement.js';

// ---------------------------------------------------------------------------------------
// Fixtures: the seed blog's policies (as printed), its workloads, and a HAProxy policy.

const seedPolicies: SchedulePolicy[] = parseAllDocuments(
  readFileSync(new URL('../../test/fixtures/seed-schedule-policies.yaml', import.meta.url), 'utf8'),
).map((d) => schedulePolicy.parse(d.toJS()));

const policy = (name: string, spec: SchedulePolicySpec): SchedulePolicy => ({
  apiVersion: 'policy.elotl.co/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name },
  spec,
});

const haproxyPolicy = policy('haproxy-cluster-3', {
  namespaceSelector: {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default', 'psql-operator'] },
    ],
  },
  clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-3' } },
  resourceSelectors: { labelSelectors: [{ matchLabels: { cluster: 'cluster-ha-proxy' } }] },
});

const PG_URL_SEED = 'postgres://cluster1-pgbouncer.psql-operator.svc:5432/zoo';

const ferretdbDeployment = (url = PG_URL_SEED): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'ferretdb', namespace: 'default', labels: { app: 'ferretdb' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'ferretdb' } },
    template: {
      metadata: { labels: { app: 'ferretdb' } },
      spec: {
        containers: [
          {
            name: 'ferretdb',
            image: 'ghcr.io/ferretdb/ferretdb',
            ports: [{ containerPort: 27017 }],
            env: [{ name: 'FERRETDB_POSTGRESQL_URL', value: url }],
          },
        ],
      },
    },
  },
});

const ferretdbService = (n: 1 | 2): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: `ferretdb-service-${n}`,
    namespace: 'default',
    labels: { 'psql-cluster': `cluster-${n}` },
  },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'ferretdb' },
    ports: [{ name: 'mongo', protocol: 'TCP', port: 27017, targetPort: 27017 }],
  },
});

// As in Nova's example: applied without a namespace, so it lands in `default`.
const haproxyDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'haproxy', labels: { cluster: 'cluster-ha-proxy' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'haproxy' } } },
};

const haproxyConfig: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'haproxy-config',
    namespace: 'psql-operator',
    labels: { cluster: 'cluster-ha-proxy' },
  },
  data: { 'haproxy.cfg': 'backend be_db_1\n    server db1 ferretdb-1:27017 check' },
};

const percona1: KubeObject = {
  apiVersion: 'pgv2.percona.com/v2',
  kind: 'PerconaPGCluster',
  metadata: {
    name: 'cluster1',
    namespace: 'psql-operator',
    labels: { 'psql-cluster': 'cluster-1' },
  },
  spec: { standby: { enabled: false } },
};

const psqlNamespace: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'psql-operator' },
};

const recoveryPlan: KubeObject = {
  apiVersion: 'recovery.elotl.co/v1alpha1',
  kind: 'RecoveryPlan',
  metadata: { name: 'psql-primary-failover-plan' },
  spec: { alertLabels: { app: 'example-app' }, steps: [] },
};

const cluster = (name: string, ready = true, labels: Record<string, string> = {}): ClusterView => ({
  name,
  ready,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
});

const threeClusters = (down: string[] = []): ClusterView[] =>
  ['cluster-1', 'cluster-2', 'cluster-3'].map((n) => cluster(n, !down.includes(n)));

function seedInput(down: string[] = []): ScheduleInput {
  const policies = [...seedPolicies, haproxyPolicy];
  return {
    objects: [
      ...policies, // stored alongside the workloads; must be skipped
      recoveryPlan,
      ferretdbService(2),
      ferretdbDeployment(),
      ferretdbService(1),
      haproxyDeployment,
      haproxyConfig,
      percona1,
      psqlNamespace,
    ],
    policies,
    clusters: threeClusters(down),
    namespaces: new Map(),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A placement as plain data (manifests materialized), for toStrictEqual. */
const plain = (p: Placement): unknown => JSON.parse(JSON.stringify(p));

const find = (ps: Placement[], kind: string, name: string): Placement => {
  const p = ps.find((x) => x.object.kind === kind && x.object.name === name);
  if (p === undefined) throw new Error(`no placement for ${kind} ${name}`);
  return p;
};

const where = (p: Placement): string[] => p.clusters.map((c) => c.cluster);

// ---------------------------------------------------------------------------------------

describe('the seed: FerretDB + Percona + HAProxy', () => {
  const placements = schedule(deepFreeze(seedInput()));

  it('loads the seed policies as printed', () => {
    expect(seedPolicies.map((p) => p.metadata.name)).toStrictEqual([
      'spread-ferretdb',
      'psql-cluster-1-ferretdb',
      'psql-cluster-2-ferretdb',
    ]);
  });

  it('duplicates the FerretDB Deployment to cluster-1 and cluster-2 with env[0] overridden per cluster', () => {
    expect(plain(find(placements, 'Deployment', 'ferretdb'))).toStrictEqual({
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'ferretdb' },
      policy: 'spread-ferretdb',
      matchedPolicies: ['spread-ferretdb'],
      group: 'app=ferretdb',
      clusters: [
        {
          cluster: 'cluster-1',
          manifest: ferretdbDeployment('postgres://cluster1-ha.psql-operator.svc:5432/zoo'),
        },
        {
          cluster: 'cluster-2',
          manifest: ferretdbDeployment('postgres://cluster2-ha.psql-operator.svc:5432/zoo'),
        },
      ],
      reason:
        'SchedulePolicy "spread-ferretdb": Duplicate to cluster-1, cluster-2 by clusterSelector kubernetes.io/metadata.name in (cluster-1,cluster-2); overrides applied for cluster-1, cluster-2',
    });
  });

  it.each<[string, string, string, string[]]>([
    ['Service', 'ferretdb-service-1', 'psql-cluster-1-ferretdb', ['cluster-1']],
    ['Service', 'ferretdb-service-2', 'psql-cluster-2-ferretdb', ['cluster-2']],
    ['Deployment', 'haproxy', 'haproxy-cluster-3', ['cluster-3']],
    ['ConfigMap', 'haproxy-config', 'haproxy-cluster-3', ['cluster-3']],
  ])('%s %s goes by %s to %j, unchanged', (kind, name, policyName, clusters) => {
    const p = find(placements, kind, name);
    expect(p.policy).toBe(policyName);
    expect(p.matchedPolicies).toStrictEqual([policyName]);
    expect(where(p)).toStrictEqual(clusters);
    const original = seedInput().objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(p.clusters[0]?.manifest).toStrictEqual(original);
    expect(p.unschedulable).toBeUndefined();
  });

  it('puts the namespace-less HAProxy Deployment in default', () => {
    expect(find(placements, 'Deployment', 'haproxy').object).toStrictEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'haproxy',
    });
  });

  it('explains why the Percona cluster is not placed (the seed policies select namespace default)', () => {
    const p = find(placements, 'PerconaPGCluster', 'cluster1');
    expect(p.clusters).toStrictEqual([]);
    expect(p.matchedPolicies).toStrictEqual([]);
    expect(p.unschedulable).toBe(
      'no SchedulePolicy selects it (in namespace "psql-operator"; its labels are psql-cluster=cluster-1); the labelSelectors of "psql-cluster-1-ferretdb" match it but their namespaceSelector does not match namespace "psql-operator"',
    );
  });

  it('places the Namespace object where its contents go', () => {
    const p = find(placements, 'Namespace', 'psql-operator');
    expect(where(p)).toStrictEqual(['cluster-3']);
    expect(p.reason).toBe('Namespace placed on cluster-3 because objects in it are placed there');
    expect(p.clusters[0]?.manifest).toStrictEqual(psqlNamespace);
  });

  it('leaves out lifeboat’s own kinds and sorts by group, kind, namespace, name', () => {
    expect(
      placements.map((p) => `${p.object.kind} ${p.object.namespace ?? ''}/${p.object.name}`),
    ).toStrictEqual([
      'ConfigMap psql-operator/haproxy-config',
      'Namespace /psql-operator',
      'Service default/ferretdb-service-1',
      'Service default/ferretdb-service-2',
      'Deployment default/ferretdb',
      'Deployment default/haproxy',
      'PerconaPGCluster psql-operator/cluster1',
    ]);
  });

  it('with cluster-1 down: FerretDB runs on cluster-2 only and service-1 says why it waits', () => {
    const down = schedule(seedInput(['cluster-1']));
    const ferret = find(down, 'Deployment', 'ferretdb');
    expect(where(ferret)).toStrictEqual(['cluster-2']);
    expect(ferret.reason).toContain('skipped cluster-1 (NotReady)');
    const svc = find(down, 'Service', 'ferretdb-service-1');
    expect(svc.clusters).toStrictEqual([]);
    expect(svc.unschedulable).toBe(
      'SchedulePolicy "psql-cluster-1-ferretdb": no Ready cluster: clusterSelector kubernetes.io/metadata.name=cluster-1 matches cluster-1 (NotReady)',
    );
    // No fallback to another policy: the winner decides, even when it cannot place.
    expect(svc.policy).toBe('psql-cluster-1-ferretdb');
  });
});

describe('orderedClusterSelector (fill-and-spill) with groupBy', () => {
  const fillAndSpill = policy('fill-and-spill', {
    namespaceSelector: {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] },
      ],
    },
    groupBy: { labelKey: 'test' },
    orderedClusterSelector: {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['cluster-2', 'cluster-1'] },
      ],
    },
    resourceSelectors: { labelSelectors: [{ matchLabels: { groupingFeatureTest: 'true' } }] },
  });
  const member = (kind: string, name: string, group: string): KubeObject => ({
    apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
    kind,
    metadata: { name, namespace: 'default', labels: { groupingFeatureTest: 'true', test: group } },
  });
  const objects = [
    member('Deployment', 'nginx-1', 'group-1'),
    member('Service', 'nginx-1', 'group-1'),
    member('ConfigMap', 'nginx-1', 'group-1'),
    member('Deployment', 'nginx-2', 'group-2'),
  ];

  it.each<[string, string[], string]>([
    ['all Ready: the first value in the In list', [], 'cluster-2'],
    ['cluster-2 NotReady: fail over to cluster-1', ['cluster-2'], 'cluster-1'],
    ['cluster-1 NotReady: still cluster-2', ['cluster-1'], 'cluster-2'],
  ])('%s', (_name, down, expected) => {
    const ps = schedule({
      objects,
      policies: [fillAndSpill],
      clusters: threeClusters(down),
      namespaces: new Map(),
    });
    expect(ps).toHaveLength(4);
    for (const p of ps) {
      expect(where(p)).toStrictEqual([expected]);
      expect(p.group).toBe(`test=${p.object.name === 'nginx-2' ? 'group-2' : 'group-1'}`);
    }
  });

  it('both clusters NotReady: every member says so', () => {
    const ps = schedule({
      objects,
      policies: [fillAndSpill],
      clusters: threeClusters(['cluster-1', 'cluster-2']),
      namespaces: new Map(),
    });
    for (const p of ps) {
      expect(p.unschedulable).toBe(
        'SchedulePolicy "fill-and-spill": no Ready cluster: orderedClusterSelector kubernetes.io/metadata.name in (cluster-2,cluster-1) matches cluster-2 (NotReady), cluster-1 (NotReady)',
      );
    }
  });
});

describe('groupBy holds a group back together', () => {
  const grouped = policy('grouped', {
    groupBy: { labelKey: 'app' },
    clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-1' } },
    resourceSelectors: {
      labelSelectors: [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] }],
    },
    spreadConstraints: {
      spreadMode: 'Duplicate',
      overrides: [
        {
          topologyValue: 'cluster-1',
          resources: [
            {
              kind: 'ConfigMap',
              apiVersion: 'v1',
              name: 'broken',
              override: [{ fieldPath: 'data.key.deeper', value: { staticValue: 'x' } }],
            },
          ],
        },
      ],
    },
  });
  const cm = (name: string, labels: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels },
    data: { key: 'scalar' },
  });
  const ps = schedule({
    objects: [
      cm('broken', { team: 'a', app: 'web' }),
      cm('sibling', { team: 'a', app: 'web' }),
      cm('other-group', { team: 'a', app: 'api' }),
      cm('ungrouped', { team: 'a' }),
    ],
    policies: [grouped],
    clusters: threeClusters(),
    namespaces: new Map(),
  });

  it('the member whose override fails is unschedulable with the error', () => {
    expect(find(ps, 'ConfigMap', 'broken').unschedulable).toBe(
      'SchedulePolicy "grouped": the copy for cluster-1 cannot be rendered: override of data.key.deeper for topologyValue "cluster-1": data.key is not a map',
    );
  });

  it('its group is held back with it', () => {
    const sibling = find(ps, 'ConfigMap', 'sibling');
    expect(sibling.clusters).toStrictEqual([]);
    expect(sibling.group).toBe('app=web');
    expect(sibling.unschedulable).toMatch(
      /^group app=web is placed together and its member ConfigMap default\/broken cannot be placed/,
    );
  });

  it('other groups and ungrouped objects are placed', () => {
    expect(where(find(ps, 'ConfigMap', 'other-group'))).toStrictEqual(['cluster-1']);
    const ungrouped = find(ps, 'ConfigMap', 'ungrouped');
    expect(where(ungrouped)).toStrictEqual(['cluster-1']);
    expect(ungrouped.group).toBeUndefined();
  });
});

describe('Divide through schedule', () => {
  const divide = policy('divide', {
    clusterSelector: {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['cluster-1', 'cluster-2'] },
      ],
    },
    resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'web' } }] },
    spreadConstraints: {
      spreadMode: 'Divide',
      topologyKey: 'kubernetes.io/metadata.name',
      percentageSplit: [
        { topologyValue: 'cluster-1', percentage: 70 },
        { topologyValue: 'cluster-2', percentage: 30 },
      ],
    },
  });
  const web = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${replicas}`, namespace: 'default', labels: { app: 'web' } },
    spec: { replicas, template: {} },
  });
  const config: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    data: { a: 'b' },
  };

  it.each<[number, [string, number][]]>([
    [
      10,
      [
        ['cluster-1', 7],
        ['cluster-2', 3],
      ],
    ],
    [
      3,
      [
        ['cluster-1', 2],
        ['cluster-2', 1],
      ],
    ],
  ])('%i replicas at 70/30', (replicas, expected) => {
    const original = deepFreeze(web(replicas));
    const [p] = schedule({
      objects: [original],
      policies: [divide],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    expect(p?.clusters.map((c) => [c.cluster, c.replicas])).toStrictEqual(expected);
    expect(
      p?.clusters.map((c) => (c.manifest.spec as { replicas: number }).replicas),
    ).toStrictEqual(expected.map((e) => e[1]));
    expect(p?.reason).toContain(
      `${replicas} replicas → ${expected.map(([c, n]) => `${c} ${n}`).join(', ')}`,
    );
    expect((original.spec as { replicas: number }).replicas).toBe(replicas);
  });

  it('copies kinds without spec.replicas whole to every cluster with a share', () => {
    const [p] = schedule({
      objects: [config],
      policies: [divide],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    expect(plain(p!)).toMatchObject({
      clusters: [
        { cluster: 'cluster-1', manifest: config },
        { cluster: 'cluster-2', manifest: config },
      ],
    });
    expect(p?.clusters.every((c) => c.replicas === undefined)).toBe(true);
    expect(p?.reason).toContain('(no spec.replicas: copied whole)');
  });

  it('re-spreads a NotReady cluster’s share', () => {
    const [p] = schedule({
      objects: [web(10)],
      policies: [divide],
      clusters: threeClusters(['cluster-2']),
      namespaces: new Map(),
    });
    expect(p?.clusters.map((c) => [c.cluster, c.replicas])).toStrictEqual([['cluster-1', 10]]);
  });
});

describe('precedence between two matching policies', () => {
  const broad = policy('a-broad', {
    resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
    clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-3' } },
  });
  const urgent = policy('z-urgent', {
    priority: 100,
    resourceSelectors: {
      labelSelectors: [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }],
    },
    clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-2' } },
  });

  it('the spread-ferretdb policy (more specific) beats a broad one; the reason names the loser', () => {
    const [p] = schedule({
      objects: [ferretdbDeployment()],
      policies: [broad, ...seedPolicies],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    expect(p?.policy).toBe('spread-ferretdb');
    expect(p?.matchedPolicies).toStrictEqual(['spread-ferretdb', 'a-broad']);
    expect(p?.reason).toContain(
      'also selected by "a-broad" (loses: more specific: 2 selector requirements > 1)',
    );
    expect(where(p!)).toStrictEqual(['cluster-1', 'cluster-2']);
  });

  it('priority beats specificity', () => {
    const [p] = schedule({
      objects: [ferretdbDeployment()],
      policies: [...seedPolicies, broad, urgent],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    expect(p?.policy).toBe('z-urgent');
    expect(p?.matchedPolicies).toStrictEqual(['z-urgent', 'spread-ferretdb', 'a-broad']);
    expect(where(p!)).toStrictEqual(['cluster-2']);
    expect(p?.reason).toContain('"spread-ferretdb" (loses: priority 100 > 0)');
  });
});

describe('without spreadConstraints a policy places on one cluster', () => {
  it('the first Ready matching cluster by name, moving when it goes down', () => {
    const anywhere = policy('anywhere', {
      resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'x' } }] },
    });
    const obj: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'a', labels: { app: 'x' } },
    };
    const run = (down: string[]): Placement =>
      schedule({
        objects: [obj],
        policies: [anywhere],
        clusters: threeClusters(down),
        namespaces: new Map(),
      })[0]!;
    expect(where(run([]))).toStrictEqual(['cluster-1']);
    expect(where(run(['cluster-1']))).toStrictEqual(['cluster-2']);
    expect(run([]).reason).toBe(
      'SchedulePolicy "anywhere": placed on cluster-1, the first Ready cluster by name of no clusterSelector (all clusters) (no spreadConstraints: one cluster)',
    );
  });
});

describe('namespaces', () => {
  const labelled = policy('prod-only', {
    namespaceSelector: { matchLabels: { env: 'prod' } },
    clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-2' } },
  });
  const cm = (namespace: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace },
  });

  it('matches namespace labels from the map, or else from the Namespace object', () => {
    const ps = schedule({
      objects: [
        cm('shop'),
        cm('blog'),
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'blog', labels: { env: 'prod' } },
        },
      ],
      policies: [labelled],
      clusters: threeClusters(),
      namespaces: new Map([['shop', { env: 'prod' }]]),
    });
    expect(
      ps.map((p) => [p.object.kind, p.object.namespace ?? p.object.name, where(p)]),
    ).toStrictEqual([
      ['ConfigMap', 'blog', ['cluster-2']],
      ['ConfigMap', 'shop', ['cluster-2']],
      ['Namespace', 'blog', ['cluster-2']], // selected by prod-only itself (cluster-scoped: namespaceSelector ignored)
    ]);
  });

  it('a Namespace with no policy and nothing placed in it is unschedulable', () => {
    const [p] = schedule({
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } }],
      policies: [],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    expect(p?.unschedulable).toBe(
      'no SchedulePolicy selects this Namespace and no placed object lives in it (it has no labels)',
    );
  });

  it('a Namespace placed by a policy with overrides also goes where its contents go, plain', () => {
    const istio = policy('spread-namespace-policy', {
      namespaceSelector: {},
      resourceSelectors: { labelSelectors: [{ matchLabels: { release: 'istio' } }] },
      groupBy: { labelKey: 'release' },
      clusterSelector: {
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'In',
            values: ['cluster-1', 'cluster-2'],
          },
        ],
      },
      spreadConstraints: {
        spreadMode: 'Duplicate',
        topologyKey: 'kubernetes.io/metadata.name',
        overrides: ['cluster-1', 'cluster-2'].map((c, i) => ({
          topologyValue: c,
          resources: [
            {
              kind: 'Namespace',
              apiVersion: 'v1',
              name: 'istio-system',
              override: [
                {
                  fieldPath: "metadata.labels['topology.istio.io/network']",
                  value: { staticValue: i === 0 ? 'west-network' : 'central-network' },
                },
              ],
            },
          ],
        })),
      },
    });
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'istio-system', labels: { release: 'istio' } },
    };
    const gateway: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'gw', namespace: 'istio-system', labels: { gw: 'yes' } },
    };
    const gwPolicy = policy('gw', {
      resourceSelectors: { labelSelectors: [{ matchLabels: { gw: 'yes' } }] },
      clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-3' } },
    });
    const ps = schedule({
      objects: [deepFreeze(ns), gateway],
      policies: [istio, gwPolicy],
      clusters: threeClusters(),
      namespaces: new Map(),
    });
    const p = find(ps, 'Namespace', 'istio-system');
    expect(plain(p)).toStrictEqual({
      object: { apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' },
      policy: 'spread-namespace-policy',
      matchedPolicies: ['spread-namespace-policy'],
      group: 'release=istio',
      clusters: [
        {
          cluster: 'cluster-1',
          manifest: {
            ...ns,
            metadata: {
              ...ns.metadata,
              labels: { release: 'istio', 'topology.istio.io/network': 'west-network' },
            },
          },
        },
        {
          cluster: 'cluster-2',
          manifest: {
            ...ns,
            metadata: {
              ...ns.metadata,
              labels: { release: 'istio', 'topology.istio.io/network': 'central-network' },
            },
          },
        },
        { cluster: 'cluster-3', manifest: ns },
      ],
      reason:
        'SchedulePolicy "spread-namespace-policy": Duplicate to cluster-1, cluster-2 by clusterSelector kubernetes.io/metadata.name in (cluster-1,cluster-2); overrides applied for cluster-1, cluster-2; also placed on cluster-3 because objects in it are placed there',
    });
  });
});

describe('manifests', () => {
  it('are deep copies, rendered once, independent per cluster', () => {
    const input = deepFreeze(seedInput());
    const ps = schedule(input);
    const svc = find(ps, 'Service', 'ferretdb-service-1');
    const m = svc.clusters[0]!.manifest;
    expect(svc.clusters[0]!.manifest).toBe(m);
    expect(m).not.toBe(input.objects.find((o) => o.metadata.name === 'ferretdb-service-1'));
    m.metadata.name = 'changed';
    expect(
      find(schedule(input), 'Service', 'ferretdb-service-1').clusters[0]!.manifest.metadata.name,
    ).toBe('ferretdb-service-1');
    const ferret = find(ps, 'Deployment', 'ferretdb');
    expect(ferret.clusters[0]!.manifest.spec).not.toBe(ferret.clusters[1]!.manifest.spec);
  });
});

// ---------------------------------------------------------------------------------------

describe('schedule properties', () => {
  const policies = [...seedPolicies, haproxyPolicy];
  const base = seedInput();

  it('output does not depend on the order of objects, policies or clusters', () => {
    const expected = JSON.stringify(schedule(base));
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...base.objects], { minLength: base.objects.length }),
        fc.shuffledSubarray(policies, { minLength: policies.length }),
        fc.shuffledSubarray([...base.clusters], { minLength: base.clusters.length }),
        (objects, ps, clusters) =>
          JSON.stringify(schedule({ objects, policies: ps, clusters, namespaces: new Map() })) ===
          expected,
      ),
      { numRuns: 50 },
    );
  });

  it('never changes its input, and a placement has clusters exactly when it is not unschedulable', () => {
    fc.assert(
      fc.property(fc.subarray(['cluster-1', 'cluster-2', 'cluster-3']), (down) => {
        const input = deepFreeze(seedInput(down));
        const ps = schedule(input);
        JSON.stringify(ps); // renders every manifest: would throw on a frozen input
        for (const p of ps) expect(p.clusters.length === 0).toBe(p.unschedulable !== undefined);
        expect(
          ps
            .filter((p) => p.object.kind === 'Service')
            .flatMap(where)
            .sort(),
        ).toStrictEqual(['cluster-1', 'cluster-2'].filter((c) => !down.includes(c)));
      }),
    );
  });
});
