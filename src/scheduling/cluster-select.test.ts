import { describe, expect, it } from 'vitest';
import type { SchedulePolicySpec } from '../resources/schedule-policy.js';
import {
  clusterLabels,
  listClusters,
  orderingExpression,
  selectClusters,
} from './cluster-select.js';
import type { ClusterView } from './cluster-select.js';

const cluster = (name: string, ready = true, labels: Record<string, string> = {}): ClusterView => ({
  name,
  ready,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
});

const clusters = [
  cluster('cluster-3', true, { provider: 'aws' }),
  cluster('cluster-1', true, { provider: 'gce' }),
  cluster('cluster-2', true, { provider: 'aws' }),
];

const names = (list: readonly ClusterView[]): string[] => list.map((c) => c.name);

describe('selectClusters', () => {
  it.each<[string, SchedulePolicySpec, readonly ClusterView[], string[], string[]]>([
    [
      'no selector: all clusters, by name',
      {},
      clusters,
      ['cluster-1', 'cluster-2', 'cluster-3'],
      ['cluster-1', 'cluster-2', 'cluster-3'],
    ],
    [
      'clusterSelector by name label',
      { clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cluster-3' } } },
      clusters,
      ['cluster-3'],
      ['cluster-3'],
    ],
    [
      'clusterSelector keeps NotReady clusters in matching only',
      { clusterSelector: { matchLabels: { provider: 'aws' } } },
      [
        cluster('cluster-2', false, { provider: 'aws' }),
        cluster('cluster-3', true, { provider: 'aws' }),
      ],
      ['cluster-2', 'cluster-3'],
      ['cluster-3'],
    ],
    [
      'the name label is added when the view lacks it',
      { clusterSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bare' } } },
      [{ name: 'bare', ready: true, labels: {} }],
      ['bare'],
      ['bare'],
    ],
    [
      'ordered: the In values are the priority, not the names',
      {
        orderedClusterSelector: {
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'In',
              values: ['cluster-2', 'cluster-1'],
            },
          ],
        },
      },
      clusters,
      ['cluster-2', 'cluster-1'],
      ['cluster-2', 'cluster-1'],
    ],
    [
      'ordered by a group label; ties by name',
      {
        orderedClusterSelector: {
          matchExpressions: [{ key: 'provider', operator: 'In', values: ['gce', 'aws'] }],
        },
      },
      clusters,
      ['cluster-1', 'cluster-2', 'cluster-3'],
      ['cluster-1', 'cluster-2', 'cluster-3'],
    ],
    [
      'ordered: failover skips a NotReady first choice',
      {
        orderedClusterSelector: {
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'In',
              values: ['cluster-2', 'cluster-1'],
            },
          ],
        },
      },
      [cluster('cluster-1'), cluster('cluster-2', false)],
      ['cluster-2', 'cluster-1'],
      ['cluster-1'],
    ],
    [
      'ordered: the In on the topology key sets the order, other expressions filter',
      {
        orderedClusterSelector: {
          matchExpressions: [
            { key: 'provider', operator: 'In', values: ['aws', 'gce'] },
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'In',
              values: ['cluster-3', 'cluster-1', 'cluster-2'],
            },
          ],
        },
      },
      clusters,
      ['cluster-3', 'cluster-1', 'cluster-2'],
      ['cluster-3', 'cluster-1', 'cluster-2'],
    ],
    [
      'ordered without In: name order',
      { orderedClusterSelector: { matchLabels: { provider: 'aws' } } },
      clusters,
      ['cluster-2', 'cluster-3'],
      ['cluster-2', 'cluster-3'],
    ],
    [
      'no cluster matches',
      { clusterSelector: { matchLabels: { provider: 'azure' } } },
      clusters,
      [],
      [],
    ],
  ])('%s', (_name, spec, list, matching, ready) => {
    const s = selectClusters(spec, list);
    expect(names(s.matching)).toStrictEqual(matching);
    expect(names(s.ready)).toStrictEqual(ready);
    expect(s.ordered).toBe(spec.orderedClusterSelector !== undefined);
  });

  it('describes the selector that chose', () => {
    expect(
      selectClusters({ clusterSelector: { matchLabels: { a: 'b' } } }, clusters).description,
    ).toBe('clusterSelector a=b');
    expect(selectClusters({}, clusters).description).toBe('no clusterSelector (all clusters)');
  });

  it('uses the spread topology key to pick the ordering expression', () => {
    const sel = {
      matchExpressions: [
        { key: 'a', operator: 'In' as const, values: ['1'] },
        { key: 'b', operator: 'In' as const, values: ['2'] },
      ],
    };
    expect(orderingExpression(sel, 'b')).toStrictEqual({ key: 'b', values: ['2'] });
    expect(orderingExpression(sel)).toStrictEqual({ key: 'a', values: ['1'] });
    expect(orderingExpression({ matchLabels: { a: '1' } })).toBeUndefined();
  });

  it('lists clusters with NotReady marked', () => {
    expect(listClusters([cluster('a'), cluster('b', false)])).toBe('a, b (NotReady)');
    expect(clusterLabels({ name: 'x', ready: true, labels: { k: 'v' } })).toStrictEqual({
      k: 'v',
      'kubernetes.io/metadata.name': 'x',
    });
  });
});
