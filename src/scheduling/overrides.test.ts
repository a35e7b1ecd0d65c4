import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import type { SpreadConstraints } from '../resources/schedule-policy.js';
import {
  compileOverrides,
  OverrideError,
  overridesFor,
  protectedPathProblem,
  renderCopy,
} from './overrides.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const ferretdb = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'ferretdb', namespace: 'default', labels: { app: 'ferretdb' } },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          {
            name: 'ferretdb',
            image: 'ghcr.io/ferretdb/ferretdb',
            env: [
              {
                name: 'FERRETDB_POSTGRESQL_URL',
                value: 'postgres://cluster1-pgbouncer.psql-operator.svc:5432/zoo',
              },
            ],
          },
        ],
      },
    },
  },
});

const istioNamespace = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'istio-system', labels: { release: 'istio' } },
});

const spread = (resources: NonNullable<SpreadConstraints['overrides']>): SpreadConstraints => ({
  spreadMode: 'Duplicate',
  overrides: resources,
});

const override = (
  topologyValue: string,
  target: { kind: string; apiVersion: string; name: string; namespace?: string },
  items: [string, unknown][],
): NonNullable<SpreadConstraints['overrides']>[number] => ({
  topologyValue,
  resources: [
    {
      ...target,
      override: items.map(([fieldPath, staticValue]) => ({ fieldPath, value: { staticValue } })),
    },
  ],
});

const deploymentTarget = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  name: 'ferretdb',
  namespace: 'default',
};

function render(obj: KubeObject, sc: SpreadConstraints, topologyValue: string): KubeObject {
  const index = compileOverrides(sc);
  return renderCopy(obj, {
    overrides: overridesFor(index, topologyValue, obj, obj.metadata.namespace),
  });
}

describe('overridesFor', () => {
  const sc = spread([
    override('cluster-1', deploymentTarget, [['spec.replicas', 5]]),
    override('cluster-1', { kind: 'Deployment', apiVersion: 'apps/v1', name: 'ferretdb' }, [
      ['metadata.labels.any', 'ns'],
    ]),
    override('cluster-2', deploymentTarget, [['spec.replicas', 2]]),
  ]);
  const index = compileOverrides(sc);

  it.each<[string, string | undefined, KubeObject, string | undefined, string[]]>([
    [
      'topology value, identity and namespace match',
      'cluster-1',
      ferretdb(),
      'default',
      ['spec.replicas', 'metadata.labels.any'],
    ],
    [
      'other namespace: only the entry without namespace',
      'cluster-1',
      ferretdb(),
      'prod',
      ['metadata.labels.any'],
    ],
    ['other cluster', 'cluster-2', ferretdb(), 'default', ['spec.replicas']],
    ['no entry for the topology value', 'cluster-3', ferretdb(), 'default', []],
    ['cluster without the topology label', undefined, ferretdb(), 'default', []],
    [
      'other name',
      'cluster-1',
      { ...ferretdb(), metadata: { name: 'haproxy', namespace: 'default' } },
      'default',
      [],
    ],
    ['other apiVersion', 'cluster-1', { ...ferretdb(), apiVersion: 'apps/v1beta1' }, 'default', []],
    ['other kind', 'cluster-1', { ...ferretdb(), kind: 'StatefulSet' }, 'default', []],
  ])('%s', (_name, topologyValue, obj, namespace, expected) => {
    expect(
      overridesFor(index, topologyValue, obj, namespace).map((o) => o.fieldPath),
    ).toStrictEqual(expected);
  });
});

describe('renderCopy', () => {
  it('overrides env[0] of the seed FerretDB Deployment per cluster, leaving the input alone', () => {
    const original = deepFreeze(ferretdb());
    const sc = spread([
      override('cluster-1', deploymentTarget, [
        [
          'spec.template.spec.containers[0].env[0].value',
          'postgres://cluster1-ha.psql-operator.svc:5432/zoo',
        ],
      ]),
      override('cluster-2', deploymentTarget, [
        [
          'spec.template.spec.containers[0].env[0].value',
          'postgres://cluster2-ha.psql-operator.svc:5432/zoo',
        ],
      ]),
    ]);
    const expected = (url: string): KubeObject => {
      const e = ferretdb();
      (
        e.spec as { template: { spec: { containers: { env: { value: string }[] }[] } } }
      ).template.spec.containers[0]!.env[0]!.value = url;
      return e;
    };
    expect(render(original, sc, 'cluster-1')).toStrictEqual(
      expected('postgres://cluster1-ha.psql-operator.svc:5432/zoo'),
    );
    expect(render(original, sc, 'cluster-2')).toStrictEqual(
      expected('postgres://cluster2-ha.psql-operator.svc:5432/zoo'),
    );
    expect(original).toStrictEqual(ferretdb());
  });

  it("sets a dotted label key with metadata.labels['topology.istio.io/network']", () => {
    const ns = deepFreeze(istioNamespace());
    const sc = spread([
      override('kind-workload-1', { kind: 'Namespace', apiVersion: 'v1', name: 'istio-system' }, [
        ["metadata.labels['topology.istio.io/network']", 'west-network'],
      ]),
      override('kind-workload-2', { kind: 'Namespace', apiVersion: 'v1', name: 'istio-system' }, [
        ["metadata.labels['topology.istio.io/network']", 'central-network'],
      ]),
    ]);
    const index = compileOverrides(sc);
    for (const [tv, network] of [
      ['kind-workload-1', 'west-network'],
      ['kind-workload-2', 'central-network'],
    ] as const) {
      expect(renderCopy(ns, { overrides: overridesFor(index, tv, ns, undefined) })).toStrictEqual({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'istio-system',
          labels: { release: 'istio', 'topology.istio.io/network': network },
        },
      });
    }
  });

  it.each<[string, string, unknown, (m: KubeObject) => unknown, unknown]>([
    [
      'creates missing maps',
      'metadata.annotations.note',
      'x',
      (m) => m.metadata.annotations,
      { note: 'x' },
    ],
    [
      'creates labels for a bracketed key',
      "metadata.labels['a.b/c']",
      'v',
      (m) => m.metadata.labels?.['a.b/c'],
      'v',
    ],
    [
      'creates missing lists',
      'spec.tolerations[0].key',
      'gpu',
      (m) => (m.spec as Record<string, unknown>).tolerations,
      [{ key: 'gpu' }],
    ],
    [
      'sets any JSON: a map',
      'spec.strategy',
      { type: 'Recreate' },
      (m) => (m.spec as Record<string, unknown>).strategy,
      { type: 'Recreate' },
    ],
    [
      'sets any JSON: a list',
      'spec.template.spec.containers[0].args',
      ['--a', 1],
      (m) =>
        (m.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec
          .containers[0]?.args,
      ['--a', 1],
    ],
    [
      'sets any JSON: null',
      'spec.replicas',
      null,
      (m) => (m.spec as Record<string, unknown>).replicas,
      null,
    ],
    [
      'sets any JSON: boolean',
      'spec.paused',
      true,
      (m) => (m.spec as Record<string, unknown>).paused,
      true,
    ],
    [
      'appends past the end of a list',
      'spec.template.spec.containers[1].name',
      'sidecar',
      (m) =>
        (
          m.spec as { template: { spec: { containers: { name: string }[] } } }
        ).template.spec.containers.map((c) => c.name),
      ['ferretdb', 'sidecar'],
    ],
  ])('%s (%s)', (_name, fieldPath, value, pick, expected) => {
    const original = deepFreeze(ferretdb());
    const copy = render(
      original,
      spread([override('c', deploymentTarget, [[fieldPath, value]])]),
      'c',
    );
    expect(pick(copy)).toStrictEqual(expected);
    expect(original).toStrictEqual(ferretdb());
  });

  it('later overrides win on the same field', () => {
    const copy = render(
      ferretdb(),
      spread([
        override('c', deploymentTarget, [
          ['spec.replicas', 2],
          ['spec.replicas', 9],
        ]),
      ]),
      'c',
    );
    expect((copy.spec as { replicas: number }).replicas).toBe(9);
  });

  it('never shares a staticValue between copies', () => {
    const sc = spread([override('c', deploymentTarget, [['spec.strategy', { type: 'Recreate' }]])]);
    const a = render(ferretdb(), sc, 'c');
    const b = render(ferretdb(), sc, 'c');
    expect((a.spec as Record<string, unknown>).strategy).not.toBe(
      (b.spec as Record<string, unknown>).strategy,
    );
    expect((a.spec as Record<string, unknown>).strategy).not.toBe(
      sc.overrides?.[0]?.resources[0]?.override[0]?.value.staticValue,
    );
  });

  it('sets spec.replicas for Divide before the overrides', () => {
    const copy = renderCopy(ferretdb(), { replicas: 7, overrides: [] });
    expect((copy.spec as { replicas: number }).replicas).toBe(7);
  });

  it.each<[string, string, RegExp]>([
    [
      'a path through a scalar',
      'spec.replicas.x',
      /override of spec.replicas.x for topologyValue "c": .*not a map/,
    ],
    ['an index into a map', 'spec.template[0]', /not a list/],
    ['metadata.name', 'metadata.name', /identity/],
    ['metadata.namespace', 'metadata.namespace', /identity/],
    ['metadata as a whole', 'metadata', /identity/],
    ['kind', 'kind', /identity/],
  ])('refuses %s', (_name, fieldPath, message) => {
    const sc = spread([override('c', deploymentTarget, [[fieldPath, 'x']])]);
    expect(() => render(deepFreeze(ferretdb()), sc, 'c')).toThrow(OverrideError);
    expect(() => render(ferretdb(), sc, 'c')).toThrow(message);
  });

  it.each<[string[], boolean]>([
    [['metadata', 'labels', 'x'], false],
    [['metadata', 'labels'], false],
    [['spec', 'kind'], false],
    [['metadata', 'name'], true],
    [['apiVersion'], true],
  ])('protectedPathProblem(%j) → %s', (segments, refused) => {
    expect(protectedPathProblem(segments) !== undefined).toBe(refused);
  });
});
