import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import type { SchedulePolicy, SchedulePolicySpec } from '../resources/schedule-policy.js';
import { createPolicyMatcher, policySelects } from './policy-match.js';

const policy = (name: string, spec: SchedulePolicySpec): SchedulePolicy => ({
  apiVersion: 'policy.elotl.co/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name },
  spec,
});

const deployment = (
  name: string,
  namespace: string | undefined,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...(namespace !== undefined && { namespace }), ...(labels && { labels }) },
  spec: { replicas: 1 },
});

const clusterRole = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, ...(labels && { labels }) },
});

const namespaces = new Map<string, Record<string, string>>([
  ['prod', { env: 'prod', team: 'db' }],
  ['dev', { env: 'dev' }],
]);

describe('policySelects', () => {
  it.each<[string, SchedulePolicySpec, KubeObject, boolean]>([
    ['no selectors at all: every object', {}, deployment('a', 'prod'), true],
    [
      'empty labelSelectors list: every object',
      { resourceSelectors: { labelSelectors: [] } },
      deployment('a', 'dev'),
      true,
    ],
    [
      'namespace by its automatic name label, Namespace object or not',
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nowhere-registered' } },
      },
      deployment('a', 'nowhere-registered'),
      true,
    ],
    [
      'namespace by its own labels',
      { namespaceSelector: { matchLabels: { env: 'prod' } } },
      deployment('a', 'prod'),
      true,
    ],
    [
      'namespace label mismatch',
      { namespaceSelector: { matchLabels: { env: 'prod' } } },
      deployment('a', 'dev'),
      false,
    ],
    [
      'NotIn on namespace name',
      {
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
          ],
        },
      },
      deployment('a', 'dev'),
      true,
    ],
    [
      'DoesNotExist on a namespace label the namespace lacks',
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } },
      deployment('a', 'dev'),
      true,
    ],
    [
      'DoesNotExist on a namespace label the namespace has',
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } },
      deployment('a', 'prod'),
      false,
    ],
    [
      'a Deployment without namespace lives in default',
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } },
      deployment('haproxy', undefined),
      true,
    ],
    [
      'cluster-scoped objects ignore namespaceSelector (Nova)',
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } },
        resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'x' } }] },
      },
      clusterRole('reader', { app: 'x' }),
      true,
    ],
    [
      'ANY labelSelector may match',
      {
        resourceSelectors: {
          labelSelectors: [{ matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }],
        },
      },
      deployment('x', 'dev', { app: 'b' }),
      true,
    ],
    [
      'no labelSelector matches',
      {
        resourceSelectors: {
          labelSelectors: [{ matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }],
        },
      },
      deployment('x', 'dev', { app: 'c' }),
      false,
    ],
    [
      'NotIn selects objects without the key',
      {
        resourceSelectors: {
          labelSelectors: [
            { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] },
          ],
        },
      },
      deployment('x', 'dev'),
      true,
    ],
    [
      'DoesNotExist selects objects without the key',
      {
        resourceSelectors: {
          labelSelectors: [{ matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }],
        },
      },
      deployment('x', 'dev', { skip: '' }),
      false,
    ],
  ])('%s', (_name, spec, obj, expected) => {
    expect(
      policySelects(policy('p', spec), obj, namespaces.get(obj.metadata.namespace ?? '')),
    ).toBe(expected);
  });
});

describe('precedence', () => {
  const ferret = deployment('ferretdb', 'prod', { app: 'ferretdb', tier: 'db' });

  it.each<[string, SchedulePolicy[], string[]]>([
    [
      'higher priority wins over specificity and name',
      [
        policy('a-specific', {
          namespaceSelector: { matchLabels: { env: 'prod' } },
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb', tier: 'db' } }] },
        }),
        policy('z-broad', { priority: 10 }),
      ],
      ['z-broad', 'a-specific'],
    ],
    [
      'same priority: more requirements wins',
      [
        policy('a-broad', {
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
        policy('b-narrow', {
          namespaceSelector: { matchLabels: { env: 'prod' } },
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
      ],
      ['b-narrow', 'a-broad'],
    ],
    [
      'specificity counts the most specific labelSelector that matched',
      [
        policy('z-multi', {
          resourceSelectors: {
            labelSelectors: [
              { matchLabels: { app: 'ferretdb' } },
              { matchLabels: { app: 'ferretdb', tier: 'db' } },
              { matchLabels: { app: 'ferretdb', tier: 'web', x: 'y' } },
            ],
          },
        }),
        policy('a-single', {
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
      ],
      ['z-multi', 'a-single'],
    ],
    [
      'full tie: name order, whatever the input order',
      [
        policy('zeta', {
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
        policy('alpha', {
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
      ],
      ['alpha', 'zeta'],
    ],
    [
      'negative priority loses to the default 0',
      [policy('a', { priority: -1 }), policy('b', {})],
      ['b', 'a'],
    ],
  ])('%s', (_name, policies, expected) => {
    for (const list of [policies, [...policies].reverse()]) {
      const m = createPolicyMatcher(list, namespaces).match(ferret);
      expect(m.matched.map((x) => x.policy.name)).toStrictEqual(expected);
      expect(m.winner?.name).toBe(expected[0]);
    }
  });

  it('reports policies whose labelSelectors matched but whose namespaceSelector did not', () => {
    const m = createPolicyMatcher(
      [
        policy('only-dev', {
          namespaceSelector: { matchLabels: { env: 'dev' } },
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'ferretdb' } }] },
        }),
        policy('other-app', {
          resourceSelectors: { labelSelectors: [{ matchLabels: { app: 'x' } }] },
        }),
      ],
      namespaces,
    ).match(ferret);
    expect(m.winner).toBeUndefined();
    expect(m.matched).toStrictEqual([]);
    expect(m.namespaceMisses).toStrictEqual(['only-dev']);
  });

  it('indexes In expressions by every value and still evaluates the whole selector', () => {
    const p = policy('in', {
      resourceSelectors: {
        labelSelectors: [
          {
            matchExpressions: [
              { key: 'app', operator: 'In', values: ['ferretdb', 'haproxy'] },
              { key: 'tier', operator: 'NotIn', values: ['db'] },
            ],
          },
        ],
      },
    });
    const matcher = createPolicyMatcher([p], namespaces);
    expect(matcher.match(deployment('h', 'dev', { app: 'haproxy' })).winner?.name).toBe('in');
    expect(
      matcher.match(deployment('f', 'dev', { app: 'ferretdb', tier: 'db' })).winner,
    ).toBeUndefined();
    expect(matcher.match(deployment('o', 'dev', { app: 'other' })).winner).toBeUndefined();
  });
});
