import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import type { SpreadConstraints } from '../resources/schedule-policy.js';
import { selectClusters } from './cluster-select.js';
import type { ClusterView } from './cluster-select.js';
import { allocateReplicas, divideByWeights, planSpread, replicasOf } from './spread.js';

const cluster = (name: string, ready = true, labels: Record<string, string> = {}): ClusterView => ({
  name,
  ready,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
});

const seventyThirty: SpreadConstraints = {
  spreadMode: 'Divide',
  topologyKey: 'kubernetes.io/metadata.name',
  percentageSplit: [
    { topologyValue: 'cluster-1', percentage: 70 },
    { topologyValue: 'cluster-2', percentage: 30 },
  ],
};

/** cluster → replicas for a spread over the given clusters (clusterSelector: all). */
function divide(
  spread: SpreadConstraints,
  clusters: ClusterView[],
  replicas: number,
): Record<string, number> {
  const plan = planSpread(spread, selectClusters({}, clusters));
  const alloc = allocateReplicas(plan, replicas);
  return Object.fromEntries(plan.targets.map((t, i) => [t.cluster.name, alloc[i] ?? -1]));
}

describe('divideByWeights', () => {
  it.each<[number, number[], number[]]>([
    [10, [70, 30], [7, 3]],
    [3, [70, 30], [2, 1]], // 2.1 / 0.9: the leftover goes to the larger fraction
    [1, [70, 30], [1, 0]],
    [0, [70, 30], [0, 0]],
    [10, [1, 1, 1], [4, 3, 3]], // ties go to the earlier entry
    [10, [30, 30, 40], [3, 3, 4]], // Nova's documented example
    [5, [50, 50], [3, 2]],
    [7, [0, 100], [0, 7]],
    [2, [33, 33, 34], [1, 0, 1]], // 0.66 / 0.66 / 0.68
  ])('%i by %j → %j', (total, weights, expected) => {
    expect(divideByWeights(total, weights)).toStrictEqual(expected);
  });

  it.each<[number, number[]]>([
    [-1, [1]],
    [1.5, [1]],
    [3, [0, 0]],
    [3, []],
    [3, [-1, 2]],
  ])('refuses %i by %j', (total, weights) => {
    expect(() => divideByWeights(total, weights)).toThrow(RangeError);
  });

  it('preserves the sum, stays within one of the exact share, and gives zero weight nothing', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 100_000 }),
        fc
          .array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 8 })
          .filter((w) => w.some((x) => x > 0)),
        (total, weights) => {
          const parts = divideByWeights(total, weights);
          const sum = weights.reduce((a, b) => a + b, 0);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p, i) => {
            const exact = (total * (weights[i] ?? 0)) / sum;
            expect(p).toBeGreaterThanOrEqual(Math.floor(exact));
            expect(p).toBeLessThanOrEqual(Math.ceil(exact));
            if (weights[i] === 0) expect(p).toBe(0);
          });
        },
      ),
    );
  });
});

describe('Divide', () => {
  const two = [cluster('cluster-1'), cluster('cluster-2')];

  it.each<[string, SpreadConstraints, ClusterView[], number, Record<string, number>]>([
    ['70/30 of 10', seventyThirty, two, 10, { 'cluster-1': 7, 'cluster-2': 3 }],
    ['70/30 of 3', seventyThirty, two, 3, { 'cluster-1': 2, 'cluster-2': 1 }],
    [
      '70/30 of 1: cluster-2 still gets a copy, with 0',
      seventyThirty,
      two,
      1,
      { 'cluster-1': 1, 'cluster-2': 0 },
    ],
    [
      '70/30 with cluster-1 NotReady: its share is re-spread',
      seventyThirty,
      [cluster('cluster-1', false), cluster('cluster-2')],
      10,
      { 'cluster-2': 10 },
    ],
    [
      'clusters not in percentageSplit get no copy',
      seventyThirty,
      [...two, cluster('cluster-3')],
      10,
      { 'cluster-1': 7, 'cluster-2': 3 },
    ],
    [
      'no percentageSplit: even over domains in value order',
      { spreadMode: 'Divide' },
      [cluster('c'), cluster('a'), cluster('b')],
      10,
      { a: 4, b: 3, c: 3 },
    ],
    [
      'a 0% entry gets no copy',
      {
        spreadMode: 'Divide',
        percentageSplit: [
          { topologyValue: 'cluster-1', percentage: 100 },
          { topologyValue: 'cluster-2', percentage: 0 },
        ],
      },
      two,
      4,
      { 'cluster-1': 4 },
    ],
    [
      'domains by region, shared equally inside a domain',
      {
        spreadMode: 'Divide',
        topologyKey: 'region',
        percentageSplit: [
          { topologyValue: 'east', percentage: 60 },
          { topologyValue: 'west', percentage: 40 },
        ],
      },
      [
        cluster('e2', true, { region: 'east' }),
        cluster('e1', true, { region: 'east' }),
        cluster('w1', true, { region: 'west' }),
        cluster('none'),
      ],
      11,
      { e1: 4, e2: 3, w1: 4 }, // 6.6 → 7 east (3.5 → 4 + 3), 4.4 → 4 west
    ],
  ])('%s', (_name, spread, clusters, replicas, expected) => {
    expect(divide(spread, clusters, replicas)).toStrictEqual(expected);
  });

  it('says which share was re-spread', () => {
    const plan = planSpread(
      seventyThirty,
      selectClusters({}, [cluster('cluster-1', false), cluster('cluster-2')]),
    );
    expect(plan.summary).toContain('re-spread 70% of cluster-1');
  });

  it('is unschedulable when no listed topology value has a Ready cluster', () => {
    const plan = planSpread(
      seventyThirty,
      selectClusters({}, [cluster('cluster-1', false), cluster('cluster-3')]),
    );
    expect(plan.targets).toStrictEqual([]);
    expect(plan.unschedulable).toMatch(/no Ready cluster .* percentageSplit/);
  });

  it('the copies add up to the original for any Ready subset', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1000 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        (replicas, ready) => {
          const clusters = ['cluster-1', 'cluster-2', 'cluster-3'].map((n, i) =>
            cluster(n, ready[i]),
          );
          const plan = planSpread(
            {
              spreadMode: 'Divide',
              percentageSplit: [
                { topologyValue: 'cluster-1', percentage: 50 },
                { topologyValue: 'cluster-2', percentage: 25 },
                { topologyValue: 'cluster-3', percentage: 25 },
              ],
            },
            selectClusters({}, clusters),
          );
          if (!ready.some(Boolean)) return plan.unschedulable !== undefined;
          return allocateReplicas(plan, replicas).reduce((a, b) => a + b, 0) === replicas;
        },
      ),
    );
  });
});

describe('Duplicate and single placement', () => {
  const three = [cluster('cluster-2'), cluster('cluster-1'), cluster('cluster-3', false)];

  it('Duplicate copies to every Ready selected cluster', () => {
    const plan = planSpread({ spreadMode: 'Duplicate' }, selectClusters({}, three));
    expect(plan.mode).toBe('Duplicate');
    expect(plan.targets.map((t) => t.cluster.name)).toStrictEqual(['cluster-1', 'cluster-2']);
    expect(plan.summary).toBe(
      'Duplicate to cluster-1, cluster-2 by no clusterSelector (all clusters); skipped cluster-3 (NotReady)',
    );
  });

  it('spreadConstraints without spreadMode duplicates', () => {
    expect(
      planSpread({ topologyKey: 'kubernetes.io/metadata.name' }, selectClusters({}, three)).mode,
    ).toBe('Duplicate');
  });

  it('without spreadConstraints: one cluster, the first Ready by name', () => {
    const plan = planSpread(undefined, selectClusters({}, three));
    expect(plan.mode).toBe('Single');
    expect(plan.targets.map((t) => t.cluster.name)).toStrictEqual(['cluster-1']);
  });

  it('orderedClusterSelector narrows Duplicate to the first Ready cluster', () => {
    const selection = selectClusters(
      {
        orderedClusterSelector: {
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'In',
              values: ['cluster-3', 'cluster-2'],
            },
          ],
        },
      },
      three,
    );
    const plan = planSpread({ spreadMode: 'Duplicate' }, selection);
    expect(plan.targets.map((t) => t.cluster.name)).toStrictEqual(['cluster-2']);
    expect(plan.summary).toContain('cluster-2, the first Ready cluster in orderedClusterSelector');
  });

  it('no Ready cluster: unschedulable, naming the clusters', () => {
    const plan = planSpread(undefined, selectClusters({}, [cluster('cluster-1', false)]));
    expect(plan.unschedulable).toBe(
      'no Ready cluster: no clusterSelector (all clusters) matches cluster-1 (NotReady)',
    );
    expect(
      planSpread(undefined, selectClusters({ clusterSelector: { matchLabels: { x: 'y' } } }, []))
        .unschedulable,
    ).toBe('clusterSelector x=y matches no registered cluster');
  });
});

describe('replicasOf', () => {
  const obj = (spec: unknown): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec,
  });
  it.each<[unknown, number | undefined]>([
    [{ replicas: 3 }, 3],
    [{ replicas: 0 }, 0],
    [{}, undefined],
    [undefined, undefined],
    [{ replicas: '3' }, undefined],
    [{ replicas: -1 }, undefined],
    [{ replicas: 1.5 }, undefined],
    [[1], undefined],
  ])('%j → %j', (spec, expected) => {
    expect(replicasOf(obj(spec))).toBe(expected);
  });
});
